//! The typed commands of SPEC §10 on [`KuberClient`]. Each takes an optional region: `None` acts
//! on the client's current region, `Some(r)` on `r` without changing the current region.

use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;

use crate::client::KuberClient;
use crate::connection::Command;
use crate::error::{Error, Result};
use crate::reply;

/// One `KSEARCH` match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key.
    pub key: Bytes,
    /// Its type as `TYPE` names it (`string`, `hash`, `json`, …).
    pub key_type: String,
    /// Seconds to live, `-1` without expiry.
    pub ttl: i64,
}

/// One page of `SCAN` (cursor `u64`) or of `JSEARCH … CURSOR` (an opaque text cursor).
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T, C = u64> {
    /// The cursor for the next page; `0` (or `"0"`) when the walk is complete.
    pub cursor: C,
    /// This page's items.
    pub items: Vec<T>,
}

/// Optional settings of `RCREATE`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegionOptions {
    /// Free text.
    pub description: Option<String>,
    /// Default TTL in seconds applied to writes that give none.
    pub ttl: Option<u64>,
    /// Most entries kept in memory.
    pub max_entries: Option<u64>,
}

fn cmd(name: &str) -> Command {
    Command::new([name])
}

fn ttl_arg(ttl: Duration) -> Result<String> {
    let ms = ttl.as_millis();
    if ms == 0 {
        return Err(Error::config("ttl must be at least 1 ms"));
    }
    Ok(ms.to_string())
}

impl KuberClient {
    // ---- connection and regions -------------------------------------------------------------

    /// `PING`: the server's `PONG`.
    pub async fn ping(&self) -> Result<String> {
        reply::string(self.call(None, cmd("PING")).await?)
    }

    /// `REGIONS`: the names of all regions.
    pub async fn list_regions(&self) -> Result<Vec<String>> {
        reply::string_list(self.call(None, cmd("REGIONS")).await?)
    }

    /// `RCREATE name [description] [TTL s] [MAXENTRIES n]`.
    pub async fn create_region(&self, name: &str, options: &RegionOptions) -> Result<()> {
        let mut c = cmd("RCREATE").arg(name);
        if let Some(d) = &options.description {
            c = c.arg(d);
        }
        if let Some(t) = options.ttl {
            c = c.arg("TTL").arg(t.to_string());
        }
        if let Some(m) = options.max_entries {
            c = c.arg("MAXENTRIES").arg(m.to_string());
        }
        reply::ok(self.call(None, c).await?)
    }

    /// `RDROP name`: removes the region and its data.
    pub async fn delete_region(&self, name: &str) -> Result<()> {
        reply::ok(self.call(None, cmd("RDROP").arg(name)).await?)
    }

    /// `RPURGE name`: removes every entry, keeps the region.
    pub async fn purge_region(&self, name: &str) -> Result<()> {
        reply::ok(self.call(None, cmd("RPURGE").arg(name)).await?)
    }

    /// `RINFO name` as JSON; `NotFound` when the region does not exist.
    pub async fn region_info(&self, name: &str) -> Result<Value> {
        match reply::opt_string(self.call(None, cmd("RINFO").arg(name)).await?)? {
            Some(text) => reply::parse_json(&text),
            None => Err(Error::new(
                crate::ErrorKind::NotFound,
                format!("region '{name}' does not exist"),
            )),
        }
    }

    // ---- strings ----------------------------------------------------------------------------

