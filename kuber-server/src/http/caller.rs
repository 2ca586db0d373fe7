//! Who is calling: HTTP Basic auth (or a console session cookie) checked against the same users and
//! roles as RESP `AUTH`, and the bridge that runs a request's commands through the one dispatcher.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, header};
use base64::Engine;
use bytes::Bytes;
use kuber_protocol::Frame;

use super::console::SESSION_COOKIE;
use super::error::ApiError;
use crate::auth::{Identity, Role};
use crate::session::{ClientHandle, Session};
use crate::state::ServerState;
use crate::store::Region;

/// An authenticated request.
pub struct Caller {
    /// The user and role.
    pub identity: Identity,
    /// Remote address.
    pub peer: SocketAddr,
    /// The request's client handle, shared by every command it runs (not listed by CLIENT LIST).
    handle: Arc<ClientHandle>,
}

fn peer_of(parts: &Parts) -> SocketAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0), |c| c.0)
}

impl FromRequestParts<Arc<ServerState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<ServerState>,
    ) -> Result<Self, Self::Rejection> {
        let peer = peer_of(parts);
        if let Some(header) = parts.headers.get(header::AUTHORIZATION) {
            let (user, password) = basic_credentials(header.as_bytes())
                .ok_or_else(|| ApiError::unauthorized("malformed Basic authorization header"))?;
            let identity = state
                .auth
                .authenticate(&user, password.as_bytes(), peer.ip())
                .await
                .ok_or_else(|| {
                    ApiError::unauthorized("invalid username-password pair or user is disabled")
                })?;
            let handle = state.clients.detached(peer, peer, state.store.now());
            return Ok(Caller {
                identity,
                peer,
                handle,
            });
        }
        if let Some(token) = cookie(parts, SESSION_COOKIE) {
            let session = state
                .console_sessions
                .get(&token)
                .ok_or_else(|| ApiError::unauthorized("console session expired; log in again"))?;
            // Cookies ride along on cross-site requests; a state-changing request must also
            // carry the session's CSRF token, which another site cannot read.
            let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            let csrf_ok = parts
                .headers
                .get("x-csrf-token")
                .is_some_and(|v| v.as_bytes() == session.csrf.as_bytes());
            if !safe && !csrf_ok {
                return Err(ApiError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "FORBIDDEN",
                    "missing or wrong X-CSRF-Token header",
                ));
            }
            return Ok(Caller {
                identity: session.identity,
                peer,
                handle: state.clients.detached(peer, peer, state.store.now()),
            });
        }
        Err(ApiError::unauthorized("authentication required"))
    }
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Decodes `Basic base64(user:password)`.
fn basic_credentials(header: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(header).ok()?;
    let (scheme, encoded) = text.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

impl Caller {
    /// True when the caller may write.
    pub fn can_write(&self) -> bool {
        self.identity.role != Role::Reader
    }

    /// Runs one command in `region` through the dispatcher, as a RESP client with this identity
    /// would; an error reply becomes an [`ApiError`].
    pub async fn run(
        &self,
        state: &ServerState,
        region: &Arc<Region>,
        args: Vec<Bytes>,
    ) -> Result<Frame, ApiError> {
        let mut session = Session::new(self.handle.clone(), region.clone());
        session.set_identity(Some(self.identity.clone()));
        let reply = crate::cmd::execute(state, &mut session, &args).await;
        // Counted like a RESP command (INFO total_commands_processed, the console's ops/s).
        state.count_commands(1);
        match reply {
            Frame::Error(e) => Err(ApiError::from_resp(&e)),
            reply => Ok(reply),
        }
    }
}

/// Builds a command from text and byte arguments.
#[macro_export]
macro_rules! args {
    ($($arg:expr),* $(,)?) => {
        vec![$(::bytes::Bytes::copy_from_slice(AsRef::<[u8]>::as_ref(&$arg))),*]
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_decode() {
        assert_eq!(
            basic_credentials(b"Basic YWRtaW46czNjcjp0"),
            Some(("admin".into(), "s3cr:t".into())),
            "the password may hold colons"
        );
        assert_eq!(basic_credentials(b"Bearer abc"), None);
        assert_eq!(basic_credentials(b"Basic !!!"), None);
        assert_eq!(basic_credentials(b"Basic YWRtaW4="), None, "no colon");
    }
}
