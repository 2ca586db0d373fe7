//! [`KuberRestClient`]: the REST API of SPEC §6 over `reqwest` (rustls with the ring provider),
//! HTTP Basic auth, JSON bodies, and `{"error":{"code","message"}}` bodies mapped to [`ErrorKind`].
//!
//! Region and key are path segments, percent-encoded so that a key holding `/`, `?`, `%` or spaces
//! reaches the server as one segment. Methods taking `region: Option<&str>` use `default` for `None`.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::ClientConfig;
use crate::error::{Error, ErrorKind, Result};

/// Everything but RFC 3986 unreserved characters is encoded in a path segment or query value.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One entry of `GET /cache/{region}/{key}`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RestEntry {
    /// The key.
    pub key: String,
    /// The value: a string for strings, JSON for documents, an object for hashes.
    pub value: Value,
    /// The type, as `TYPE` names it.
    #[serde(rename = "type", default)]
    pub key_type: String,
    /// Seconds to live, `-1` without expiry.
    #[serde(default = "no_ttl")]
    pub ttl: i64,
}

fn no_ttl() -> i64 {
    -1
}

/// The async REST client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct KuberRestClient {
    http: reqwest::Client,
    base: String,
    username: String,
    password: String,
}

fn region_or_default(region: Option<&str>) -> &str {
    region.unwrap_or("default")
}

/// Percent-encodes one path segment.
pub(crate) fn segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

