//! `kuber._kuber.RedisClient` (exported as `kuber.KuberRedisClient`) and its `Pipeline`.

use std::time::Duration;

use kuber_client::blocking::KuberClient;
use kuber_client::{ClientConfig, RegionOptions};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::{IntoPy, arg, args, dumps, frame, json_value, loads, out, pairs, tuple_args};

/// A Kuber RESP client: pooled connections shared by every thread using it.
///
/// ``KuberRedisClient(host, port, username='admin', password='secret')``. Missing credentials
/// raise ``ValueError`` (``KuberConfigError``) before any connection is made; wrong ones raise
/// ``KuberAuthError``. Every method takes an optional ``region``: without it the call acts on
/// the client's current region (``select_region``), with it on that region only.
#[pyclass(module = "kuber._kuber", name = "KuberRedisClient")]
pub(crate) struct RedisClient {
    c: KuberClient,
    decode: bool,
}

fn opt_out<'py>(
    py: Python<'py>,
    v: Option<bytes::Bytes>,
    decode: bool,
) -> PyResult<Bound<'py, PyAny>> {
    match v {
        Some(b) => out(py, &b, decode),
        None => Ok(py.None().into_bound(py)),
    }
}

fn list_out<'py>(
    py: Python<'py>,
    items: impl IntoIterator<Item = Option<bytes::Bytes>>,
    decode: bool,
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for item in items {
        list.append(opt_out(py, item, decode)?)?;
    }
    Ok(list)
}

fn ttl_duration(ttl: Option<f64>) -> PyResult<Option<Duration>> {
    ttl.map(|s| {
        Duration::try_from_secs_f64(s).map_err(|_| {
            pyo3::exceptions::PyValueError::new_err("ttl must be a positive number of seconds")
        })
    })
    .transpose()
}

