//! The `/api/v1` routes of SPEC §6. Every route that touches data runs RESP commands through the
//! one dispatcher (`Caller::run`), so permissions, types, TTL rules and errors are those of RESP.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use kuber_protocol::Frame;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as JsonValue, json};
use utoipa::{IntoParams, ToSchema};

use super::caller::Caller;
use super::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody, whole};
use crate::args;
use crate::state::ServerState;
use crate::store::Region;

type AppState = State<Arc<ServerState>>;

/// A region that must exist (reads).
pub(super) fn existing_region(state: &ServerState, name: &str) -> ApiResult<Arc<Region>> {
    state
        .store
        .region(name)
        .ok_or_else(|| ApiError::not_found(format!("region '{name}' does not exist")))
}

/// A region for a write: created on first use when the caller may write (as `RSELECT` does).
pub(super) fn writable_region(
    state: &ServerState,
    caller: &Caller,
    name: &str,
) -> ApiResult<Arc<Region>> {
    if !caller.can_write() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            format!("user {} may not write", caller.identity.username),
        ));
    }
    state
        .store
        .get_or_create(name)
        .map_err(|e| ApiError::bad_request(e.to_string()))
}

/// Text of a bulk reply (lossy for non-UTF-8 bytes).
pub(super) fn text(frame: &Frame) -> Option<String> {
    match frame {
        Frame::Bulk(b) | Frame::Simple(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Frame::Verbatim { text, .. } => Some(String::from_utf8_lossy(text).into_owned()),
        _ => None,
    }
}

/// A reply as JSON: bulk strings as strings, arrays as arrays, maps as objects.
pub(super) fn frame_json(frame: &Frame) -> JsonValue {
    match frame {
        Frame::Simple(b) | Frame::Bulk(b) | Frame::BigNumber(b) | Frame::Error(b) => {
            JsonValue::String(String::from_utf8_lossy(b).into_owned())
        }
        Frame::Verbatim { text, .. } => {
            JsonValue::String(String::from_utf8_lossy(text).into_owned())
        }
        Frame::Integer(i) => json!(i),
        Frame::Double(d) => json!(d),
        Frame::Boolean(b) => json!(b),
        Frame::Null | Frame::NullArray => JsonValue::Null,
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            JsonValue::Array(items.iter().map(frame_json).collect())
        }
        Frame::Map(pairs) => JsonValue::Object(
            pairs
                .iter()
                .map(|(k, v)| (text(k).unwrap_or_default(), frame_json(v)))
                .collect(),
        ),
    }
}

/// XRANGE's entries as `[{"id": "1-0", "fields": {"f": "v"}}]` (a repeated field keeps its last
/// value).
fn stream_json(entries: &Frame) -> JsonValue {
    let Frame::Array(entries) = entries else {
        return JsonValue::Array(Vec::new());
    };
    let entry = |e: &Frame| {
        let Frame::Array(parts) = e else {
            return JsonValue::Null;
        };
        let fields: serde_json::Map<String, JsonValue> = match parts.get(1) {
            Some(Frame::Array(flat)) => flat
                .chunks(2)
                .map(|p| {
                    (
                        p.first().and_then(text).unwrap_or_default(),
                        p.get(1).map_or(JsonValue::Null, frame_json),
                    )
                })
                .collect(),
            _ => serde_json::Map::new(),
        };
        json!({"id": parts.first().and_then(text), "fields": fields})
    };
    JsonValue::Array(entries.iter().map(entry).collect())
}

fn integer(frame: &Frame) -> i64 {
    match frame {
        Frame::Integer(i) => *i,
        _ => 0,
    }
}

// ----- system -------------------------------------------------------------------------------

/// `GET /ping` answer.
#[derive(Serialize, ToSchema)]
pub struct Pong {
    /// Always `true`.
    pub pong: bool,
}

/// Liveness without authentication.
#[utoipa::path(get, path = "/ping", tag = "system", security(()), responses((status = 200, body = Pong)))]
pub async fn ping() -> Json<Pong> {
    Json(Pong { pong: true })
}