impl KuberRestClient {
    /// A client for `http://host:port/api/v1`. Fails with `Config` before any I/O when a
    /// credential is missing; connects on first call.
    pub fn new(
        host: impl Into<String>,
        port: u16,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Result<KuberRestClient> {
        KuberRestClient::with_config(ClientConfig::new(host, port, username, password))
    }

    /// A client with explicit settings (`tls` for https, `command_timeout` per request).
    pub fn with_config(config: ClientConfig) -> Result<KuberRestClient> {
        config.validate()?;
        // One crypto provider for the workspace: ring. Installing twice is harmless (Err ignored).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.command_timeout)
            .build()
            .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?;
        let scheme = if config.tls { "https" } else { "http" };
        let host = if config.host.contains(':') {
            format!("[{}]", config.host)
        } else {
            config.host.clone()
        };
        Ok(KuberRestClient {
            http,
            base: format!("{scheme}://{host}:{}/api/v1", config.port),
            username: config.username,
            password: config.password,
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:8080/api/v1`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `base/seg1/seg2…?k=v…` with every segment and query value percent-encoded.
    pub(crate) fn url(&self, segments: &[&str], query: &[(&str, Option<&str>)]) -> String {
        let mut url = self.base.clone();
        for s in segments {
            url.push('/');
            url.push_str(&segment(s));
        }
        let mut sep = '?';
        for (k, v) in query {
            if let Some(v) = v {
                url.push(sep);
                url.push_str(k);
                url.push('=');
                url.push_str(&segment(v));
                sep = '&';
            }
        }
        url
    }

    async fn send(
        &self,
        method: Method,
        url: String,
        body: Option<Value>,
    ) -> Result<(u16, Vec<u8>)> {
        let mut req = self
            .http
            .request(method, &url)
            .basic_auth(&self.username, Some(&self.password));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(transport)?;
        Ok((status, bytes.to_vec()))
    }

    /// Sends and returns the JSON body of a 2xx reply (`null` for an empty one).
    async fn call(&self, method: Method, url: String, body: Option<Value>) -> Result<Value> {
        let (status, bytes) = self.send(method, url, body).await?;
        if !(200..300).contains(&status) {
            return Err(Error::from_http(status, &bytes));
        }
        parse_body(&bytes)
    }

    /// Like `call`, but a 404 is `None`.
    async fn call_opt(&self, url: String) -> Result<Option<Value>> {
        match self.call(Method::GET, url, None).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    // ---- server -------------------------------------------------------------------------

    /// `GET /ping` (no authentication needed).
    pub async fn ping(&self) -> Result<Value> {
        self.call(Method::GET, self.url(&["ping"], &[]), None).await
    }

    /// `GET /info`.
    pub async fn info(&self) -> Result<Value> {
        self.call(Method::GET, self.url(&["info"], &[]), None).await
    }

    /// `GET /status`.
    pub async fn status(&self) -> Result<Value> {
        self.call(Method::GET, self.url(&["status"], &[]), None)
            .await
    }

    /// `GET /stats`.
    pub async fn stats(&self) -> Result<Value> {
        self.call(Method::GET, self.url(&["stats"], &[]), None)
            .await
    }

    // ---- regions ------------------------------------------------------------------------

    /// `GET /regions`: all regions as objects (as in `RINFO`).
    pub async fn list_regions(&self) -> Result<Value> {
        self.call(Method::GET, self.url(&["regions"], &[]), None)
            .await
    }

    /// `GET /regions/{name}`.
    pub async fn region_info(&self, name: &str) -> Result<Value> {
        self.call(Method::GET, self.url(&["regions", name], &[]), None)
            .await
    }

    /// `POST /regions`.
    pub async fn create_region(&self, name: &str, options: &crate::RegionOptions) -> Result<Value> {
        let mut body = json!({ "name": name });
        if let Some(d) = &options.description {
            body["description"] = json!(d);
        }
        if let Some(t) = options.ttl {
            body["defaultTtl"] = json!(t);
        }
        if let Some(m) = options.max_entries {
            body["maxEntries"] = json!(m);
        }
        self.call(Method::POST, self.url(&["regions"], &[]), Some(body))
            .await
    }

    /// `DELETE /regions/{name}`.
    pub async fn delete_region(&self, name: &str) -> Result<Value> {
        self.call(Method::DELETE, self.url(&["regions", name], &[]), None)
            .await
    }

    /// `POST /regions/{name}/purge`.
    pub async fn purge_region(&self, name: &str) -> Result<Value> {
        self.call(
            Method::POST,
            self.url(&["regions", name, "purge"], &[]),
            None,
        )
        .await
    }

    // ---- cache entries ------------------------------------------------------------------

    /// `GET /cache/{region}/{key}`: `None` on 404.
    pub async fn get(&self, key: &str, region: Option<&str>) -> Result<Option<RestEntry>> {
        let url = self.url(&["cache", region_or_default(region), key], &[]);
        match self.call_opt(url).await? {
            None => Ok(None),
            Some(v) => serde_json::from_value(v)
                .map(Some)
                .map_err(|e| Error::protocol(format!("unexpected entry body: {e}"))),
        }
    }

    /// `PUT /cache/{region}/{key}` with `{"value", "ttl"?}`.
    pub async fn set(
        &self,
        key: &str,
        value: &str,
        ttl_seconds: Option<u64>,
        region: Option<&str>,
    ) -> Result<Value> {
        let mut body = json!({ "value": value });
        if let Some(t) = ttl_seconds {
            body["ttl"] = json!(t);
        }
        let url = self.url(&["cache", region_or_default(region), key], &[]);
        self.call(Method::PUT, url, Some(body)).await
    }

    /// `DELETE /cache/{region}/{key}`: whether the key existed (`deleted`).
    pub async fn delete(&self, key: &str, region: Option<&str>) -> Result<bool> {
        let url = self.url(&["cache", region_or_default(region), key], &[]);
        let v = self.call(Method::DELETE, url, None).await?;
        Ok(v.get("deleted").and_then(Value::as_bool).unwrap_or(false))
    }

    /// `GET /cache/{region}/keys?pattern=&cursor=&count=`: one page as the server sends it.
    pub async fn keys(
        &self,
        pattern: Option<&str>,
        cursor: Option<&str>,
        count: Option<u64>,
        region: Option<&str>,
    ) -> Result<Value> {
        let count = count.map(|c| c.to_string());
        let url = self.url(
            &["cache", region_or_default(region), "keys"],
            &[
                ("pattern", pattern),
                ("cursor", cursor),
                ("count", count.as_deref()),
            ],
        );
        self.call(Method::GET, url, None).await
    }

    /// `POST /cache/{region}/mget`: one value per key, `null` for a missing one.
    pub async fn mget(&self, keys: &[&str], region: Option<&str>) -> Result<Vec<Value>> {
        let url = self.url(&["cache", region_or_default(region), "mget"], &[]);
        let v = self
            .call(Method::POST, url, Some(json!({ "keys": keys })))
            .await?;
        match v.get("values") {
            Some(Value::Array(values)) => Ok(values.clone()),
            _ => Err(Error::protocol("mget reply has no values array")),
        }
    }

    /// `POST /cache/{region}/mset` with `{"entries":{k:v}, "ttl"?}`.
    pub async fn mset(
        &self,
        entries: &[(&str, &str)],
        ttl_seconds: Option<u64>,
        region: Option<&str>,
    ) -> Result<Value> {
        let map: serde_json::Map<String, Value> = entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        let mut body = json!({ "entries": map });
        if let Some(t) = ttl_seconds {
            body["ttl"] = json!(t);
        }
        let url = self.url(&["cache", region_or_default(region), "mset"], &[]);
        self.call(Method::POST, url, Some(body)).await
    }

    /// `GET /cache/{region}/{key}/ttl`.
    pub async fn ttl(&self, key: &str, region: Option<&str>) -> Result<Value> {
        let url = self.url(&["cache", region_or_default(region), key, "ttl"], &[]);
        self.call(Method::GET, url, None).await
    }

    /// `POST /cache/{region}/{key}/expire` with `{"seconds"}`.
    pub async fn expire(&self, key: &str, seconds: i64, region: Option<&str>) -> Result<Value> {
        let url = self.url(&["cache", region_or_default(region), key, "expire"], &[]);
        self.call(Method::POST, url, Some(json!({ "seconds": seconds })))
            .await
    }

    /// `DELETE /cache/{region}/{key}/expire` (persist).
    pub async fn persist(&self, key: &str, region: Option<&str>) -> Result<Value> {
        let url = self.url(&["cache", region_or_default(region), key, "expire"], &[]);
        self.call(Method::DELETE, url, None).await
    }

    // ---- hashes -------------------------------------------------------------------------

    /// `GET /cache/{region}/{key}/hash`: all fields.
    pub async fn hgetall(&self, key: &str, region: Option<&str>) -> Result<Value> {
        let url = self.url(&["cache", region_or_default(region), key, "hash"], &[]);
        self.call(Method::GET, url, None).await
    }

    /// `GET /cache/{region}/{key}/hash/{field}`: `None` on 404.
    pub async fn hget(
        &self,
        key: &str,
        field: &str,
        region: Option<&str>,
    ) -> Result<Option<Value>> {
        self.call_opt(self.url(
            &["cache", region_or_default(region), key, "hash", field],
            &[],
        ))
        .await
    }

    /// `PUT /cache/{region}/{key}/hash/{field}` with `{"value"}`.
    pub async fn hset(
        &self,
        key: &str,
        field: &str,
        value: &str,
        region: Option<&str>,
    ) -> Result<Value> {
        let url = self.url(
            &["cache", region_or_default(region), key, "hash", field],
            &[],
        );
        self.call(Method::PUT, url, Some(json!({ "value": value })))
            .await
    }

    /// `DELETE /cache/{region}/{key}/hash/{field}`.
    pub async fn hdel(&self, key: &str, field: &str, region: Option<&str>) -> Result<Value> {
        let url = self.url(
            &["cache", region_or_default(region), key, "hash", field],
            &[],
        );
        self.call(Method::DELETE, url, None).await
    }

    // ---- JSON ---------------------------------------------------------------------------

    /// `GET /json/{region}/{key}?path=`: the document (or value at `path`); `None` on 404.
    pub async fn json_get(
        &self,
        key: &str,
        path: Option<&str>,
        region: Option<&str>,
    ) -> Result<Option<Value>> {
        self.call_opt(self.url(&["json", region_or_default(region), key], &[("path", path)]))
            .await
    }

    /// `PUT /json/{region}/{key}` with `{"value", "ttl"?}`.
    pub async fn json_set(
        &self,
        key: &str,
        value: &Value,
        ttl_seconds: Option<u64>,
        region: Option<&str>,
    ) -> Result<Value> {
        let mut body = json!({ "value": value });
        if let Some(t) = ttl_seconds {
            body["ttl"] = json!(t);
        }
        let url = self.url(&["json", region_or_default(region), key], &[]);
        self.call(Method::PUT, url, Some(body)).await
    }

    /// `PATCH /json/{region}/{key}`: deep merge (JUPDATE); the server's reply.
    pub async fn json_update(
        &self,
        key: &str,
        patch: &Value,
        region: Option<&str>,
    ) -> Result<Value> {
        let url = self.url(&["json", region_or_default(region), key], &[]);
        self.call(Method::PATCH, url, Some(patch.clone())).await
    }

    /// `DELETE /json/{region}/{key}?path=`.
    pub async fn json_delete(
        &self,
        key: &str,
        path: Option<&str>,
        region: Option<&str>,
    ) -> Result<Value> {
        let url = self.url(&["json", region_or_default(region), key], &[("path", path)]);
        self.call(Method::DELETE, url, None).await
    }

    /// `POST /json/{region}/search` with `{"query", "limit"?, "cursor"?}`:
    /// `{"results":[{"key","value"}], "cursor"}`.
    pub async fn json_search(
        &self,
        query: &str,
        limit: Option<u64>,
        cursor: Option<&str>,
        region: Option<&str>,
    ) -> Result<Value> {
        let mut body = json!({ "query": query });
        if let Some(l) = limit {
            body["limit"] = json!(l);
        }
        if let Some(c) = cursor {
            body["cursor"] = json!(c);
        }
        let url = self.url(&["json", region_or_default(region), "search"], &[]);
        self.call(Method::POST, url, Some(body)).await
    }

    // ---- bulk ---------------------------------------------------------------------------

    /// `POST /cache/{region}/import` with `{"entries":[{"key","value","ttl"?}]}`.
    pub async fn bulk_import(&self, entries: &[Value], region: Option<&str>) -> Result<Value> {
        let url = self.url(&["cache", region_or_default(region), "import"], &[]);
        self.call(Method::POST, url, Some(json!({ "entries": entries })))
            .await
    }

    /// `GET /cache/{region}/export?pattern=`: the NDJSON stream, one object per entry.
    pub async fn bulk_export(
        &self,
        pattern: Option<&str>,
        region: Option<&str>,
    ) -> Result<Vec<Value>> {
        let url = self.url(
            &["cache", region_or_default(region), "export"],
            &[("pattern", pattern)],
        );
        let (status, bytes) = self.send(Method::GET, url, None).await?;
        if !(200..300).contains(&status) {
            return Err(Error::from_http(status, &bytes));
        }
        parse_ndjson(&bytes)
    }
}

fn transport(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::timeout(format!("HTTP request timed out: {e}"))
    } else {
        Error::new(ErrorKind::Connection, format!("HTTP request failed: {e}"))
    }
}

fn parse_body(bytes: &[u8]) -> Result<Value> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(bytes).map_err(|e| Error::protocol(format!("reply is not JSON: {e}")))
}

fn parse_ndjson(bytes: &[u8]) -> Result<Vec<Value>> {
    bytes
        .split(|b| *b == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .map(|line| {
            serde_json::from_slice(line)
                .map_err(|e| Error::protocol(format!("bad NDJSON line: {e}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> KuberRestClient {
        KuberRestClient::new("127.0.0.1", 8080, "admin", "secret").unwrap()
    }

    #[test]
    fn missing_credentials_fail_without_io() {
        let e = KuberRestClient::new("127.0.0.1", 8080, "", "x").unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (ErrorKind::Config, "username is required")
        );
        let e = KuberRestClient::new("127.0.0.1", 8080, "u", "").unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (ErrorKind::Config, "password is required")
        );
    }

    #[test]
    fn urls_encode_keys_with_slashes_and_reserved_characters() {
        let c = client();
        assert_eq!(c.base_url(), "http://127.0.0.1:8080/api/v1");
        assert_eq!(
            c.url(&["cache", "default", "a/b"], &[]),
            "http://127.0.0.1:8080/api/v1/cache/default/a%2Fb"
        );
        assert_eq!(
            c.url(&["cache", "r", "sp ace?#%é"], &[]),
            "http://127.0.0.1:8080/api/v1/cache/r/sp%20ace%3F%23%25%C3%A9"
        );
        assert_eq!(
            c.url(&["cache", "r", "k-._~1"], &[]),
            "http://127.0.0.1:8080/api/v1/cache/r/k-._~1"
        );
        assert_eq!(
            c.url(
                &["json", "r", "k"],
                &[("path", Some("$.a[0]")), ("x", None)]
            ),
            "http://127.0.0.1:8080/api/v1/json/r/k?path=%24.a%5B0%5D"
        );
        assert_eq!(
            c.url(
                &["cache", "r", "keys"],
                &[
                    ("pattern", Some("user:*")),
                    ("cursor", Some("0")),
                    ("count", None)
                ]
            ),
            "http://127.0.0.1:8080/api/v1/cache/r/keys?pattern=user%3A%2A&cursor=0"
        );
        let v6 = KuberRestClient::new("::1", 80, "u", "p").unwrap();
        assert_eq!(v6.base_url(), "http://[::1]:80/api/v1");
        let mut cfg = ClientConfig::new("h", 443, "u", "p");
        cfg.tls = true;
        assert_eq!(
            KuberRestClient::with_config(cfg).unwrap().base_url(),
            "https://h:443/api/v1"
        );
    }

    #[test]
    fn bodies_and_ndjson() {
        assert_eq!(parse_body(b"").unwrap(), Value::Null);
        assert_eq!(parse_body(br#"{"a":1}"#).unwrap(), json!({"a": 1}));
        assert_eq!(
            parse_body(b"<html>").unwrap_err().kind(),
            ErrorKind::Protocol
        );
        let rows = parse_ndjson(b"{\"key\":\"a\"}\n\n{\"key\":\"b\"}\n").unwrap();
        assert_eq!(rows, vec![json!({"key": "a"}), json!({"key": "b"})]);
        let entry: RestEntry =
            serde_json::from_value(json!({"key": "k", "value": "v", "type": "string", "ttl": 5}))
                .unwrap();
        assert_eq!(
            entry,
            RestEntry {
                key: "k".into(),
                value: json!("v"),
                key_type: "string".into(),
                ttl: 5
            }
        );
    }

    #[tokio::test]
    async fn error_bodies_from_a_server_become_kinds() {
        // A one-shot HTTP responder on loopback, standing in for any server that answers with
        // SPEC §6's error body: checks the mapping end to end through reqwest.
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 4096];
            let n = sock.read(&mut buf).await.unwrap();
            let request = String::from_utf8_lossy(&buf[..n]).into_owned();
            let body = r#"{"error":{"code":"NOT_FOUND","message":"region 'x' does not exist"}}"#;
            let reply = format!(
                "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            sock.write_all(reply.as_bytes()).await.unwrap();
            request
        });
        let c = KuberRestClient::new("127.0.0.1", port, "admin", "secret").unwrap();
        let err = c.region_info("x").await.unwrap_err();
        assert_eq!(
            (err.kind(), err.code()),
            (ErrorKind::NotFound, Some("NOT_FOUND"))
        );
        assert_eq!(err.message(), "HTTP 404: region 'x' does not exist");
        let request = server.await.unwrap();
        assert!(
            request.starts_with("GET /api/v1/regions/x HTTP/1.1\r\n"),
            "{request}"
        );
        // admin:secret in Basic auth.
        assert!(
            request
                .to_ascii_lowercase()
                .contains("authorization: basic ywrtaw46c2vjcmv0"),
            "{request}"
        );
    }

    #[tokio::test]
    async fn unreachable_is_connection() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = KuberRestClient::new("127.0.0.1", port, "a", "b").unwrap();
        assert_eq!(c.ping().await.unwrap_err().kind(), ErrorKind::Connection);
    }
}
