//! The native module `kuber._kuber`: thin pyo3 wrappers around `kuber-client`'s blocking facade.
//! Every call releases the GIL while it waits for the server. Exceptions are the classes of
//! `kuber._errors` (one per `ErrorKind`, all under `KuberError`), looked up by kind name.

use kuber_client::{Error, ErrorKind, Frame};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

mod redis;
mod rest;

/// The exception class name for each kind, as defined in `kuber/_errors.py`.
fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Connection => "KuberConnectionError",
        ErrorKind::Auth => "KuberAuthError",
        ErrorKind::Permission => "KuberPermissionError",
        ErrorKind::WrongType => "KuberWrongTypeError",
        ErrorKind::NotFound => "KuberNotFoundError",
        ErrorKind::Protocol => "KuberProtocolError",
        ErrorKind::Timeout => "KuberTimeoutError",
        ErrorKind::Config => "KuberConfigError",
        _ => "KuberServerError",
    }
}

/// The Python exception instance for `err` (also used for error replies inside pipelines).
pub(crate) fn error_object<'py>(py: Python<'py>, err: &Error) -> PyResult<Bound<'py, PyAny>> {
    let module = py.import("kuber._errors")?;
    let class = module.getattr(class_name(err.kind()))?;
    class.call1((err.message(), err.code()))
}

pub(crate) fn to_py_err(err: Error) -> PyErr {
    Python::attach(|py| match error_object(py, &err) {
        Ok(obj) => PyErr::from_value(obj),
        Err(e) => e,
    })
}

/// Extension: `?` on the client's results.
pub(crate) trait IntoPy<T> {
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for kuber_client::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py_err)
    }
}

/// A key, field or value: `bytes`, `str` (UTF-8), `int` or `float` (their decimal text).
pub(crate) fn arg(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<pyo3::types::PyByteArray>() {
        return Ok(b.to_vec());
    }
    if obj.is_instance_of::<pyo3::types::PyBool>() {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "a bool is not a valid value: use str, bytes, int or float",
        ));
    }
    if obj.is_instance_of::<pyo3::types::PyInt>() || obj.is_instance_of::<pyo3::types::PyFloat>() {
        return Ok(obj.str()?.to_cow()?.as_bytes().to_vec());
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "expected str, bytes, int or float, got {}",
        obj.get_type().name()?
    )))
}

/// Every item of an iterable (list, tuple, …) as an argument.
pub(crate) fn args(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<u8>>> {
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Ok(vec![arg(obj)?]);
    }
    obj.try_iter()?.map(|item| arg(&item?)).collect()
}

/// `(k, v)` pairs from a mapping (dict) or an iterable of pairs.
pub(crate) fn pairs(obj: &Bound<'_, PyAny>) -> PyResult<Vec<(Vec<u8>, Vec<u8>)>> {
    let items = if let Ok(d) = obj.cast::<PyDict>() {
        d.items().into_any()
    } else {
        obj.clone()
    };
    items
        .try_iter()?
        .map(|item| {
            let item = item?;
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            Ok((arg(&k)?, arg(&v)?))
        })
        .collect()
}

/// A value back to Python: `bytes`, or `str` when the client decodes responses.
pub(crate) fn out<'py>(py: Python<'py>, b: &[u8], decode: bool) -> PyResult<Bound<'py, PyAny>> {
    if decode {
        let text = std::str::from_utf8(b).map_err(|e| {
            pyo3::exceptions::PyValueError::new_err(format!(
                "reply is not UTF-8 ({e}); use decode_responses=False"
            ))
        })?;
        Ok(PyString::new(py, text).into_any())
    } else {
        Ok(PyBytes::new(py, b).into_any())
    }
}

/// JSON text from a Python object (`json.dumps`).
pub(crate) fn dumps(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    obj.py()
        .import("json")?
        .call_method1("dumps", (obj,))?
        .extract()
}

/// A Python object from JSON text (`json.loads`).
pub(crate) fn loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

/// A serde JSON value as a Python object.
pub(crate) fn json_value<'py>(
    py: Python<'py>,
    v: &serde_json::Value,
) -> PyResult<Bound<'py, PyAny>> {
    loads(py, &v.to_string())
}

/// Any reply frame as a Python value; an error reply becomes the exception object (not raised).
pub(crate) fn frame<'py>(py: Python<'py>, f: &Frame, decode: bool) -> PyResult<Bound<'py, PyAny>> {
    Ok(match f {
        Frame::Simple(s) => PyString::new(py, &String::from_utf8_lossy(s)).into_any(),
        Frame::Bulk(b) => out(py, b, decode)?,
        Frame::Verbatim { text, .. } => {
            PyString::new(py, &String::from_utf8_lossy(text)).into_any()
        }
        Frame::Error(e) => error_object(py, &Error::from_reply(e))?,
        Frame::Integer(n) => n.into_pyobject(py)?.into_any(),
        Frame::Double(d) => d.into_pyobject(py)?.into_any(),
        Frame::Boolean(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Frame::BigNumber(n) => py
            .get_type::<pyo3::types::PyInt>()
            .call1((String::from_utf8_lossy(n).into_owned(),))?,
        Frame::Null | Frame::NullArray => py.None().into_bound(py),
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(frame(py, item, decode)?)?;
            }
            list.into_any()
        }
        Frame::Map(entries) => {
            let dict = PyDict::new(py);
            for (k, v) in entries {
                dict.set_item(frame(py, k, decode)?, frame(py, v, decode)?)?;
            }
            dict.into_any()
        }
    })
}

pub(crate) fn tuple_args(t: &Bound<'_, PyTuple>) -> PyResult<Vec<Vec<u8>>> {
    t.iter().map(|a| arg(&a)).collect()
}

/// The native part of the `kuber` package; import `kuber` instead.
#[pymodule]
fn _kuber(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<redis::RedisClient>()?;
    m.add_class::<redis::Pipeline>()?;
    m.add_class::<rest::RestClient>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