/// `INFO` as `{section: {field: value}}`.
#[utoipa::path(get, path = "/info", tag = "system",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)))]
pub async fn info(State(state): AppState, caller: Caller) -> ApiResult<Json<JsonValue>> {
    let reply = caller
        .run(
            &state,
            &state.store.default_region(),
            args!["INFO", "everything"],
        )
        .await?;
    let mut sections = Map::new();
    let mut current = Map::new();
    let mut name = String::from("server");
    for line in text(&reply).unwrap_or_default().lines() {
        if let Some(section) = line.strip_prefix("# ") {
            if !current.is_empty() {
                sections.insert(
                    name.clone(),
                    JsonValue::Object(std::mem::take(&mut current)),
                );
            }
            name = section.trim().to_ascii_lowercase();
        } else if let Some((k, v)) = line.split_once(':') {
            current.insert(k.to_owned(), JsonValue::String(v.trim().to_owned()));
        }
    }
    if !current.is_empty() {
        sections.insert(name, JsonValue::Object(current));
    }
    Ok(Json(JsonValue::Object(sections)))
}

/// Readiness and health (`STATUS`): 200 when serving, 503 while shutting down.
#[utoipa::path(get, path = "/status", tag = "system",
    responses((status = 200, body = Object), (status = 503, body = Object), (status = 401, body = ErrorBody)))]
pub async fn status(State(state): AppState, caller: Caller) -> ApiResult<Response> {
    let reply = caller
        .run(&state, &state.store.default_region(), args!["STATUS"])
        .await?;
    let doc: JsonValue = serde_json::from_str(&text(&reply).unwrap_or_default())
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", e.to_string()))?;
    let ready = doc["status"] == "ok";
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Ok((code, Json(doc)).into_response())
}

/// Statistics per region.
#[utoipa::path(get, path = "/stats", tag = "system",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)))]
pub async fn stats(State(state): AppState, _caller: Caller) -> Json<JsonValue> {
    let regions: Vec<JsonValue> = state
        .store
        .regions()
        .iter()
        .map(|r| r.info_json())
        .collect();
    Json(json!({
        "regions": regions,
        "clients": state.clients.len(),
        "usedMemory": state.store.used_memory(),
        "uptimeSeconds": state.started.elapsed().as_secs(),
    }))
}

// ----- regions ------------------------------------------------------------------------------

/// A region's settings and statistics, as `RINFO` gives them.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionInfo {
    /// Name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Default TTL in seconds (0 = none).
    pub default_ttl: u64,
    /// Entry limit (0 = none).
    pub max_entries: u64,
    /// Keys now.
    pub entries: u64,
    /// Bytes counted.
    pub memory_bytes: u64,
    /// Hit/miss/set/delete/expired/evicted counters.
    pub stats: JsonValue,
    /// Creation time, ms since the epoch.
    pub created_at: u64,
}

fn region_info(region: &Region) -> JsonValue {
    region.info_json()
}

/// All regions.
#[utoipa::path(get, path = "/regions", tag = "regions",
    responses((status = 200, body = [RegionInfo]), (status = 401, body = ErrorBody)))]
pub async fn list_regions(State(state): AppState, _caller: Caller) -> Json<Vec<JsonValue>> {
    let mut regions = state.store.regions();
    regions.sort_by(|a, b| a.name().cmp(b.name()));
    Json(regions.iter().map(|r| region_info(r)).collect())
}

/// Path of one region.
#[derive(Deserialize, IntoParams)]
pub struct RegionPath {
    /// Region name.
    #[param(pattern = r"^[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*$", max_length = 64)]
    pub name: String,
}

/// One region.
#[utoipa::path(get, path = "/regions/{name}", tag = "regions", params(RegionPath),
    responses((status = 200, body = RegionInfo), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn get_region(
    State(state): AppState,
    _caller: Caller,
    ApiPath(p): ApiPath<RegionPath>,
) -> ApiResult<Json<JsonValue>> {
    Ok(Json(region_info(&*existing_region(&state, &p.name)?)))
}

/// `POST /regions` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRegion {
    /// 1–64 characters of `[A-Za-z0-9_]` with at least one letter.
    #[schema(pattern = r"^[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*$", max_length = 64)]
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Default TTL in seconds.
    #[serde(default, deserialize_with = "whole::opt_u64")]
    #[schema(minimum = 0)]
    pub default_ttl: Option<u64>,
    /// Entry limit.
    #[serde(default, deserialize_with = "whole::opt_u64")]
    #[schema(minimum = 0)]
    pub max_entries: Option<u64>,
}

