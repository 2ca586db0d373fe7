//! The blocking facade, from several threads at once.

use bytes::Bytes;
use kuber_client::{ErrorKind, blocking};

use crate::server::{ADMIN, TestServer};

#[test]
fn blocking_client_from_eight_threads() {
    let server = TestServer::start();
    let err = blocking::KuberClient::connect("127.0.0.1", server.port, "admin", "").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let c = blocking::KuberClient::connect("127.0.0.1", server.port, ADMIN.0, ADMIN.1).unwrap();
    std::thread::scope(|s| {
        for t in 0..8 {
            let c = &c;
            s.spawn(move || {
                for i in 0..100 {
                    let key = format!("t{t}:{i}");
                    c.set(&key, "v", None, None).unwrap();
                    assert_eq!(c.incr(format!("count{t}"), None).unwrap(), i + 1);
                }
            });
        }
    });
    assert_eq!(c.dbsize(None).unwrap(), 8 * 100 + 8);
    assert_eq!(c.get("t3:99", None).unwrap(), Some(Bytes::from("v")));
    c.close();
}
