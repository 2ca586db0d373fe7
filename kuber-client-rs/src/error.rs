//! The one error type of the client, [`Error`], and its [`ErrorKind`]: what every binding maps to
//! one exception class.

use std::fmt;

/// What went wrong, coarsely enough that a caller (or a binding's exception class) can act on it.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The server could not be reached, or the connection broke.
    Connection,
    /// Wrong credentials (`WRONGPASS`), no authentication (`NOAUTH`), HTTP 401.
    Auth,
    /// The user's role does not allow the command (`NOPERM`), HTTP 403.
    Permission,
    /// The key holds another type (`WRONGTYPE`).
    WrongType,
    /// A key, region or path that must exist does not (`ERR no such key`, missing region), HTTP 404.
    NotFound,
    /// Any other error reply from the server.
    Server,
    /// The peer sent something that is not RESP (or not the JSON the API promises).
    Protocol,
    /// A connect, command or pool-acquire deadline passed.
    Timeout,
    /// The client was configured wrongly: missing credentials, bad host or option. Raised before any I/O.
    Config,
}

impl ErrorKind {
    /// The name of the kind, as the bindings print it (`"Connection"`, `"WrongType"`, …).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Connection => "Connection",
            ErrorKind::Auth => "Auth",
            ErrorKind::Permission => "Permission",
            ErrorKind::WrongType => "WrongType",
            ErrorKind::NotFound => "NotFound",
            ErrorKind::Server => "Server",
            ErrorKind::Protocol => "Protocol",
            ErrorKind::Timeout => "Timeout",
            ErrorKind::Config => "Config",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A failed client call: a kind, a message and, for server replies, the server's error code
/// (`ERR`, `WRONGTYPE`, `JSONERR`, … for RESP; `NOT_FOUND`, … for REST).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct Error {
    kind: ErrorKind,
    code: Option<String>,
    message: String,
}

/// `Result` with the client's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` with `message` and no server code.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            code: None,
            message: message.into(),
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The server's error code, when the server sent the error.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The message; for a RESP error reply, the full reply text including its code.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Maps a RESP error reply (`WRONGTYPE Operation against …`, without the leading `-`).
    pub fn from_reply(text: &[u8]) -> Error {
        let text = String::from_utf8_lossy(text).into_owned();
        let code = text.split(' ').next().unwrap_or("").to_owned();
        let kind = match code.as_str() {
            "NOAUTH" | "WRONGPASS" => ErrorKind::Auth,
            "NOPERM" => ErrorKind::Permission,
            "WRONGTYPE" => ErrorKind::WrongType,
            // Kuber has no dedicated code for these; the texts are its own (`cmd/reply.rs`).
            "ERR" if text == "ERR no such key" || text.ends_with("does not exist") => {
                ErrorKind::NotFound
            }
            _ => ErrorKind::Server,
        };
        Error {
            kind,
            code: Some(code),
            message: text,
        }
    }

    /// Maps a REST failure: the HTTP status and the `{"error":{"code","message"}}` body (SPEC §6).
    /// A body that is not that shape keeps the status as the code and the raw text as the message.
    pub fn from_http(status: u16, body: &[u8]) -> Error {
        #[derive(serde::Deserialize)]
        struct Body {
            error: Inner,
        }
        #[derive(serde::Deserialize)]
        struct Inner {
            code: String,
            message: String,
        }
        let (code, message) = match serde_json::from_slice::<Body>(body) {
            Ok(b) => (b.error.code, b.error.message),
            Err(_) => (
                status.to_string(),
                String::from_utf8_lossy(body).trim().to_owned(),
            ),
        };
        let kind = match (status, code.as_str()) {
            (401, _) => ErrorKind::Auth,
            (403, _) => ErrorKind::Permission,
            (404, _) => ErrorKind::NotFound,
            (_, "WRONGTYPE" | "WRONG_TYPE") => ErrorKind::WrongType,
            (503, _) => ErrorKind::Connection,
            _ => ErrorKind::Server,
        };
        Error {
            kind,
            code: Some(code),
            message: format!("HTTP {status}: {message}"),
        }
    }

    pub(crate) fn protocol(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Protocol, message)
    }

    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Config, message)
    }

    pub(crate) fn io(context: &str, err: std::io::Error) -> Error {
        Error::new(ErrorKind::Connection, format!("{context}: {err}"))
    }

    pub(crate) fn timeout(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Timeout, message)
    }

    /// Whether the connection that produced this error can no longer be trusted to be in step.
    pub(crate) fn breaks_connection(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Connection | ErrorKind::Protocol | ErrorKind::Timeout
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_codes_map_to_kinds() {
        let cases: [(&str, ErrorKind, &str); 8] = [
            ("NOAUTH Authentication required.", ErrorKind::Auth, "NOAUTH"),
            (
                "WRONGPASS invalid username-password pair or user is disabled.",
                ErrorKind::Auth,
                "WRONGPASS",
            ),
            (
                "NOPERM this user has no permissions",
                ErrorKind::Permission,
                "NOPERM",
            ),
            (
                "WRONGTYPE Operation against a key holding the wrong kind of value",
                ErrorKind::WrongType,
                "WRONGTYPE",
            ),
            ("ERR no such key", ErrorKind::NotFound, "ERR"),
            ("ERR region 'x' does not exist", ErrorKind::NotFound, "ERR"),
            ("ERR syntax error", ErrorKind::Server, "ERR"),
            ("JSONERR invalid JSON", ErrorKind::Server, "JSONERR"),
        ];
        for (text, kind, code) in cases {
            let e = Error::from_reply(text.as_bytes());
            assert_eq!((e.kind(), e.code(), e.message()), (kind, Some(code), text));
        }
    }

    #[test]
    fn http_bodies_map_to_kinds() {
        let e = Error::from_http(
            404,
            br#"{"error":{"code":"NOT_FOUND","message":"no key 'a'"}}"#,
        );
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.code(), Some("NOT_FOUND"));
        assert_eq!(e.message(), "HTTP 404: no key 'a'");
        let e = Error::from_http(401, b"");
        assert_eq!((e.kind(), e.code()), (ErrorKind::Auth, Some("401")));
        let e = Error::from_http(403, br#"{"error":{"code":"FORBIDDEN","message":"m"}}"#);
        assert_eq!(e.kind(), ErrorKind::Permission);
        let e = Error::from_http(400, br#"{"error":{"code":"WRONGTYPE","message":"m"}}"#);
        assert_eq!(e.kind(), ErrorKind::WrongType);
        let e = Error::from_http(409, br#"{"error":{"code":"CONFLICT","message":"exists"}}"#);
        assert_eq!((e.kind(), e.code()), (ErrorKind::Server, Some("CONFLICT")));
        let e = Error::from_http(503, b"not json");
        assert_eq!(e.kind(), ErrorKind::Connection);
        assert_eq!(e.message(), "HTTP 503: not json");
        assert_eq!(e.to_string(), "Connection: HTTP 503: not json");
    }
}