/// Creates a region.
#[utoipa::path(post, path = "/regions", tag = "regions", request_body = CreateRegion,
    responses((status = 201, body = RegionInfo), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_region(
    State(state): AppState,
    caller: Caller,
    ApiJson(body): ApiJson<CreateRegion>,
) -> ApiResult<Response> {
    let mut command = args!["RCREATE", body.name];
    if let Some(d) = &body.description {
        command.push(Bytes::from(d.clone()));
    }
    if let Some(ttl) = body.default_ttl {
        command.extend(args!["TTL", ttl.to_string()]);
    }
    if let Some(max) = body.max_entries {
        command.extend(args!["MAXENTRIES", max.to_string()]);
    }
    caller
        .run(&state, &state.store.default_region(), command)
        .await?;
    let region = existing_region(&state, &body.name)?;
    Ok((StatusCode::CREATED, Json(region_info(&region))).into_response())
}

/// `{"name","deleted"}` / `{"name","purged"}`.
#[derive(Serialize, ToSchema)]
pub struct RegionDone {
    /// Region name.
    pub name: String,
    /// True.
    pub done: bool,
}

/// Drops a region and its keys.
#[utoipa::path(delete, path = "/regions/{name}", tag = "regions", params(RegionPath),
    responses((status = 200, body = RegionDone), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn delete_region(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<RegionPath>,
) -> ApiResult<Json<RegionDone>> {
    region_command(&state, &caller, "RDROP", p.name).await
}

/// Removes every key of a region, keeping the region.
#[utoipa::path(post, path = "/regions/{name}/purge", tag = "regions", params(RegionPath),
    responses((status = 200, body = RegionDone), (status = 404, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn purge_region(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<RegionPath>,
) -> ApiResult<Json<RegionDone>> {
    region_command(&state, &caller, "RPURGE", p.name).await
}

/// Runs a region administration command (`RDROP`, `RPURGE`) on region `name`.
async fn region_command(
    state: &ServerState,
    caller: &Caller,
    command: &str,
    name: String,
) -> ApiResult<Json<RegionDone>> {
    caller
        .run(state, &state.store.default_region(), args![command, name])
        .await?;
    Ok(Json(RegionDone { name, done: true }))
}

// ----- keys ---------------------------------------------------------------------------------

/// Path of one key.
#[derive(Deserialize, IntoParams)]
pub struct KeyPath {
    /// Region name.
    #[param(pattern = r"^[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*$", max_length = 64)]
    pub region: String,
    /// Key (percent-encoded in the URL).
    pub key: String,
}

/// An entry: value shaped by type (string → string, hash → object, list/set → array,
/// zset → array of `{member, score}`, json → the document).
#[derive(Serialize, ToSchema)]
pub struct EntryView {
    /// The key.
    pub key: String,
    /// The value.
    pub value: JsonValue,
    /// `string`, `hash`, `list`, `set`, `zset`, `stream` or `json`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Seconds to live, -1 for none.
    pub ttl: i64,
}

/// Reads a key's type, value and TTL (`None` when missing).
pub(super) async fn read_entry(
    state: &ServerState,
    caller: &Caller,
    region: &Arc<Region>,
    key: &str,
) -> ApiResult<Option<EntryView>> {
    let kind = text(&caller.run(state, region, args!["TYPE", key]).await?).unwrap_or_default();
    let value = match kind.as_str() {
        "none" => return Ok(None),
        "string" => frame_json(&caller.run(state, region, args!["GET", key]).await?),
        "hash" => frame_json(&caller.run(state, region, args!["HGETALL", key]).await?),
        "list" => frame_json(
            &caller
                .run(state, region, args!["LRANGE", key, "0", "-1"])
                .await?,
        ),
        "set" => {
            let mut members = frame_json(&caller.run(state, region, args!["SMEMBERS", key]).await?);
            if let JsonValue::Array(items) = &mut members {
                items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            }
            members
        }
        "zset" => {
            let flat = caller
                .run(state, region, args!["ZRANGE", key, "0", "-1", "WITHSCORES"])
                .await?;
            let items = match flat {
                Frame::Array(items) => items,
                _ => Vec::new(),
            };
            JsonValue::Array(
                items
                    .chunks(2)
                    .map(|pair| {
                        let score = pair
                            .get(1)
                            .and_then(text)
                            .and_then(|s| s.parse::<f64>().ok());
                        json!({"member": pair.first().and_then(text), "score": score})
                    })
                    .collect(),
            )
        }
        "stream" => stream_json(
            &caller
                .run(state, region, args!["XRANGE", key, "-", "+"])
                .await?,
        ),
        "json" => {
            let doc =
                text(&caller.run(state, region, args!["JGET", key]).await?).unwrap_or_default();
            serde_json::from_str(&doc).unwrap_or(JsonValue::Null)
        }
        other => JsonValue::String(format!("<{other}>")),
    };
    let ttl = integer(&caller.run(state, region, args!["TTL", key]).await?);
    Ok(Some(EntryView {
        key: key.to_owned(),
        value,
        kind,
        ttl,
    }))
}

/// One entry.
#[utoipa::path(get, path = "/cache/{region}/{key}", tag = "cache", params(KeyPath),
    responses((status = 200, body = EntryView), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn get_entry(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<KeyPath>,
) -> ApiResult<Json<EntryView>> {
    let region = existing_region(&state, &p.region)?;
    read_entry(&state, &caller, &region, &p.key)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no key '{}' in region '{}'", p.key, p.region)))
}

/// `PUT` body: a string value (other JSON scalars are stored as their JSON text), optional TTL.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutEntry {
    /// The value.
    pub value: JsonValue,
    /// Seconds to live.
    #[serde(default, deserialize_with = "whole::opt_u64")]
    #[schema(minimum = 1)]
    pub ttl: Option<u64>,
}

/// Text stored for a JSON value given to a string route.
pub(super) fn stored_text(value: &JsonValue) -> ApiResult<String> {
    match value {
        JsonValue::String(s) => Ok(s.clone()),
        JsonValue::Number(_) | JsonValue::Bool(_) => Ok(value.to_string()),
        JsonValue::Null | JsonValue::Array(_) | JsonValue::Object(_) => Err(ApiError::bad_request(
            "value must be a string, number or boolean (store documents under /json)",
        )),
    }
}

fn ttl_arg(ttl: Option<u64>) -> ApiResult<Option<u64>> {
    match ttl {
        Some(0) => Err(ApiError::bad_request("ttl must be at least 1 second")),
        other => Ok(other),
    }
}

/// Stores a string.
#[utoipa::path(put, path = "/cache/{region}/{key}", tag = "cache", params(KeyPath), request_body = PutEntry,
    responses((status = 200, body = EntryView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn put_entry(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<KeyPath>,
    ApiJson(body): ApiJson<PutEntry>,
) -> ApiResult<Json<EntryView>> {
    let region = writable_region(&state, &caller, &p.region)?;
    let value = stored_text(&body.value)?;
    let mut command = args!["SET", p.key, value];
    if let Some(ttl) = ttl_arg(body.ttl)? {
        command.extend(args!["EX", ttl.to_string()]);
    }
    caller.run(&state, &region, command).await?;
    let ttl = integer(&caller.run(&state, &region, args!["TTL", p.key]).await?);
    Ok(Json(EntryView {
        key: p.key,
        value: JsonValue::String(value),
        kind: "string".into(),
        ttl,
    }))
}

/// `{"key","deleted"}`.
#[derive(Serialize, ToSchema)]
pub struct Deleted {
    /// The key.
    pub key: String,
    /// Whether it existed.
    pub deleted: bool,
}

/// Deletes a key of any type.
#[utoipa::path(delete, path = "/cache/{region}/{key}", tag = "cache", params(KeyPath),
    responses((status = 200, body = Deleted), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn delete_entry(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<KeyPath>,
) -> ApiResult<Json<Deleted>> {
    let region = existing_region(&state, &p.region)?;
    let n = integer(&caller.run(&state, &region, args!["DEL", p.key]).await?);
    Ok(Json(Deleted {
        key: p.key,
        deleted: n > 0,
    }))
}

/// Key listing query.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeysQuery {
    /// Glob pattern (default `*`).
    pub pattern: Option<String>,
    /// Cursor from the previous page (default `0`).
    pub cursor: Option<String>,
    /// Keys to look at per page (default 100).
    #[param(minimum = 1, maximum = 100000)]
    pub count: Option<u32>,
    /// Also give each key's type and TTL (the console's key browser shows them).
    pub details: Option<bool>,
}

/// Path of a region's collection routes.
#[derive(Deserialize, IntoParams)]
pub struct RegionOnly {
    /// Region name.
    #[param(pattern = r"^[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*$", max_length = 64)]
    pub region: String,
}

/// A page of keys.
#[derive(Serialize, ToSchema)]
pub struct KeysPage {
    /// Keys of this page.
    pub keys: Vec<String>,
    /// Next cursor; `0` when done.
    pub cursor: String,
    /// Type and TTL of each key, when `details=true` was asked for (keys that vanished between
    /// the scan and the lookup are left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<KeyMeta>>,
}

/// A key's type and TTL.
#[derive(Serialize, ToSchema)]
pub struct KeyMeta {
    /// The key.
    pub key: String,
    /// `string`, `hash`, `list`, `set`, `zset`, `stream` or `json`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Seconds to live, -1 for none.
    pub ttl: i64,
}

/// Lists keys by cursor pages (SCAN).
#[utoipa::path(get, path = "/cache/{region}/keys", tag = "cache", params(RegionOnly, KeysQuery),
    responses((status = 200, body = KeysPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_keys(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<RegionOnly>,
    ApiQuery(q): ApiQuery<KeysQuery>,
) -> ApiResult<Json<KeysPage>> {
    let region = existing_region(&state, &p.region)?;
    let count = q.count.unwrap_or(100);
    if count == 0 || count > 100_000 {
        return Err(ApiError::bad_request("count must be between 1 and 100000"));
    }
    let reply = caller
        .run(
            &state,
            &region,
            args![
                "SCAN",
                q.cursor.unwrap_or_else(|| "0".into()),
                "MATCH",
                q.pattern.unwrap_or_else(|| "*".into()),
                "COUNT",
                count.to_string()
            ],
        )
        .await?;
    let Frame::Array(parts) = reply else {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "unexpected SCAN reply",
        ));
    };
    let cursor = parts.first().and_then(text).unwrap_or_else(|| "0".into());
    let keys: Vec<String> = match parts.get(1) {
        Some(Frame::Array(keys)) => keys.iter().filter_map(text).collect(),
        _ => Vec::new(),
    };
    let details = if q.details == Some(true) {
        let mut metas = Vec::with_capacity(keys.len());
        for key in &keys {
            let kind =
                text(&caller.run(&state, &region, args!["TYPE", key]).await?).unwrap_or_default();
            let ttl = integer(&caller.run(&state, &region, args!["TTL", key]).await?);
            if kind != "none" && ttl != -2 {
                metas.push(KeyMeta {
                    key: key.clone(),
                    kind,
                    ttl,
                });
            }
        }
        Some(metas)
    } else {
        None
    };
    Ok(Json(KeysPage {
        keys,
        cursor,
        details,
    }))
}

/// `POST mget` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MgetRequest {
    /// Keys to read.
    #[schema(min_items = 1)]
    pub keys: Vec<String>,
}

/// `POST mget` answer.
#[derive(Serialize, ToSchema)]
pub struct MgetReply {
    /// Values in key order; null for missing or non-string keys.
    pub values: Vec<Option<String>>,
}

/// Reads several string keys.
#[utoipa::path(post, path = "/cache/{region}/mget", tag = "cache", params(RegionOnly), request_body = MgetRequest,
    responses((status = 200, body = MgetReply), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn mget(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<RegionOnly>,
    ApiJson(body): ApiJson<MgetRequest>,
) -> ApiResult<Json<MgetReply>> {
    let region = existing_region(&state, &p.region)?;
    if body.keys.is_empty() {
        return Err(ApiError::bad_request("keys must not be empty"));
    }
    let mut command = args!["MGET"];
    command.extend(body.keys.iter().map(|k| Bytes::from(k.clone())));
    let values = match caller.run(&state, &region, command).await? {
        Frame::Array(items) => items.iter().map(text).collect(),
        _ => Vec::new(),
    };
    Ok(Json(MgetReply { values }))
}

/// `POST mset` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MsetRequest {
    /// key → value.
    pub entries: Map<String, JsonValue>,
    /// Seconds to live for all of them.
    #[serde(default, deserialize_with = "whole::opt_u64")]
    #[schema(minimum = 1)]
    pub ttl: Option<u64>,
}

/// `POST mset` answer.
#[derive(Serialize, ToSchema)]
pub struct MsetReply {
    /// Keys written.
    pub stored: usize,
}

/// Writes several string keys at once (atomically, in one transaction).
#[utoipa::path(post, path = "/cache/{region}/mset", tag = "cache", params(RegionOnly), request_body = MsetRequest,
    responses((status = 200, body = MsetReply), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn mset(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<RegionOnly>,
    ApiJson(body): ApiJson<MsetRequest>,
) -> ApiResult<Json<MsetReply>> {
    let region = writable_region(&state, &caller, &p.region)?;
    if body.entries.is_empty() {
        return Err(ApiError::bad_request("entries must not be empty"));
    }
    let ttl = ttl_arg(body.ttl)?;
    let mut pairs = Vec::with_capacity(body.entries.len());
    for (k, v) in &body.entries {
        pairs.push((k.clone(), stored_text(v)?));
    }
    match ttl {
        None => {
            let mut command = args!["MSET"];
            for (k, v) in &pairs {
                command.extend(args![k, v]);
            }
            caller.run(&state, &region, command).await?;
        }
        Some(ttl) => {
            // One SET … EX per key; a failure part-way leaves the earlier keys written, which the
            // answer's error says nothing about, so validate everything before the first write.
            for (k, v) in &pairs {
                caller
                    .run(&state, &region, args!["SET", k, v, "EX", ttl.to_string()])
                    .await?;
            }
        }
    }
    Ok(Json(MsetReply {
        stored: pairs.len(),
    }))
}

/// `{"key","ttl"}`.
#[derive(Serialize, ToSchema)]
pub struct TtlView {
    /// The key.
    pub key: String,
    /// Seconds to live, -1 for none.
    pub ttl: i64,
}

async fn ttl_of(
    state: &ServerState,
    caller: &Caller,
    region: &Arc<Region>,
    key: &str,
) -> ApiResult<Json<TtlView>> {
    match integer(&caller.run(state, region, args!["TTL", key]).await?) {
        -2 => Err(ApiError::not_found(format!("no key '{key}'"))),
        ttl => Ok(Json(TtlView {
            key: key.to_owned(),
            ttl,
        })),
    }
}

/// A key's TTL.
#[utoipa::path(get, path = "/cache/{region}/{key}/ttl", tag = "cache", params(KeyPath),
    responses((status = 200, body = TtlView), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn get_ttl(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<KeyPath>,
) -> ApiResult<Json<TtlView>> {
    let region = existing_region(&state, &p.region)?;
    ttl_of(&state, &caller, &region, &p.key).await
}

/// `POST expire` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpireRequest {
    /// Seconds from now.
    #[serde(deserialize_with = "whole::u64")]
    #[schema(minimum = 1)]
    pub seconds: u64,
}

/// Sets a key's TTL.
#[utoipa::path(post, path = "/cache/{region}/{key}/expire", tag = "cache", params(KeyPath), request_body = ExpireRequest,
    responses((status = 200, body = TtlView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn expire(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<KeyPath>,
    ApiJson(body): ApiJson<ExpireRequest>,
) -> ApiResult<Json<TtlView>> {
    let region = existing_region(&state, &p.region)?;
    if body.seconds == 0 {
        return Err(ApiError::bad_request("seconds must be at least 1"));
    }
    if integer(
        &caller
            .run(
                &state,
                &region,
                args!["EXPIRE", p.key, body.seconds.to_string()],
            )
            .await?,
    ) == 0
    {
        return Err(ApiError::not_found(format!("no key '{}'", p.key)));
    }
    ttl_of(&state, &caller, &region, &p.key).await
}

/// Removes a key's TTL.
#[utoipa::path(delete, path = "/cache/{region}/{key}/expire", tag = "cache", params(KeyPath),
    responses((status = 200, body = TtlView), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn persist(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<KeyPath>,
) -> ApiResult<Json<TtlView>> {
    let region = existing_region(&state, &p.region)?;
    caller.run(&state, &region, args!["PERSIST", p.key]).await?;
    ttl_of(&state, &caller, &region, &p.key).await
}

// ----- hashes -------------------------------------------------------------------------------

/// Path of one hash field.
#[derive(Deserialize, IntoParams)]
pub struct FieldPath {
    /// Region name.
    #[param(pattern = r"^[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*$", max_length = 64)]
    pub region: String,
    /// Key.
    pub key: String,
    /// Field.
    pub field: String,
}

/// All fields of a hash.
#[utoipa::path(get, path = "/cache/{region}/{key}/hash", tag = "hash", params(KeyPath),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn hash_all(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<KeyPath>,
) -> ApiResult<Json<JsonValue>> {
    let region = existing_region(&state, &p.region)?;
    let all = frame_json(&caller.run(&state, &region, args!["HGETALL", p.key]).await?);
    match &all {
        JsonValue::Object(map) if map.is_empty() => {
            Err(ApiError::not_found(format!("no hash '{}'", p.key)))
        }
        JsonValue::Array(items) if items.is_empty() => {
            Err(ApiError::not_found(format!("no hash '{}'", p.key)))
        }
        JsonValue::Array(items) => Ok(Json(JsonValue::Object(
            items
                .chunks(2)
                .map(|kv| {
                    (
                        kv[0].as_str().unwrap_or_default().to_owned(),
                        kv.get(1).cloned().unwrap_or(JsonValue::Null),
                    )
                })
                .collect(),
        ))),
        _ => Ok(Json(all)),
    }
}

/// `{"field","value"}`.
#[derive(Serialize, ToSchema)]
pub struct FieldView {
    /// Field name.
    pub field: String,
    /// Its value.
    pub value: String,
}

/// One field of a hash.
#[utoipa::path(get, path = "/cache/{region}/{key}/hash/{field}", tag = "hash", params(FieldPath),
    responses((status = 200, body = FieldView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn hash_get(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<FieldPath>,
) -> ApiResult<Json<FieldView>> {
    let region = existing_region(&state, &p.region)?;
    match text(
        &caller
            .run(&state, &region, args!["HGET", p.key, p.field])
            .await?,
    ) {
        Some(value) => Ok(Json(FieldView {
            field: p.field,
            value,
        })),
        None => Err(ApiError::not_found(format!(
            "no field '{}' in '{}'",
            p.field, p.key
        ))),
    }
}

/// `PUT` body of a hash field.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutField {
    /// The value (numbers and booleans are stored as their JSON text).
    pub value: JsonValue,
}

/// Sets one field of a hash.
#[utoipa::path(put, path = "/cache/{region}/{key}/hash/{field}", tag = "hash", params(FieldPath), request_body = PutField,
    responses((status = 200, body = FieldView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn hash_put(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<FieldPath>,
    ApiJson(body): ApiJson<PutField>,
) -> ApiResult<Json<FieldView>> {
    let region = writable_region(&state, &caller, &p.region)?;
    let value = stored_text(&body.value)?;
    caller
        .run(&state, &region, args!["HSET", p.key, p.field, value])
        .await?;
    Ok(Json(FieldView {
        field: p.field,
        value,
    }))
}

/// `{"field","deleted"}`.
#[derive(Serialize, ToSchema)]
pub struct FieldDeleted {
    /// Field name.
    pub field: String,
    /// Whether it existed.
    pub deleted: bool,
}

/// Deletes one field of a hash.
#[utoipa::path(delete, path = "/cache/{region}/{key}/hash/{field}", tag = "hash", params(FieldPath),
    responses((status = 200, body = FieldDeleted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn hash_delete(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<FieldPath>,
) -> ApiResult<Json<FieldDeleted>> {
    let region = existing_region(&state, &p.region)?;
    let n = integer(
        &caller
            .run(&state, &region, args!["HDEL", p.key, p.field])
            .await?,
    );
    Ok(Json(FieldDeleted {
        field: p.field,
        deleted: n > 0,
    }))
}

// ----- JSON documents -----------------------------------------------------------------------

/// Optional JSONPath.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JsonPathQuery {
    /// JSONPath (default `$`, the whole document).
    pub path: Option<String>,
}

fn raw_json(text: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// A document, or the value(s) at a path, as raw JSON.
#[utoipa::path(get, path = "/json/{region}/{key}", tag = "json", params(KeyPath, JsonPathQuery),
    responses((status = 200, body = serde_json::Value, description = "the JSON value"), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn json_get(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<KeyPath>,
    ApiQuery(q): ApiQuery<JsonPathQuery>,
) -> ApiResult<Response> {
    let region = existing_region(&state, &p.region)?;
    let mut command = args!["JGET", p.key];
    if let Some(path) = q.path {
        command.push(Bytes::from(path));
    }
    match text(&caller.run(&state, &region, command).await?) {
        Some(doc) => Ok(raw_json(doc)),
        None => Err(ApiError::not_found(format!(
            "no document or path at '{}'",
            p.key
        ))),
    }
}

/// `PUT /json` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutDocument {
    /// Any JSON value.
    pub value: JsonValue,
    /// Seconds to live.
    #[serde(default, deserialize_with = "whole::opt_u64")]
    #[schema(minimum = 1)]
    pub ttl: Option<u64>,
}

/// Stores a document.
#[utoipa::path(put, path = "/json/{region}/{key}", tag = "json", params(KeyPath), request_body = PutDocument,
    responses((status = 200, body = serde_json::Value, description = "the stored document"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn json_put(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<KeyPath>,
    ApiJson(body): ApiJson<PutDocument>,
) -> ApiResult<Response> {
    let region = writable_region(&state, &caller, &p.region)?;
    let text_doc = body.value.to_string();
    let mut command = args!["JSET", p.key, text_doc];
    if let Some(ttl) = ttl_arg(body.ttl)? {
        command.extend(args!["$", ttl.to_string()]);
    }
    caller.run(&state, &region, command).await?;
    Ok(raw_json(text_doc))
}

/// Deep-merges JSON into a document (JUPDATE) and answers the result.
#[utoipa::path(patch, path = "/json/{region}/{key}", tag = "json", params(KeyPath), request_body = serde_json::Value,
    responses((status = 200, body = serde_json::Value, description = "the merged document"), (status = 400, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn json_patch(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<KeyPath>,
    ApiJson(patch): ApiJson<JsonValue>,
) -> ApiResult<Response> {
    let region = writable_region(&state, &caller, &p.region)?;
    let merged = caller
        .run(&state, &region, args!["JUPDATE", p.key, patch.to_string()])
        .await?;
    Ok(raw_json(text(&merged).unwrap_or_default()))
}

/// Deletes a document, or the part of it at `path`.
#[utoipa::path(delete, path = "/json/{region}/{key}", tag = "json", params(KeyPath, JsonPathQuery),
    responses((status = 200, body = Deleted), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn json_delete(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<KeyPath>,
    ApiQuery(q): ApiQuery<JsonPathQuery>,
) -> ApiResult<Json<Deleted>> {
    let region = existing_region(&state, &p.region)?;
    let mut command = args!["JDEL", p.key];
    if let Some(path) = q.path {
        command.push(Bytes::from(path));
    }
    let n = integer(&caller.run(&state, &region, command).await?);
    Ok(Json(Deleted {
        key: p.key,
        deleted: n > 0,
    }))
}

/// `POST /json/{region}/search` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// Query in the JSEARCH language.
    pub query: String,
    /// Results per page (default 1000).
    #[serde(default, deserialize_with = "whole::opt_u32")]
    #[schema(minimum = 1, maximum = 100000)]
    pub limit: Option<u32>,
    /// Cursor from the previous page (`0` or absent for the first).
    #[serde(default)]
    pub cursor: Option<String>,
    /// Also return the query plan (`JSEARCH … EXPLAIN`).
    #[serde(default)]
    pub explain: Option<bool>,
}

/// One search result.
#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    /// The key.
    pub key: String,
    /// The document.
    pub value: JsonValue,
}

/// A page of search results.
#[derive(Serialize, ToSchema)]
pub struct SearchPage {
    /// Matches in key order.
    pub results: Vec<SearchHit>,
    /// Cursor for the next page; `0` when done.
    pub cursor: String,
    /// The plan, one step per line, when `explain` was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Vec<String>>,
}

/// Runs a JSEARCH query over the region's documents, by pages.
#[utoipa::path(post, path = "/json/{region}/search", tag = "json", params(RegionOnly), request_body = SearchRequest,
    responses((status = 200, body = SearchPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn json_search(
    State(state): AppState,
    caller: Caller,
    ApiPath(p): ApiPath<RegionOnly>,
    ApiJson(body): ApiJson<SearchRequest>,
) -> ApiResult<Json<SearchPage>> {
    let region = existing_region(&state, &p.region)?;
    let limit = body.limit.unwrap_or(1000);
    if limit == 0 || limit > 100_000 {
        return Err(ApiError::bad_request("limit must be between 1 and 100000"));
    }
    let cursor = body.cursor.unwrap_or_else(|| "0".into());
    let plan = if body.explain == Some(true) {
        match caller
            .run(&state, &region, args!["JSEARCH", body.query, "EXPLAIN"])
            .await?
        {
            Frame::Array(lines) => Some(lines.iter().filter_map(text).collect()),
            _ => None,
        }
    } else {
        None
    };
    let reply = caller
        .run(
            &state,
            &region,
            args![
                "JSEARCH",
                body.query,
                "CURSOR",
                cursor,
                "LIMIT",
                limit.to_string()
            ],
        )
        .await?;
    let Frame::Array(parts) = reply else {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "unexpected JSEARCH reply",
        ));
    };
    let next = parts.first().and_then(text).unwrap_or_else(|| "0".into());
    let flat = match parts.get(1) {
        Some(Frame::Array(items)) => items.as_slice(),
        _ => &[],
    };
    let results = flat
        .chunks(2)
        .map(|pair| SearchHit {
            key: pair.first().and_then(text).unwrap_or_default(),
            value: pair
                .get(1)
                .and_then(text)
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or(JsonValue::Null),
        })
        .collect();
    Ok(Json(SearchPage {
        results,
        cursor: next,
        plan,
    }))
}
