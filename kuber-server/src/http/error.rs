//! The one error shape of the REST API, `{"error":{"code","message"}}`, how RESP error replies map
//! onto HTTP statuses, and extractor wrappers whose rejections use that shape too.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

/// A failed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code, e.g. `NOT_FOUND`.
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
}

/// The body of every error response.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// Code and message of an error.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `BAD_REQUEST`, `UNAUTHORIZED`, `FORBIDDEN`, `NOT_FOUND`, `CONFLICT`, `WRONG_TYPE`,
    /// `PAYLOAD_TOO_LARGE`, `UNAVAILABLE`, `INTERNAL`.
    pub code: String,
    /// What went wrong.
    pub message: String,
}

impl ApiError {
    /// An error with any status.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }

    /// 401 (the response also carries `WWW-Authenticate`).
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
    }

    /// Maps a RESP error reply (without the leading `-`) to a status by its error code.
    pub fn from_resp(error: &[u8]) -> Self {
        let text = String::from_utf8_lossy(error).into_owned();
        let code = text.split(' ').next().unwrap_or("");
        let (status, api_code) = match code {
            "NOPERM" => (StatusCode::FORBIDDEN, "FORBIDDEN"),
            "NOAUTH" | "WRONGPASS" => (StatusCode::UNAUTHORIZED, "UNAUTHORIZED"),
            "WRONGTYPE" => (StatusCode::CONFLICT, "WRONG_TYPE"),
            "REGIONEXISTS" => (StatusCode::CONFLICT, "CONFLICT"),
            "REGIONCAPTIVE" => (StatusCode::CONFLICT, "CONFLICT"),
            "JSONERR" => (StatusCode::BAD_REQUEST, "INVALID_JSON"),
            "JSONPATHERR" => (StatusCode::BAD_REQUEST, "INVALID_PATH"),
            "OOM" | "TRYAGAIN" | "LOADING" | "BUSY" => {
                (StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE")
            }
            _ if text.contains("does not exist") || text.contains("no such key") => {
                (StatusCode::NOT_FOUND, "NOT_FOUND")
            }
            _ if text.starts_with("ERR query:") => (StatusCode::BAD_REQUEST, "INVALID_QUERY"),
            _ => (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
        };
        // Drop the RESP error code from the message: the API code replaces it.
        let message = match text.split_once(' ') {
            Some((first, rest)) if first.chars().all(|c| c.is_ascii_uppercase()) => rest.to_owned(),
            _ => text,
        };
        Self::new(status, api_code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Basic realm=\"kuber\""),
            );
        }
        response
    }
}

/// `Json<T>` whose rejections (bad JSON, wrong content type, body too large) are [`ApiError`]s.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    /// Reads the body whatever its declared content type (SPEC §6 answers only 400 for a body it
    /// cannot use), refusing one over the size limit with 413.
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "PAYLOAD_TOO_LARGE",
                        "request body is over the size limit",
                    )
                } else {
                    ApiError::bad_request(rejection.body_text())
                }
            })?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
    }
}

/// `Query<T>` with [`ApiError`] rejections.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_rejection(rejection)),
        }
    }
}

fn query_rejection(rejection: QueryRejection) -> ApiError {
    ApiError::bad_request(rejection.body_text())
}

/// `Path<T>` with [`ApiError`] rejections (e.g. a key that is not valid UTF-8 after decoding).
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(ApiError::bad_request(rejection.body_text())),
        }
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resp_errors_map_to_statuses_and_codes() {
        let cases: [(&[u8], StatusCode, &str, &str); 6] = [
            (
                b"NOPERM User r has no permissions to run the 'set' command",
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "User r has no permissions to run the 'set' command",
            ),
            (
                b"WRONGTYPE Operation against a key holding the wrong kind of value",
                StatusCode::CONFLICT,
                "WRONG_TYPE",
                "Operation against a key holding the wrong kind of value",
            ),
            (
                b"ERR region 'x' does not exist",
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "region 'x' does not exist",
            ),
            (
                b"JSONERR invalid JSON: EOF",
                StatusCode::BAD_REQUEST,
                "INVALID_JSON",
                "invalid JSON: EOF",
            ),
            (
                b"ERR query: unknown operator at 3",
                StatusCode::BAD_REQUEST,
                "INVALID_QUERY",
                "query: unknown operator at 3",
            ),
            (
                b"REGIONEXISTS region 'a' already exists",
                StatusCode::CONFLICT,
                "CONFLICT",
                "region 'a' already exists",
            ),
        ];
        for (resp, status, code, message) in cases {
            let e = ApiError::from_resp(resp);
            assert_eq!(
                (e.status, e.code, e.message.as_str()),
                (status, code, message)
            );
        }
    }
}

/// Deserializers for integer fields that also take whole numbers written as floats (`998.0`):
/// JSON Schema's `integer` includes them, so a schema-valid request must not fail on them.
pub mod whole {
    use serde::{Deserialize, Deserializer, de::Error};

    fn whole<'de, D: Deserializer<'de>>(value: serde_json::Number) -> Result<u64, D::Error> {
        if let Some(n) = value.as_u64() {
            return Ok(n);
        }
        match value.as_f64() {
            Some(f) if f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 => Ok(f as u64),
            _ => Err(D::Error::custom(format!(
                "expected a whole number >= 0, got {value}"
            ))),
        }
    }

    /// For `Option<u64>` fields (with `#[serde(default)]`).
    pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        match Option::<serde_json::Number>::deserialize(d)? {
            None => Ok(None),
            Some(n) => whole::<D>(n).map(Some),
        }
    }

    /// For `u64` fields.
    pub fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        whole::<D>(serde_json::Number::deserialize(d)?)
    }

    /// For `Option<u32>` fields (with `#[serde(default)]`).
    pub fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        match opt_u64(d)? {
            None => Ok(None),
            Some(n) => u32::try_from(n)
                .map(Some)
                .map_err(|_| D::Error::custom("number too large")),
        }
    }
}