#[pymethods]
impl RedisClient {
    #[new]
    #[pyo3(signature = (host="127.0.0.1".to_owned(), port=6380, username=None, password=None, *, timeout=None, pool_size=8, region=None, decode_responses=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        host: String,
        port: u16,
        username: Option<String>,
        password: Option<String>,
        timeout: Option<f64>,
        pool_size: usize,
        region: Option<String>,
        decode_responses: bool,
    ) -> PyResult<Self> {
        let mut config = ClientConfig::new(
            host,
            port,
            username.unwrap_or_default(),
            password.unwrap_or_default(),
        )
        .with_pool_size(pool_size);
        if let Some(t) = timeout {
            let t = Duration::try_from_secs_f64(t).map_err(|_| {
                pyo3::exceptions::PyValueError::new_err(
                    "timeout must be a positive number of seconds",
                )
            })?;
            config = config.with_timeout(t);
        }
        if let Some(r) = region {
            config.region = r;
        }
        config.validate().py()?;
        let c = py.detach(|| KuberClient::with_config(config)).py()?;
        Ok(RedisClient {
            c,
            decode: decode_responses,
        })
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, PyTuple>) -> bool {
        self.c.close();
        false
    }

    fn __repr__(&self) -> String {
        let cfg = self.c.as_async().config();
        format!(
            "KuberRedisClient(host={:?}, port={}, username={:?})",
            cfg.host, cfg.port, cfg.username
        )
    }

    /// Closes the pool; later calls raise ``KuberConnectionError``.
    fn close(&self) {
        self.c.close();
    }

    /// The region calls without ``region=`` act on.
    #[getter]
    fn current_region(&self) -> String {
        self.c.current_region()
    }

    /// ``PING``: returns ``"PONG"``.
    fn ping(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| self.c.ping()).py()
    }

    /// Makes ``name`` the current region (``RSELECT``; created if missing and allowed).
    fn select_region(&self, py: Python<'_>, name: String) -> PyResult<()> {
        py.detach(|| self.c.select_region(&name)).py()
    }

    /// ``REGIONS``: all region names.
    fn list_regions(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        py.detach(|| self.c.list_regions()).py()
    }

    /// ``RCREATE name [description] [TTL ttl] [MAXENTRIES max_entries]``.
    #[pyo3(signature = (name, description=None, ttl=None, max_entries=None))]
    fn create_region(
        &self,
        py: Python<'_>,
        name: String,
        description: Option<String>,
        ttl: Option<u64>,
        max_entries: Option<u64>,
    ) -> PyResult<()> {
        let opts = RegionOptions {
            description,
            ttl,
            max_entries,
        };
        py.detach(|| self.c.create_region(&name, &opts)).py()
    }

    /// ``RDROP name``: removes the region and all its data.
    fn delete_region(&self, py: Python<'_>, name: String) -> PyResult<()> {
        py.detach(|| self.c.delete_region(&name)).py()
    }

    /// ``RPURGE name``: removes every entry of the region.
    fn purge_region(&self, py: Python<'_>, name: String) -> PyResult<()> {
        py.detach(|| self.c.purge_region(&name)).py()
    }

    /// ``RINFO name`` as a dict; ``KuberNotFoundError`` if the region does not exist.
    fn region_info<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        let v = py.detach(|| self.c.region_info(&name)).py()?;
        json_value(py, &v)
    }

    /// ``GET key``: the value, or ``None``.
    #[pyo3(signature = (key, region=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let key = arg(key)?;
        let v = py.detach(|| self.c.get(&key, region.as_deref())).py()?;
        opt_out(py, v, self.decode)
    }

    /// ``SET key value [PX ttl*1000]``; ``ttl`` in seconds (float allowed).
    #[pyo3(signature = (key, value, ttl=None, region=None))]
    fn set(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        ttl: Option<f64>,
        region: Option<String>,
    ) -> PyResult<bool> {
        let (key, value, ttl) = (arg(key)?, arg(value)?, ttl_duration(ttl)?);
        py.detach(|| self.c.set(&key, &value, ttl, region.as_deref()))
            .py()?;
        Ok(true)
    }

    /// ``SETNX key value``: ``True`` if the key was set.
    #[pyo3(signature = (key, value, region=None))]
    fn setnx(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        region: Option<String>,
    ) -> PyResult<bool> {
        let (key, value) = (arg(key)?, arg(value)?);
        py.detach(|| self.c.setnx(&key, &value, region.as_deref()))
            .py()
    }

    /// ``SETEX key seconds value``.
    #[pyo3(signature = (key, seconds, value, region=None))]
    fn setex(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        seconds: u64,
        value: &Bound<'_, PyAny>,
        region: Option<String>,
    ) -> PyResult<bool> {
        let (key, value) = (arg(key)?, arg(value)?);
        py.detach(|| self.c.setex(&key, seconds, &value, region.as_deref()))
            .py()?;
        Ok(true)
    }

    /// ``MGET``: a list with ``None`` for missing keys.
    #[pyo3(signature = (keys, region=None))]
    fn mget<'py>(
        &self,
        py: Python<'py>,
        keys: &Bound<'py, PyAny>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyList>> {
        let keys = args(keys)?;
        let v = py.detach(|| self.c.mget(&keys, region.as_deref())).py()?;
        list_out(py, v, self.decode)
    }

    /// ``MSET`` from a dict (or iterable of pairs).
    #[pyo3(signature = (mapping, region=None))]
    fn mset(
        &self,
        py: Python<'_>,
        mapping: &Bound<'_, PyAny>,
        region: Option<String>,
    ) -> PyResult<bool> {
        let pairs = pairs(mapping)?;
        py.detach(|| self.c.mset(&pairs, region.as_deref())).py()?;
        Ok(true)
    }

    /// ``INCR key``: the new value.
    #[pyo3(signature = (key, region=None))]
    fn incr(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        region: Option<String>,
    ) -> PyResult<i64> {
        let key = arg(key)?;
        py.detach(|| self.c.incr(&key, region.as_deref())).py()
    }

    /// ``INCRBY key amount``.
    #[pyo3(signature = (key, amount, region=None))]
    fn incrby(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        amount: i64,
        region: Option<String>,
    ) -> PyResult<i64> {
        let key = arg(key)?;
        py.detach(|| self.c.incrby(&key, amount, region.as_deref()))
            .py()
    }

    /// ``DECR key``.
    #[pyo3(signature = (key, region=None))]
    fn decr(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        region: Option<String>,
    ) -> PyResult<i64> {
        let key = arg(key)?;
        py.detach(|| self.c.decr(&key, region.as_deref())).py()
    }

    /// ``DECRBY key amount``.
    #[pyo3(signature = (key, amount, region=None))]
    fn decrby(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        amount: i64,
        region: Option<String>,
    ) -> PyResult<i64> {
        let key = arg(key)?;
        py.detach(|| self.c.decrby(&key, amount, region.as_deref()))
            .py()
    }

    /// ``APPEND key value``: the new length.
    #[pyo3(signature = (key, value, region=None))]
    fn append(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        region: Option<String>,
    ) -> PyResult<i64> {
        let (key, value) = (arg(key)?, arg(value)?);
        py.detach(|| self.c.append(&key, &value, region.as_deref()))
            .py()
    }

    /// ``STRLEN key``.
    #[pyo3(signature = (key, region=None))]
    fn strlen(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        region: Option<String>,
    ) -> PyResult<i64> {
        let key = arg(key)?;
        py.detach(|| self.c.strlen(&key, region.as_deref())).py()
    }

    /// ``KEYS pattern``.
    #[pyo3(signature = (pattern="*".to_owned(), region=None))]
    fn keys<'py>(
        &self,
        py: Python<'py>,
        pattern: String,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyList>> {
        let v = py
            .detach(|| self.c.keys(&pattern, region.as_deref()))
            .py()?;
        list_out(py, v.into_iter().map(Some), self.decode)
    }

    /// ``SCAN cursor [MATCH match] [COUNT count]``: ``(next_cursor, keys)``; done at cursor 0.
    #[pyo3(signature = (cursor=0, r#match=None, count=None, region=None))]
    fn scan<'py>(
        &self,
        py: Python<'py>,
        cursor: u64,
        r#match: Option<String>,
        count: Option<u64>,
        region: Option<String>,
    ) -> PyResult<(u64, Bound<'py, PyList>)> {
        let page = py
            .detach(|| {
                self.c
                    .scan(cursor, r#match.as_deref(), count, region.as_deref())
            })
            .py()?;
        Ok((
            page.cursor,
            list_out(py, page.items.into_iter().map(Some), self.decode)?,
        ))
    }

    /// ``KSEARCH regex [LIMIT limit]``: a list of ``(key, type, ttl)``.
    #[pyo3(signature = (regex, limit=None, region=None))]
    fn ksearch<'py>(
        &self,
        py: Python<'py>,
        regex: String,
        limit: Option<u64>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyList>> {
        let rows = py
            .detach(|| self.c.ksearch(&regex, limit, region.as_deref()))
            .py()?;
        let list = PyList::empty(py);
        for row in rows {
            list.append((out(py, &row.key, self.decode)?, row.key_type, row.ttl))?;
        }
        Ok(list)
    }

    /// ``EXISTS key…``: how many of the keys exist.
    #[pyo3(signature = (*keys, region=None))]
    fn exists(
        &self,
        py: Python<'_>,
        keys: &Bound<'_, PyTuple>,
        region: Option<String>,
    ) -> PyResult<i64> {
        let keys = tuple_args(keys)?;
        py.detach(|| self.c.exists(&keys, region.as_deref())).py()
    }

    /// ``DEL key…``: how many keys were removed.
    #[pyo3(signature = (*keys, region=None))]
    fn delete(
        &self,
        py: Python<'_>,
        keys: &Bound<'_, PyTuple>,
        region: Option<String>,
    ) -> PyResult<i64> {
        let keys = tuple_args(keys)?;
        py.detach(|| self.c.delete(&keys, region.as_deref())).py()
    }

    /// ``TYPE key``: ``"string"``, ``"hash"``, ``"json"``, … or ``"none"``.
    #[pyo3(signature = (key, region=None))]
    fn r#type(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        region: Option<String>,
    ) -> PyResult<String> {
        let key = arg(key)?;
        py.detach(|| self.c.key_type(&key, region.as_deref())).py()
    }

    /// ``TTL key``: seconds, -1 without expiry, -2 if missing.
    #[pyo3(signature = (key, region=None))]
    fn ttl(&self, py: Python<'_>, key: &Bound<'_, PyAny>, region: Option<String>) -> PyResult<i64> {
        let key = arg(key)?;
        py.detach(|| self.c.ttl(&key, region.as_deref())).py()
    }

    /// ``EXPIRE key seconds``: ``True`` if a timeout was set.
    #[pyo3(signature = (key, seconds, region=None))]
    fn expire(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        seconds: i64,
        region: Option<String>,
    ) -> PyResult<bool> {
        let key = arg(key)?;
        py.detach(|| self.c.expire(&key, seconds, region.as_deref()))
            .py()
    }

    /// ``PERSIST key``: ``True`` if a timeout was removed.
    #[pyo3(signature = (key, region=None))]
    fn persist(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        region: Option<String>,
    ) -> PyResult<bool> {
        let key = arg(key)?;
        py.detach(|| self.c.persist(&key, region.as_deref())).py()
    }

    /// ``RENAME src dst``; ``KuberNotFoundError`` if ``src`` is missing.
    #[pyo3(signature = (src, dst, region=None))]
    fn rename(
        &self,
        py: Python<'_>,
        src: &Bound<'_, PyAny>,
        dst: &Bound<'_, PyAny>,
        region: Option<String>,
    ) -> PyResult<bool> {
        let (src, dst) = (arg(src)?, arg(dst)?);
        py.detach(|| self.c.rename(&src, &dst, region.as_deref()))
            .py()?;
        Ok(true)
    }

    /// ``HGET key field``.
    #[pyo3(signature = (key, field, region=None))]
    fn hget<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        field: &Bound<'py, PyAny>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (key, field) = (arg(key)?, arg(field)?);
        let v = py
            .detach(|| self.c.hget(&key, &field, region.as_deref()))
            .py()?;
        opt_out(py, v, self.decode)
    }

    /// ``HSET key field value``: ``True`` if the field is new.
    #[pyo3(signature = (key, field, value, region=None))]
    fn hset(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        field: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        region: Option<String>,
    ) -> PyResult<bool> {
        let (key, field, value) = (arg(key)?, arg(field)?, arg(value)?);
        py.detach(|| self.c.hset(&key, &field, &value, region.as_deref()))
            .py()
    }

    /// ``HSET key f1 v1 f2 v2 …`` from a dict.
    #[pyo3(signature = (key, mapping, region=None))]
    fn hmset(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        mapping: &Bound<'_, PyAny>,
        region: Option<String>,
    ) -> PyResult<bool> {
        let (key, pairs) = (arg(key)?, pairs(mapping)?);
        py.detach(|| self.c.hmset(&key, &pairs, region.as_deref()))
            .py()?;
        Ok(true)
    }

    /// ``HMGET key fields…``: a list with ``None`` for missing fields.
    #[pyo3(signature = (key, fields, region=None))]
    fn hmget<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        fields: &Bound<'py, PyAny>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyList>> {
        let (key, fields) = (arg(key)?, args(fields)?);
        let v = py
            .detach(|| self.c.hmget(&key, &fields, region.as_deref()))
            .py()?;
        list_out(py, v, self.decode)
    }

    /// ``HGETALL key`` as a dict.
    #[pyo3(signature = (key, region=None))]
    fn hgetall<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let key = arg(key)?;
        let v = py.detach(|| self.c.hgetall(&key, region.as_deref())).py()?;
        let dict = PyDict::new(py);
        for (f, val) in v {
            dict.set_item(out(py, &f, self.decode)?, out(py, &val, self.decode)?)?;
        }
        Ok(dict)
    }

    /// ``HDEL key field…``: how many fields were removed.
    #[pyo3(signature = (key, *fields, region=None))]
    fn hdel(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        fields: &Bound<'_, PyTuple>,
        region: Option<String>,
    ) -> PyResult<i64> {
        let (key, fields) = (arg(key)?, tuple_args(fields)?);
        py.detach(|| self.c.hdel(&key, &fields, region.as_deref()))
            .py()
    }

    /// ``HEXISTS key field``.
    #[pyo3(signature = (key, field, region=None))]
    fn hexists(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        field: &Bound<'_, PyAny>,
        region: Option<String>,
    ) -> PyResult<bool> {
        let (key, field) = (arg(key)?, arg(field)?);
        py.detach(|| self.c.hexists(&key, &field, region.as_deref()))
            .py()
    }

    /// ``HKEYS key``.
    #[pyo3(signature = (key, region=None))]
    fn hkeys<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyList>> {
        let key = arg(key)?;
        let v = py.detach(|| self.c.hkeys(&key, region.as_deref())).py()?;
        list_out(py, v.into_iter().map(Some), self.decode)
    }

    /// ``HVALS key``.
    #[pyo3(signature = (key, region=None))]
    fn hvals<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyList>> {
        let key = arg(key)?;
        let v = py.detach(|| self.c.hvals(&key, region.as_deref())).py()?;
        list_out(py, v.into_iter().map(Some), self.decode)
    }

    /// ``HLEN key``.
    #[pyo3(signature = (key, region=None))]
    fn hlen(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        region: Option<String>,
    ) -> PyResult<i64> {
        let key = arg(key)?;
        py.detach(|| self.c.hlen(&key, region.as_deref())).py()
    }

    /// ``JSET key json [path] [EX ttl]``: stores any JSON-serialisable Python object.
    #[pyo3(signature = (key, value, path=None, ttl=None, region=None))]
    fn json_set(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        path: Option<String>,
        ttl: Option<u64>,
        region: Option<String>,
    ) -> PyResult<bool> {
        let (key, text) = (arg(key)?, dumps(value)?);
        py.detach(|| {
            self.c
                .json_set_text(&key, &text, path.as_deref(), ttl, region.as_deref())
        })
        .py()?;
        Ok(true)
    }

    /// ``JGET key [path]``: the document (or the value at ``path``) as Python objects, or ``None``.
    #[pyo3(signature = (key, path=None, region=None))]
    fn json_get<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        path: Option<String>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let key = arg(key)?;
        match py
            .detach(|| {
                self.c
                    .json_get_text(&key, path.as_deref(), region.as_deref())
            })
            .py()?
        {
            Some(text) => loads(py, &text),
            None => Ok(py.None().into_bound(py)),
        }
    }

    /// ``JUPDATE key json [EX ttl]``: deep merge; returns the merged document.
    #[pyo3(signature = (key, value, ttl=None, region=None))]
    fn json_update<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        value: &Bound<'py, PyAny>,
        ttl: Option<u64>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (key, text) = (arg(key)?, dumps(value)?);
        let merged = py
            .detach(|| self.c.json_update_text(&key, &text, ttl, region.as_deref()))
            .py()?;
        loads(py, &merged)
    }

    /// ``JREMOVE key field…``: returns the document without those top-level fields.
    #[pyo3(signature = (key, *fields, region=None))]
    fn json_remove<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        fields: &Bound<'py, PyTuple>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (key, fields) = (arg(key)?, tuple_args(fields)?);
        let doc = py
            .detach(|| self.c.json_remove_text(&key, &fields, region.as_deref()))
            .py()?;
        loads(py, &doc)
    }

    /// ``JDEL key [path]``: ``True`` if something was deleted.
    #[pyo3(signature = (key, path=None, region=None))]
    fn json_delete(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        path: Option<String>,
        region: Option<String>,
    ) -> PyResult<bool> {
        let key = arg(key)?;
        py.detach(|| self.c.json_delete(&key, path.as_deref(), region.as_deref()))
            .py()
    }

    /// ``JSEARCH query [LIMIT limit]``: a list of ``(key, document)`` ordered by key.
    #[pyo3(signature = (query, limit=None, region=None))]
    fn json_search<'py>(
        &self,
        py: Python<'py>,
        query: String,
        limit: Option<u64>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyList>> {
        let rows = py
            .detach(|| self.c.json_search_text(&query, limit, region.as_deref()))
            .py()?;
        let list = PyList::empty(py);
        for (k, v) in rows {
            list.append((k, loads(py, &v)?))?;
        }
        Ok(list)
    }

    /// ``JSEARCH query CURSOR cursor [LIMIT limit]``: ``(next_cursor, [(key, document), …])``;
    /// start with ``"0"``, done when the next cursor is ``"0"``.
    #[pyo3(signature = (query, cursor="0".to_owned(), limit=None, region=None))]
    fn json_search_page<'py>(
        &self,
        py: Python<'py>,
        query: String,
        cursor: String,
        limit: Option<u64>,
        region: Option<String>,
    ) -> PyResult<(String, Bound<'py, PyList>)> {
        let page = py
            .detach(|| {
                self.c
                    .json_search_page(&query, &cursor, limit, region.as_deref())
            })
            .py()?;
        let list = PyList::empty(py);
        for (k, v) in page.items {
            list.append((k, json_value(py, &v)?))?;
        }
        Ok((page.cursor, list))
    }

    /// ``INFO [section]``: the report text.
    #[pyo3(signature = (section=None))]
    fn info(&self, py: Python<'_>, section: Option<String>) -> PyResult<String> {
        py.detach(|| self.c.info(section.as_deref())).py()
    }

    /// ``STATUS`` as a dict.
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = py.detach(|| self.c.status()).py()?;
        json_value(py, &v)
    }

    /// ``DBSIZE`` of the region.
    #[pyo3(signature = (region=None))]
    fn dbsize(&self, py: Python<'_>, region: Option<String>) -> PyResult<i64> {
        py.detach(|| self.c.dbsize(region.as_deref())).py()
    }

    /// ``FLUSHDB``: removes every key of the region.
    #[pyo3(signature = (region=None))]
    fn flushdb(&self, py: Python<'_>, region: Option<String>) -> PyResult<bool> {
        py.detach(|| self.c.flushdb(region.as_deref())).py()?;
        Ok(true)
    }

    /// ``ROLE`` as a list (``["master", 0, []]`` without replication).
    fn repl_info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = py.detach(|| self.c.repl_info()).py()?;
        json_value(py, &v)
    }

    /// Any command; the raw reply as Python values. Connection-state commands are refused.
    #[pyo3(signature = (*command, region=None))]
    fn execute_command<'py>(
        &self,
        py: Python<'py>,
        command: &Bound<'py, PyTuple>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let argv = tuple_args(command)?;
        let f = py
            .detach(|| self.c.command(&argv, region.as_deref()))
            .py()?;
        frame(py, &f, self.decode)
    }

    /// A pipeline: queue commands, then ``execute()`` sends them in one write.
    #[pyo3(signature = (region=None))]
    fn pipeline(&self, region: Option<String>) -> Pipeline {
        let mut p = kuber_client::Pipeline::new();
        if let Some(r) = region {
            p = p.region(r);
        }
        Pipeline {
            c: self.c.clone(),
            p: std::sync::Mutex::new(p),
            decode: self.decode,
        }
    }
}

