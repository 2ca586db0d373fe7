//! Dispatcher tests for scripting.

use crate::auth::Role;
use crate::cmd::testing::server;

#[tokio::test]
async fn eval_returns_values() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("EVAL \"return 1\" 0").await, ":1\r\n");
}