    /// `GET key`.
    pub async fn get(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> Result<Option<Bytes>> {
        reply::opt_bytes(self.call(region, cmd("GET").arg(key)).await?)
    }

    /// `SET key value [PX ttl]`.
    pub async fn set(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        ttl: Option<Duration>,
        region: Option<&str>,
    ) -> Result<()> {
        let mut c = cmd("SET").arg(key).arg(value);
        if let Some(ttl) = ttl {
            c = c.arg("PX").arg(ttl_arg(ttl)?);
        }
        reply::ok(self.call(region, c).await?)
    }

    /// `SETNX key value`: whether the key was set (it did not exist).
    pub async fn setnx(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        region: Option<&str>,
    ) -> Result<bool> {
        reply::boolean(self.call(region, cmd("SETNX").arg(key).arg(value)).await?)
    }

    /// `SETEX key seconds value`.
    pub async fn setex(
        &self,
        key: impl AsRef<[u8]>,
        seconds: u64,
        value: impl AsRef<[u8]>,
        region: Option<&str>,
    ) -> Result<()> {
        let c = cmd("SETEX").arg(key).arg(seconds.to_string()).arg(value);
        reply::ok(self.call(region, c).await?)
    }

    /// `MGET key…`: one value per key, `None` for a missing one.
    pub async fn mget(
        &self,
        keys: &[impl AsRef<[u8]>],
        region: Option<&str>,
    ) -> Result<Vec<Option<Bytes>>> {
        let mut c = cmd("MGET");
        for k in keys {
            c = c.arg(k);
        }
        reply::opt_bytes_list(self.call(region, c).await?)
    }

    /// `MSET key value …`.
    pub async fn mset(
        &self,
        pairs: &[(impl AsRef<[u8]>, impl AsRef<[u8]>)],
        region: Option<&str>,
    ) -> Result<()> {
        let mut c = cmd("MSET");
        for (k, v) in pairs {
            c = c.arg(k).arg(v);
        }
        reply::ok(self.call(region, c).await?)
    }

    /// `INCR key`: the new value.
    pub async fn incr(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> Result<i64> {
        reply::int(self.call(region, cmd("INCR").arg(key)).await?)
    }

    /// `INCRBY key by`.
    pub async fn incrby(
        &self,
        key: impl AsRef<[u8]>,
        by: i64,
        region: Option<&str>,
    ) -> Result<i64> {
        reply::int(
            self.call(region, cmd("INCRBY").arg(key).arg(by.to_string()))
                .await?,
        )
    }

    /// `DECR key`.
    pub async fn decr(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> Result<i64> {
        reply::int(self.call(region, cmd("DECR").arg(key)).await?)
    }

    /// `DECRBY key by`.
    pub async fn decrby(
        &self,
        key: impl AsRef<[u8]>,
        by: i64,
        region: Option<&str>,
    ) -> Result<i64> {
        reply::int(
            self.call(region, cmd("DECRBY").arg(key).arg(by.to_string()))
                .await?,
        )
    }

    /// `APPEND key value`: the new length.
    pub async fn append(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        region: Option<&str>,
    ) -> Result<i64> {
        reply::int(self.call(region, cmd("APPEND").arg(key).arg(value)).await?)
    }

    /// `STRLEN key`.
    pub async fn strlen(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> Result<i64> {
        reply::int(self.call(region, cmd("STRLEN").arg(key)).await?)
    }

    // ---- keys -------------------------------------------------------------------------------

    /// `KEYS pattern`.
    pub async fn keys(&self, pattern: &str, region: Option<&str>) -> Result<Vec<Bytes>> {
        reply::bytes_list(self.call(region, cmd("KEYS").arg(pattern)).await?)
    }

    /// `SCAN cursor [MATCH pattern] [COUNT count]`: one page.
    pub async fn scan(
        &self,
        cursor: u64,
        pattern: Option<&str>,
        count: Option<u64>,
        region: Option<&str>,
    ) -> Result<Page<Bytes>> {
        let mut c = cmd("SCAN").arg(cursor.to_string());
        if let Some(p) = pattern {
            c = c.arg("MATCH").arg(p);
        }
        if let Some(n) = count {
            c = c.arg("COUNT").arg(n.to_string());
        }
        let mut parts = reply::array(self.call(region, c).await?)?;
        if parts.len() != 2 {
            return Err(Error::protocol("SCAN reply is not [cursor, keys]"));
        }
        let keys = reply::bytes_list(parts.pop().expect("two parts"))?;
        let cursor = reply::int(parts.pop().expect("two parts"))? as u64;
        Ok(Page {
            cursor,
            items: keys,
        })
    }

    /// `KSEARCH regex [LIMIT n]`: keys matching a regular expression, with type and TTL.
    pub async fn ksearch(
        &self,
        regex: &str,
        limit: Option<u64>,
        region: Option<&str>,
    ) -> Result<Vec<KeyInfo>> {
        let mut c = cmd("KSEARCH").arg(regex);
        if let Some(n) = limit {
            c = c.arg("LIMIT").arg(n.to_string());
        }
        reply::array(self.call(region, c).await?)?
            .into_iter()
            .map(|row| {
                let mut row = reply::array(row)?.into_iter();
                match (row.next(), row.next(), row.next()) {
                    (Some(k), Some(t), Some(ttl)) => Ok(KeyInfo {
                        key: reply::bytes(k)?,
                        key_type: reply::string(t)?,
                        ttl: reply::int(ttl)?,
                    }),
                    _ => Err(Error::protocol("KSEARCH row is not [key, type, ttl]")),
                }
            })
            .collect()
    }

    /// `EXISTS key…`: how many of the keys exist.
    pub async fn exists(&self, keys: &[impl AsRef<[u8]>], region: Option<&str>) -> Result<i64> {
        let mut c = cmd("EXISTS");
        for k in keys {
            c = c.arg(k);
        }
        reply::int(self.call(region, c).await?)
    }

    /// `DEL key…`: how many keys were removed.
    pub async fn delete(&self, keys: &[impl AsRef<[u8]>], region: Option<&str>) -> Result<i64> {
        let mut c = cmd("DEL");
        for k in keys {
            c = c.arg(k);
        }
        reply::int(self.call(region, c).await?)
    }

    /// `TYPE key`: `none` for a missing key.
    pub async fn key_type(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> Result<String> {
        reply::string(self.call(region, cmd("TYPE").arg(key)).await?)
    }

    /// `TTL key`: seconds, `-1` without expiry, `-2` for a missing key.
    pub async fn ttl(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> Result<i64> {
        reply::int(self.call(region, cmd("TTL").arg(key)).await?)
    }

    /// `EXPIRE key seconds`: whether a timeout was set.
    pub async fn expire(
        &self,
        key: impl AsRef<[u8]>,
        seconds: i64,
        region: Option<&str>,
    ) -> Result<bool> {
        reply::boolean(
            self.call(region, cmd("EXPIRE").arg(key).arg(seconds.to_string()))
                .await?,
        )
    }

    /// `PERSIST key`: whether a timeout was removed.
    pub async fn persist(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> Result<bool> {
        reply::boolean(self.call(region, cmd("PERSIST").arg(key)).await?)
    }

    /// `RENAME from to`; `NotFound` when `from` does not exist.
    pub async fn rename(
        &self,
        from: impl AsRef<[u8]>,
        to: impl AsRef<[u8]>,
        region: Option<&str>,
    ) -> Result<()> {
        reply::ok(self.call(region, cmd("RENAME").arg(from).arg(to)).await?)
    }

    // ---- hashes -----------------------------------------------------------------------------

    /// `HGET key field`.
    pub async fn hget(
        &self,
        key: impl AsRef<[u8]>,
        field: impl AsRef<[u8]>,
        region: Option<&str>,
    ) -> Result<Option<Bytes>> {
        reply::opt_bytes(self.call(region, cmd("HGET").arg(key).arg(field)).await?)
    }

    /// `HSET key field value`: whether the field is new.
    pub async fn hset(
        &self,
        key: impl AsRef<[u8]>,
        field: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        region: Option<&str>,
    ) -> Result<bool> {
        reply::boolean(
            self.call(region, cmd("HSET").arg(key).arg(field).arg(value))
                .await?,
        )
    }

    /// `HSET key field value …` with many pairs (the modern `HMSET`).
    pub async fn hmset(
        &self,
        key: impl AsRef<[u8]>,
        pairs: &[(impl AsRef<[u8]>, impl AsRef<[u8]>)],
        region: Option<&str>,
    ) -> Result<()> {
        let mut c = cmd("HSET").arg(key);
        for (f, v) in pairs {
            c = c.arg(f).arg(v);
        }
        reply::int(self.call(region, c).await?).map(|_| ())
    }

    /// `HMGET key field…`.
    pub async fn hmget(
        &self,
        key: impl AsRef<[u8]>,
        fields: &[impl AsRef<[u8]>],
        region: Option<&str>,
    ) -> Result<Vec<Option<Bytes>>> {
        let mut c = cmd("HMGET").arg(key);
        for f in fields {
            c = c.arg(f);
        }
        reply::opt_bytes_list(self.call(region, c).await?)
    }

    /// `HGETALL key`: field/value pairs.
    pub async fn hgetall(
        &self,
        key: impl AsRef<[u8]>,
        region: Option<&str>,
    ) -> Result<Vec<(Bytes, Bytes)>> {
        reply::pairs(self.call(region, cmd("HGETALL").arg(key)).await?)
    }

    /// `HDEL key field…`: how many fields were removed.
    pub async fn hdel(
        &self,
        key: impl AsRef<[u8]>,
        fields: &[impl AsRef<[u8]>],
        region: Option<&str>,
    ) -> Result<i64> {
        let mut c = cmd("HDEL").arg(key);
        for f in fields {
            c = c.arg(f);
        }
        reply::int(self.call(region, c).await?)
    }

    /// `HEXISTS key field`.
    pub async fn hexists(
        &self,
        key: impl AsRef<[u8]>,
        field: impl AsRef<[u8]>,
        region: Option<&str>,
    ) -> Result<bool> {
        reply::boolean(
            self.call(region, cmd("HEXISTS").arg(key).arg(field))
                .await?,
        )
    }

    /// `HKEYS key`.
    pub async fn hkeys(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> Result<Vec<Bytes>> {
        reply::bytes_list(self.call(region, cmd("HKEYS").arg(key)).await?)
    }

    /// `HVALS key`.
    pub async fn hvals(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> Result<Vec<Bytes>> {
        reply::bytes_list(self.call(region, cmd("HVALS").arg(key)).await?)
    }

    /// `HLEN key`.
    pub async fn hlen(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> Result<i64> {
        reply::int(self.call(region, cmd("HLEN").arg(key)).await?)
    }

    // ---- JSON -------------------------------------------------------------------------------

    /// `JSET key json [path] [EX ttl]`.
    pub async fn json_set(
        &self,
        key: impl AsRef<[u8]>,
        value: &Value,
        path: Option<&str>,
        ttl_seconds: Option<u64>,
        region: Option<&str>,
    ) -> Result<()> {
        self.json_set_text(key, &value.to_string(), path, ttl_seconds, region)
            .await
    }

    /// [`json_set`](Self::json_set) with the document as JSON text (checked by the server).
    pub async fn json_set_text(
        &self,
        key: impl AsRef<[u8]>,
        json: &str,
        path: Option<&str>,
        ttl_seconds: Option<u64>,
        region: Option<&str>,
    ) -> Result<()> {
        let mut c = cmd("JSET").arg(key).arg(json);
        match (path, ttl_seconds) {
            (Some(p), _) => c = c.arg(p),
            (None, Some(_)) => c = c.arg("$"),
            (None, None) => {}
        }
        if let Some(t) = ttl_seconds {
            c = c.arg("EX").arg(t.to_string());
        }
        reply::ok(self.call(region, c).await?)
    }

    /// `JGET key [path]`: `None` when the key or path is missing.
    pub async fn json_get(
        &self,
        key: impl AsRef<[u8]>,
        path: Option<&str>,
        region: Option<&str>,
    ) -> Result<Option<Value>> {
        match self.json_get_text(key, path, region).await? {
            Some(text) => reply::parse_json(&text).map(Some),
            None => Ok(None),
        }
    }

    /// [`json_get`](Self::json_get) returning the JSON text.
    pub async fn json_get_text(
        &self,
        key: impl AsRef<[u8]>,
        path: Option<&str>,
        region: Option<&str>,
    ) -> Result<Option<String>> {
        let mut c = cmd("JGET").arg(key);
        if let Some(p) = path {
            c = c.arg(p);
        }
        reply::opt_string(self.call(region, c).await?)
    }

    /// `JUPDATE key json [EX ttl]`: deep merge; the resulting document.
    pub async fn json_update(
        &self,
        key: impl AsRef<[u8]>,
        patch: &Value,
        ttl_seconds: Option<u64>,
        region: Option<&str>,
    ) -> Result<Value> {
        let text = self
            .json_update_text(key, &patch.to_string(), ttl_seconds, region)
            .await?;
        reply::parse_json(&text)
    }

    /// [`json_update`](Self::json_update) with JSON text in and out.
    pub async fn json_update_text(
        &self,
        key: impl AsRef<[u8]>,
        patch: &str,
        ttl_seconds: Option<u64>,
        region: Option<&str>,
    ) -> Result<String> {
        let mut c = cmd("JUPDATE").arg(key).arg(patch);
        if let Some(t) = ttl_seconds {
            c = c.arg("EX").arg(t.to_string());
        }
        reply::string(self.call(region, c).await?)
    }

    /// `JREMOVE key field…`: the document after removing those top-level fields.
    pub async fn json_remove(
        &self,
        key: impl AsRef<[u8]>,
        fields: &[impl AsRef<[u8]>],
        region: Option<&str>,
    ) -> Result<Value> {
        reply::parse_json(&self.json_remove_text(key, fields, region).await?)
    }

    /// [`json_remove`](Self::json_remove) returning JSON text.
    pub async fn json_remove_text(
        &self,
        key: impl AsRef<[u8]>,
        fields: &[impl AsRef<[u8]>],
        region: Option<&str>,
    ) -> Result<String> {
        let mut c = cmd("JREMOVE").arg(key);
        for f in fields {
            c = c.arg(f);
        }
        reply::string(self.call(region, c).await?)
    }

    /// `JDEL key [path]`: whether something was deleted.
    pub async fn json_delete(
        &self,
        key: impl AsRef<[u8]>,
        path: Option<&str>,
        region: Option<&str>,
    ) -> Result<bool> {
        let mut c = cmd("JDEL").arg(key);
        if let Some(p) = path {
            c = c.arg(p);
        }
        reply::boolean(self.call(region, c).await?)
    }

    /// `JSEARCH query [LIMIT n]`: matching documents, ordered by key.
    pub async fn json_search(
        &self,
        query: &str,
        limit: Option<u64>,
        region: Option<&str>,
    ) -> Result<Vec<(String, Value)>> {
        self.json_search_text(query, limit, region)
            .await?
            .into_iter()
            .map(|(k, v)| Ok((k, reply::parse_json(&v)?)))
            .collect()
    }

    /// [`json_search`](Self::json_search) with the documents as JSON text.
    pub async fn json_search_text(
        &self,
        query: &str,
        limit: Option<u64>,
        region: Option<&str>,
    ) -> Result<Vec<(String, String)>> {
        let mut c = cmd("JSEARCH").arg(query);
        if let Some(n) = limit {
            c = c.arg("LIMIT").arg(n.to_string());
        }
        reply::json_text_pairs(self.call(region, c).await?)
    }

    /// `JSEARCH query CURSOR c [LIMIT n]`: one page; start with cursor `"0"`, done when the
    /// returned cursor is `"0"` again. The cursor is opaque text.
    pub async fn json_search_page(
        &self,
        query: &str,
        cursor: &str,
        limit: Option<u64>,
        region: Option<&str>,
    ) -> Result<Page<(String, Value), String>> {
        let mut c = cmd("JSEARCH").arg(query).arg("CURSOR").arg(cursor);
        if let Some(n) = limit {
            c = c.arg("LIMIT").arg(n.to_string());
        }
        let mut parts = reply::array(self.call(region, c).await?)?;
        if parts.len() != 2 {
            return Err(Error::protocol(
                "JSEARCH CURSOR reply is not [cursor, pairs]",
            ));
        }
        let items = reply::json_text_pairs(parts.pop().expect("two parts"))?
            .into_iter()
            .map(|(k, v)| Ok((k, reply::parse_json(&v)?)))
            .collect::<Result<_>>()?;
        let cursor = reply::string(parts.pop().expect("two parts"))?;
        Ok(Page { cursor, items })
    }

    // ---- server -----------------------------------------------------------------------------

    /// `INFO [section]`: the text report.
    pub async fn info(&self, section: Option<&str>) -> Result<String> {
        let mut c = cmd("INFO");
        if let Some(s) = section {
            c = c.arg(s);
        }
        reply::string(self.call(None, c).await?)
    }

    /// `STATUS`: the server's status document.
    pub async fn status(&self) -> Result<Value> {
        reply::parse_json(&reply::string(self.call(None, cmd("STATUS")).await?)?)
    }

    /// `DBSIZE`: keys in the region.
    pub async fn dbsize(&self, region: Option<&str>) -> Result<i64> {
        reply::int(self.call(region, cmd("DBSIZE")).await?)
    }

    /// `FLUSHDB`: removes every key of the region.
    pub async fn flushdb(&self, region: Option<&str>) -> Result<()> {
        reply::ok(self.call(region, cmd("FLUSHDB")).await?)
    }

    /// `ROLE` as JSON (`["master", 0, []]` on a server without replication).
    pub async fn repl_info(&self) -> Result<Value> {
        Ok(reply::frame_to_json(&self.call(None, cmd("ROLE")).await?))
    }
}
