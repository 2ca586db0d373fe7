//! [`ClientConfig`]: where the server is, who we are, pool size and deadlines; validated before
//! any I/O.

use std::time::Duration;

use crate::error::{Error, Result};

/// Settings of a [`KuberClient`](crate::KuberClient) (RESP) or [`KuberRestClient`](crate::KuberRestClient).
#[derive(Clone)]
pub struct ClientConfig {
    /// Server host name or address.
    pub host: String,
    /// RESP port (or HTTP port for the REST client).
    pub port: u16,
    /// User name; must not be empty.
    pub username: String,
    /// Password; must not be empty.
    pub password: String,
    /// Most connections the pool keeps open at once (default 8).
    pub pool_size: usize,
    /// Deadline for opening and authenticating a connection (default 5 s).
    pub connect_timeout: Duration,
    /// Deadline for one command or pipeline, from sending to the last reply (default 30 s).
    pub command_timeout: Duration,
    /// How long a call waits for a free pooled connection before failing with `Timeout`
    /// (default: the command timeout).
    pub pool_timeout: Duration,
    /// Region that calls without an explicit region act on, until `select_region` (default `default`).
    pub region: String,
    /// Use `https` for the REST client (default false).
    pub tls: bool,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        f.debug_struct("ClientConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("pool_size", &self.pool_size)
            .field("connect_timeout", &self.connect_timeout)
            .field("command_timeout", &self.command_timeout)
            .field("pool_timeout", &self.pool_timeout)
            .field("region", &self.region)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// Defaults for `host:port` with these credentials. Nothing is checked until [`validate`](Self::validate).
    pub fn new(
        host: impl Into<String>,
        port: u16,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> ClientConfig {
        ClientConfig {
            host: host.into(),
            port,
            username: username.into(),
            password: password.into(),
            pool_size: 8,
            connect_timeout: Duration::from_secs(5),
            command_timeout: Duration::from_secs(30),
            pool_timeout: Duration::from_secs(30),
            region: "default".to_owned(),
            tls: false,
        }
    }

    /// Sets the connect, command and pool deadlines to `timeout`.
    pub fn with_timeout(mut self, timeout: Duration) -> ClientConfig {
        self.connect_timeout = timeout;
        self.command_timeout = timeout;
        self.pool_timeout = timeout;
        self
    }

    /// Sets the pool size.
    pub fn with_pool_size(mut self, size: usize) -> ClientConfig {
        self.pool_size = size;
        self
    }

    /// Fails with [`ErrorKind::Config`](crate::ErrorKind::Config) when credentials are missing or
    /// a setting cannot work.
    pub fn validate(&self) -> Result<()> {
        if self.username.is_empty() {
            return Err(Error::config("username is required"));
        }
        if self.password.is_empty() {
            return Err(Error::config("password is required"));
        }
        if self.host.is_empty() {
            return Err(Error::config("host is required"));
        }
        if self.port == 0 {
            return Err(Error::config("port must be between 1 and 65535"));
        }
        if self.pool_size == 0 {
            return Err(Error::config("pool_size must be at least 1"));
        }
        for (name, d) in [
            ("connect_timeout", self.connect_timeout),
            ("command_timeout", self.command_timeout),
            ("pool_timeout", self.pool_timeout),
        ] {
            if d.is_zero() {
                return Err(Error::config(format!("{name} must be positive")));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn missing_credentials_are_config_errors() {
        for (user, pass, msg) in [
            ("", "p", "username is required"),
            ("u", "", "password is required"),
        ] {
            let e = ClientConfig::new("h", 1, user, pass)
                .validate()
                .unwrap_err();
            assert_eq!((e.kind(), e.message()), (ErrorKind::Config, msg));
        }
        assert!(ClientConfig::new("h", 1, "u", "p").validate().is_ok());
        let e = ClientConfig::new("h", 1, "u", "p")
            .with_pool_size(0)
            .validate()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
    }

    #[test]
    fn debug_hides_the_password() {
        let text = format!("{:?}", ClientConfig::new("h", 1, "u", "hunter2"));
        assert!(!text.contains("hunter2"), "{text}");
    }
}