/// Commands queued for one round trip. ``execute()`` returns one result per command, in order.
#[pyclass(module = "kuber._kuber", name = "Pipeline")]
pub(crate) struct Pipeline {
    c: KuberClient,
    p: std::sync::Mutex<kuber_client::Pipeline>,
    decode: bool,
}

#[pymethods]
impl Pipeline {
    /// Queues ``SET key value``; returns the pipeline for chaining.
    fn set<'py>(
        slf: Bound<'py, Self>,
        key: &Bound<'py, PyAny>,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        let (key, value) = (arg(key)?, arg(value)?);
        slf.borrow().p.lock().unwrap().set(key, value);
        Ok(slf)
    }

    /// Queues ``GET key``.
    fn get<'py>(slf: Bound<'py, Self>, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, Self>> {
        let key = arg(key)?;
        slf.borrow().p.lock().unwrap().get(key);
        Ok(slf)
    }

    /// Queues any command.
    #[pyo3(signature = (*command))]
    fn execute_command<'py>(
        slf: Bound<'py, Self>,
        command: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, Self>> {
        let argv = tuple_args(command)?;
        slf.borrow().p.lock().unwrap().cmd(&argv);
        Ok(slf)
    }

    fn __len__(&self) -> usize {
        self.p.lock().unwrap().len()
    }

    /// Sends every queued command and clears the queue. With ``raise_on_error`` (the default, as
    /// in redis-py) the first error reply is raised; otherwise errors are returned in place.
    #[pyo3(signature = (raise_on_error=true))]
    fn execute<'py>(&self, py: Python<'py>, raise_on_error: bool) -> PyResult<Bound<'py, PyList>> {
        let p = {
            let mut queued = self.p.lock().unwrap();
            let p = queued.clone();
            queued.clear();
            p
        };
        let replies = py.detach(|| self.c.run_pipeline(&p)).py()?;
        let list = PyList::empty(py);
        for r in replies {
            match r {
                Ok(f) => list.append(frame(py, &f, self.decode)?)?,
                Err(e) if raise_on_error => return Err(crate::to_py_err(e)),
                Err(e) => list.append(crate::error_object(py, &e)?)?,
            }
        }
        Ok(list)
    }
}
