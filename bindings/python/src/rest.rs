//! `kuber._kuber.KuberRestClient`: the REST API (SPEC §6) through `kuber-client`'s blocking REST
//! client. Replies are the server's JSON as Python objects.

use std::time::Duration;

use kuber_client::blocking::KuberRestClient;
use kuber_client::{ClientConfig, RegionOptions};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::{IntoPy, dumps, json_value, loads};

/// A Kuber REST client (``/api/v1`` with HTTP Basic auth).
///
/// ``KuberRestClient(host, port, username='admin', password='secret')``: ``port`` is the HTTP
/// port. Missing credentials raise ``ValueError``; no request is made until the first call.
/// Methods that address data take an optional ``region`` (``"default"`` when omitted).
#[pyclass(module = "kuber._kuber", name = "KuberRestClient")]
pub(crate) struct RestClient {
    c: KuberRestClient,
}

fn none(py: Python<'_>) -> Bound<'_, PyAny> {
    py.None().into_bound(py)
}

#[pymethods]
impl RestClient {
    #[new]
    #[pyo3(signature = (host="127.0.0.1".to_owned(), port=8080, username=None, password=None, *, timeout=None, tls=false))]
    fn new(
        host: String,
        port: u16,
        username: Option<String>,
        password: Option<String>,
        timeout: Option<f64>,
        tls: bool,
    ) -> PyResult<Self> {
        let mut config = ClientConfig::new(
            host,
            port,
            username.unwrap_or_default(),
            password.unwrap_or_default(),
        );
        config.tls = tls;
        if let Some(t) = timeout {
            let t = Duration::try_from_secs_f64(t).map_err(|_| {
                pyo3::exceptions::PyValueError::new_err(
                    "timeout must be a positive number of seconds",
                )
            })?;
            config = config.with_timeout(t);
        }
        Ok(RestClient {
            c: KuberRestClient::with_config(config).py()?,
        })
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, PyTuple>) -> bool {
        false
    }

    fn __repr__(&self) -> String {
        format!("KuberRestClient({:?})", self.c.as_async().base_url())
    }

    /// Nothing to release (HTTP connections are pooled by the runtime); present for symmetry.
    fn close(&self) {}

    /// ``GET /ping``.
    fn ping<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = py.detach(|| self.c.ping()).py()?;
        json_value(py, &v)
    }

    /// ``GET /info``.
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = py.detach(|| self.c.info()).py()?;
        json_value(py, &v)
    }

    /// ``GET /status``.
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = py.detach(|| self.c.status()).py()?;
        json_value(py, &v)
    }

    /// ``GET /stats``.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = py.detach(|| self.c.stats()).py()?;
        json_value(py, &v)
    }

    /// ``GET /regions``: a list of region objects.
    fn list_regions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = py.detach(|| self.c.list_regions()).py()?;
        json_value(py, &v)
    }

    /// ``GET /regions/{name}``.
    fn region_info<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        let v = py.detach(|| self.c.region_info(&name)).py()?;
        json_value(py, &v)
    }

    /// ``POST /regions``.
    #[pyo3(signature = (name, description=None, ttl=None, max_entries=None))]
    fn create_region<'py>(
        &self,
        py: Python<'py>,
        name: String,
        description: Option<String>,
        ttl: Option<u64>,
        max_entries: Option<u64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = RegionOptions {
            description,
            ttl,
            max_entries,
        };
        let v = py.detach(|| self.c.create_region(&name, &opts)).py()?;
        json_value(py, &v)
    }

    /// ``DELETE /regions/{name}``.
    fn delete_region<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        let v = py.detach(|| self.c.delete_region(&name)).py()?;
        json_value(py, &v)
    }

    /// ``POST /regions/{name}/purge``.
    fn purge_region<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        let v = py.detach(|| self.c.purge_region(&name)).py()?;
        json_value(py, &v)
    }

    /// ``GET /cache/{region}/{key}``: ``{"key","value","type","ttl"}`` or ``None``.
    #[pyo3(signature = (key, region=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: String,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match py.detach(|| self.c.get(&key, region.as_deref())).py()? {
            None => Ok(none(py)),
            Some(e) => {
                let d = PyDict::new(py);
                d.set_item("key", e.key)?;
                d.set_item("value", json_value(py, &e.value)?)?;
                d.set_item("type", e.key_type)?;
                d.set_item("ttl", e.ttl)?;
                Ok(d.into_any())
            }
        }
    }

    /// ``PUT /cache/{region}/{key}``.
    #[pyo3(signature = (key, value, ttl=None, region=None))]
    fn set<'py>(
        &self,
        py: Python<'py>,
        key: String,
        value: String,
        ttl: Option<u64>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = py
            .detach(|| self.c.set(&key, &value, ttl, region.as_deref()))
            .py()?;
        json_value(py, &v)
    }

    /// ``DELETE /cache/{region}/{key}``: whether it existed.
    #[pyo3(signature = (key, region=None))]
    fn delete(&self, py: Python<'_>, key: String, region: Option<String>) -> PyResult<bool> {
        py.detach(|| self.c.delete(&key, region.as_deref())).py()
    }

    /// ``GET /cache/{region}/keys``: one page as the server sends it.
    #[pyo3(signature = (pattern=None, cursor=None, count=None, region=None))]
    fn keys<'py>(
        &self,
        py: Python<'py>,
        pattern: Option<String>,
        cursor: Option<String>,
        count: Option<u64>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = py
            .detach(|| {
                self.c.keys(
                    pattern.as_deref(),
                    cursor.as_deref(),
                    count,
                    region.as_deref(),
                )
            })
            .py()?;
        json_value(py, &v)
    }

    /// ``POST /cache/{region}/mget``: one value per key, ``None`` if missing.
    #[pyo3(signature = (keys, region=None))]
    fn mget<'py>(
        &self,
        py: Python<'py>,
        keys: Vec<String>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyList>> {
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let values = py.detach(|| self.c.mget(&refs, region.as_deref())).py()?;
        let list = PyList::empty(py);
        for v in values {
            list.append(json_value(py, &v)?)?;
        }
        Ok(list)
    }

    /// ``POST /cache/{region}/mset`` from a dict of str to str.
    #[pyo3(signature = (entries, ttl=None, region=None))]
    fn mset<'py>(
        &self,
        py: Python<'py>,
        entries: &Bound<'py, PyAny>,
        ttl: Option<u64>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let entries = crate::pairs(entries)?
            .into_iter()
            .map(|(k, v)| Ok((String::from_utf8(k)?, String::from_utf8(v)?)))
            .collect::<Result<Vec<_>, std::string::FromUtf8Error>>()
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        let refs: Vec<(&str, &str)> = entries
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let v = py
            .detach(|| self.c.mset(&refs, ttl, region.as_deref()))
            .py()?;
        json_value(py, &v)
    }

    /// ``GET /cache/{region}/{key}/ttl``.
    #[pyo3(signature = (key, region=None))]
    fn ttl<'py>(
        &self,
        py: Python<'py>,
        key: String,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = py.detach(|| self.c.ttl(&key, region.as_deref())).py()?;
        json_value(py, &v)
    }

    /// ``POST /cache/{region}/{key}/expire``.
    #[pyo3(signature = (key, seconds, region=None))]
    fn expire<'py>(
        &self,
        py: Python<'py>,
        key: String,
        seconds: i64,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = py
            .detach(|| self.c.expire(&key, seconds, region.as_deref()))
            .py()?;
        json_value(py, &v)
    }

    /// ``DELETE /cache/{region}/{key}/expire``.
    #[pyo3(signature = (key, region=None))]
    fn persist<'py>(
        &self,
        py: Python<'py>,
        key: String,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = py.detach(|| self.c.persist(&key, region.as_deref())).py()?;
        json_value(py, &v)
    }

    /// ``GET /cache/{region}/{key}/hash``.
    #[pyo3(signature = (key, region=None))]
    fn hgetall<'py>(
        &self,
        py: Python<'py>,
        key: String,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = py.detach(|| self.c.hgetall(&key, region.as_deref())).py()?;
        json_value(py, &v)
    }

    /// ``GET /cache/{region}/{key}/hash/{field}``; ``None`` on 404.
    #[pyo3(signature = (key, field, region=None))]
    fn hget<'py>(
        &self,
        py: Python<'py>,
        key: String,
        field: String,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match py
            .detach(|| self.c.hget(&key, &field, region.as_deref()))
            .py()?
        {
            Some(v) => json_value(py, &v),
            None => Ok(none(py)),
        }
    }

    /// ``PUT /cache/{region}/{key}/hash/{field}``.
    #[pyo3(signature = (key, field, value, region=None))]
    fn hset<'py>(
        &self,
        py: Python<'py>,
        key: String,
        field: String,
        value: String,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = py
            .detach(|| self.c.hset(&key, &field, &value, region.as_deref()))
            .py()?;
        json_value(py, &v)
    }

    /// ``DELETE /cache/{region}/{key}/hash/{field}``.
    #[pyo3(signature = (key, field, region=None))]
    fn hdel<'py>(
        &self,
        py: Python<'py>,
        key: String,
        field: String,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = py
            .detach(|| self.c.hdel(&key, &field, region.as_deref()))
            .py()?;
        json_value(py, &v)
    }

    /// ``GET /json/{region}/{key}?path=``: the document as Python objects, or ``None``.
    #[pyo3(signature = (key, path=None, region=None))]
    fn json_get<'py>(
        &self,
        py: Python<'py>,
        key: String,
        path: Option<String>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match py
            .detach(|| self.c.json_get(&key, path.as_deref(), region.as_deref()))
            .py()?
        {
            Some(v) => json_value(py, &v),
            None => Ok(none(py)),
        }
    }

    /// ``PUT /json/{region}/{key}`` with any JSON-serialisable object.
    #[pyo3(signature = (key, value, ttl=None, region=None))]
    fn json_set<'py>(
        &self,
        py: Python<'py>,
        key: String,
        value: &Bound<'py, PyAny>,
        ttl: Option<u64>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let doc: serde_json::Value = serde_json::from_str(&dumps(value)?)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        let v = py
            .detach(|| self.c.json_set(&key, &doc, ttl, region.as_deref()))
            .py()?;
        json_value(py, &v)
    }

    /// ``PATCH /json/{region}/{key}``: deep merge.
    #[pyo3(signature = (key, value, region=None))]
    fn json_update<'py>(
        &self,
        py: Python<'py>,
        key: String,
        value: &Bound<'py, PyAny>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let patch: serde_json::Value = serde_json::from_str(&dumps(value)?)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        let v = py
            .detach(|| self.c.json_update(&key, &patch, region.as_deref()))
            .py()?;
        json_value(py, &v)
    }

    /// ``DELETE /json/{region}/{key}?path=``.
    #[pyo3(signature = (key, path=None, region=None))]
    fn json_delete<'py>(
        &self,
        py: Python<'py>,
        key: String,
        path: Option<String>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = py
            .detach(|| self.c.json_delete(&key, path.as_deref(), region.as_deref()))
            .py()?;
        json_value(py, &v)
    }

    /// ``POST /json/{region}/search``: ``{"results": [...], "cursor": ...}``.
    #[pyo3(signature = (query, limit=None, cursor=None, region=None))]
    fn json_search<'py>(
        &self,
        py: Python<'py>,
        query: String,
        limit: Option<u64>,
        cursor: Option<String>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = py
            .detach(|| {
                self.c
                    .json_search(&query, limit, cursor.as_deref(), region.as_deref())
            })
            .py()?;
        json_value(py, &v)
    }

    /// ``POST /cache/{region}/import`` with a list of ``{"key","value","ttl"?}`` dicts.
    #[pyo3(signature = (entries, region=None))]
    fn bulk_import<'py>(
        &self,
        py: Python<'py>,
        entries: &Bound<'py, PyAny>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let entries: Vec<serde_json::Value> =
            serde_json::from_str(&dumps(entries)?).map_err(|e| {
                pyo3::exceptions::PyValueError::new_err(format!("entries must be a JSON list: {e}"))
            })?;
        let v = py
            .detach(|| self.c.bulk_import(&entries, region.as_deref()))
            .py()?;
        json_value(py, &v)
    }

    /// ``GET /cache/{region}/export``: a list of ``{"key","type","value","ttl"}`` dicts.
    #[pyo3(signature = (pattern=None, region=None))]
    fn bulk_export<'py>(
        &self,
        py: Python<'py>,
        pattern: Option<String>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let rows = py
            .detach(|| self.c.bulk_export(pattern.as_deref(), region.as_deref()))
            .py()?;
        loads(py, &serde_json::Value::Array(rows).to_string())
    }
}
