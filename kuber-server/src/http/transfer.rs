//! Bulk transfer: `POST /cache/{region}/import` (a JSON body, NDJSON or CSV, with every bad row
//! reported and the good ones stored) and `GET /cache/{region}/export` (an NDJSON stream built from
//! SCAN pages, so exporting a large region never holds it all in memory).

use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes as BodyBytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use kuber_protocol::Frame;
use serde::{Deserialize, Serialize};
use serde_json::Value as JsonValue;
use utoipa::{IntoParams, ToSchema};

use super::api::{RegionOnly, existing_region, read_entry, stored_text, text, writable_region};
use super::caller::Caller;
use super::error::{ApiError, ApiPath, ApiQuery, ApiResult, ErrorBody, whole};
use crate::args;
use crate::state::ServerState;

/// One imported entry.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportEntry {
    /// Key.
    pub key: String,
    /// A string (stored with SET) or an object/array (stored as a JSON document).
    pub value: JsonValue,
    /// Seconds to live.
    #[serde(default, deserialize_with = "whole::opt_u64")]
    #[schema(minimum = 1)]
    pub ttl: Option<u64>,
}

/// JSON import body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// Entries to store.
    pub entries: Vec<ImportEntry>,
}

/// A refused row.
#[derive(Serialize, ToSchema)]
pub struct RowError {
    /// 1-based row (entry index, NDJSON line, or CSV record after the header).
    pub row: usize,
    /// Why.
    pub message: String,
}

/// Import result.
#[derive(Serialize, ToSchema)]
pub struct ImportReport {
    /// Rows stored.
    pub imported: usize,
    /// Rows refused.
    pub errors: Vec<RowError>,
}

fn parse_rows(content_type: &str, body: &[u8]) -> ApiResult<Vec<Result<ImportEntry, String>>> {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/json" | "" => {
            let request: ImportRequest = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("invalid import body: {e}")))?;
            Ok(request.entries.into_iter().map(Ok).collect())
        }
        "application/x-ndjson" | "application/ndjson" => Ok(body
            .split(|b| *b == b'\n')
            .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
            .map(|line| serde_json::from_slice::<ImportEntry>(line).map_err(|e| e.to_string()))
            .collect()),
        "text/csv" => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(body);
            let headers = reader
                .headers()
                .map_err(|e| ApiError::bad_request(format!("CSV header: {e}")))?
                .clone();
            let column = |name: &str| {
                headers
                    .iter()
                    .position(|h| h.trim().eq_ignore_ascii_case(name))
            };
            let (Some(key), Some(value)) = (column("key"), column("value")) else {
                return Err(ApiError::bad_request(
                    "CSV needs a header with columns key,value[,ttl]",
                ));
            };
            let ttl = column("ttl");
            Ok(reader
                .records()
                .map(|record| {
                    let record = record.map_err(|e| e.to_string())?;
                    let field = |i: usize| record.get(i).unwrap_or("").to_owned();
                    let ttl = match ttl.map(field).filter(|t| !t.trim().is_empty()) {
                        None => None,
                        Some(t) => Some(
                            t.trim()
                                .parse::<u64>()
                                .map_err(|_| format!("ttl '{t}' is not a whole number"))?,
                        ),
                    };
                    Ok(ImportEntry {
                        key: field(key),
                        value: JsonValue::String(field(value)),
                        ttl,
                    })
                })
                .collect())
        }
        other => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            format!(
                "import takes application/json, application/x-ndjson or text/csv, not '{other}'"
            ),
        )),
    }
}

/// Imports entries (JSON body, NDJSON or CSV with a `key,value[,ttl]` header).
#[utoipa::path(post, path = "/cache/{region}/import", tag = "cache", params(RegionOnly),
    request_body(content(
        (ImportRequest = "application/json"),
        (String = "application/x-ndjson"),
        (String = "text/csv"))),
    responses((status = 200, body = ImportReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn import(
    State(state): State<Arc<ServerState>>,
    caller: Caller,
    ApiPath(p): ApiPath<RegionOnly>,
    headers: HeaderMap,
    body: BodyBytes,
) -> ApiResult<Json<ImportReport>> {
    let region = writable_region(&state, &caller, &p.region)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let rows = parse_rows(content_type, &body)?;
    let mut report = ImportReport {
        imported: 0,
        errors: Vec::new(),
    };
    for (i, row) in rows.into_iter().enumerate() {
        let outcome = match row {
            Err(message) => Err(message),
            Ok(entry) => store(&state, &caller, &region, entry).await,
        };
        match outcome {
            Ok(()) => report.imported += 1,
            Err(message) => report.errors.push(RowError {
                row: i + 1,
                message,
            }),
        }
    }
    Ok(Json(report))
}

async fn store(
    state: &ServerState,
    caller: &Caller,
    region: &Arc<crate::store::Region>,
    entry: ImportEntry,
) -> Result<(), String> {
    if entry.key.is_empty() {
        return Err("key must not be empty".into());
    }
    if entry.ttl == Some(0) {
        return Err("ttl must be at least 1 second".into());
    }
    let command = match &entry.value {
        JsonValue::Object(_) | JsonValue::Array(_) => {
            let mut c = args!["JSET", entry.key, entry.value.to_string()];
            if let Some(ttl) = entry.ttl {
                c.extend(args!["$", ttl.to_string()]);
            }
            c
        }
        other => {
            let value = stored_text(other).map_err(|e| e.message)?;
            let mut c = args!["SET", entry.key, value];
            if let Some(ttl) = entry.ttl {
                c.extend(args!["EX", ttl.to_string()]);
            }
            c
        }
    };
    caller
        .run(state, region, command)
        .await
        .map(|_| ())
        .map_err(|e| e.message)
}

/// Export filter.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Glob pattern (default `*`).
    pub pattern: Option<String>,
}

/// Streams the region's entries as NDJSON lines `{"key","type","value","ttl"}`.
#[utoipa::path(get, path = "/cache/{region}/export", tag = "cache", params(RegionOnly, ExportQuery),
    responses((status = 200, content_type = "application/x-ndjson", body = String), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn export(
    State(state): State<Arc<ServerState>>,
    caller: Caller,
    ApiPath(p): ApiPath<RegionOnly>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let region = existing_region(&state, &p.region)?;
    let pattern = q.pattern.unwrap_or_else(|| "*".into());
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let mut cursor = Bytes::from_static(b"0");
        loop {
            let page = match caller
                .run(
                    &state,
                    &region,
                    vec![
                        Bytes::from_static(b"SCAN"),
                        cursor.clone(),
                        Bytes::from_static(b"MATCH"),
                        Bytes::from(pattern.clone()),
                        Bytes::from_static(b"COUNT"),
                        Bytes::from_static(b"500"),
                    ],
                )
                .await
            {
                Ok(Frame::Array(parts)) => parts,
                _ => break,
            };
            let mut chunk = Vec::new();
            if let Some(Frame::Array(keys)) = page.get(1) {
                for key in keys.iter().filter_map(text) {
                    // A key may expire or go between SCAN and the read: skip it.
                    if let Ok(Some(entry)) = read_entry(&state, &caller, &region, &key).await
                        && let Ok(line) = serde_json::to_vec(&entry)
                    {
                        chunk.extend_from_slice(&line);
                        chunk.push(b'\n');
                    }
                }
            }
            if !chunk.is_empty() && tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                return; // the client went away
            }
            match page.first().and_then(text) {
                Some(next) if next != "0" => cursor = Bytes::from(next),
                _ => break,
            }
        }
    });
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response())
}
