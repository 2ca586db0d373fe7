//! JSON document commands (SPEC §5): JSET, JGET, JDEL, JUPDATE, JREMOVE, the JSEARCH query command,
//! KSEARCH and JINDEX. The document logic lives in `crate::json`; these handlers parse arguments,
//! take the region lock and shape replies.

use bytes::Bytes;
use kuber_protocol::Frame;
use regex::bytes::RegexBuilder;
use serde_json::Value as Json;

use super::Ctx;
use super::args::{int, is, text};
use super::region::store_error;
use super::reply::{self, err};
use super::table::Handler::Sync;
use super::table::{CommandSpec, DENY_OOM, FAST, KEY1, NOKEYS, READONLY, WRITE};
use crate::auth::Role;
use crate::json::index::IndexKind;
use crate::json::{self, DocPath, JsonDoc, JsonError, search};
use crate::query::{self, FieldPath};
use crate::store::{Keyspace, StoreError, Value};

/// This family's rows of the command table.
pub(super) static COMMANDS: &[CommandSpec] = &[
    cmd!(
        "jset",
        -3,
        WRITE | DENY_OOM,
        KEY1,
        "json",
        "Stores a JSON document, or sets the part of one at a path; optional TTL in seconds.",
        Sync(jset)
    ),
    cmd!(
        "jget",
        -2,
        READONLY | FAST,
        KEY1,
        "json",
        "Returns a JSON document, or the value(s) at a JSONPath.",
        Sync(jget)
    ),
    cmd!(
        "jdel",
        -2,
        WRITE,
        KEY1,
        "json",
        "Deletes a JSON document, or the part of one at a path.",
        Sync(jdel)
    ),
    cmd!(
        "jupdate",
        -3,
        WRITE | DENY_OOM,
        KEY1,
        "json",
        "Deep-merges JSON into a document and returns the result.",
        Sync(jupdate)
    ),
    cmd!(
        "jremove",
        -3,
        WRITE,
        KEY1,
        "json",
        "Removes top-level fields from a document and returns the result.",
        Sync(jremove)
    ),
    cmd!(
        "jsearch",
        -2,
        READONLY,
        NOKEYS,
        "json",
        "Finds the documents of the current region matching a query, in key order, by pages.",
        Sync(jsearch)
    ),
    cmd!(
        "ksearch",
        -2,
        READONLY,
        NOKEYS,
        "json",
        "Lists keys matching a regular expression, with type and TTL.",
        Sync(ksearch)
    ),
    // Subcommands decide: LIST is a read, CREATE and DROP need a role that may write.
    cmd!(
        "jindex",
        -2,
        0,
        NOKEYS,
        "json",
        "Creates, drops or lists secondary indexes over JSON documents.",
        Sync(jindex)
    ),
];

/// Results per JSEARCH page when no LIMIT is given.
const DEFAULT_LIMIT: usize = 1000;
/// Largest LIMIT accepted: a page is built in memory, so it stays bounded.
const MAX_LIMIT: usize = 100_000;
/// Compiled-program bound for KSEARCH expressions.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

fn json_error(e: JsonError) -> Frame {
    Frame::error(e.to_string())
}

fn default_expiry(ctx: &Ctx<'_>) -> Option<u64> {
    ctx.region()
        .default_ttl_ms()
        .map(|ttl| ctx.now.saturating_add(ttl))
}

fn max_document_bytes(ctx: &Ctx<'_>) -> usize {
    usize::try_from(ctx.state.config.kuber.cache.max_json_document_bytes).unwrap_or(usize::MAX)
}

/// A TTL argument in seconds: a positive integer.
fn ttl_ms(arg: &[u8], command: &str) -> Result<u64, Frame> {
    match int(arg)? {
        secs if secs > 0 => Ok((secs as u64).saturating_mul(1000)),
        _ => Err(reply::invalid_expire(command)),
    }
}

/// The document under `key`: `Ok(None)` when missing, WRONGTYPE for another type. Borrowed, so
/// that reads serialise in place; edits clone it.
fn doc_of<'a>(ks: &'a mut Keyspace, key: &[u8], now: u64) -> Result<Option<&'a JsonDoc>, Frame> {
    match ks.get_mut(key, now) {
        None => Ok(None),
        Some(entry) => match &entry.value {
            Value::Json(doc) => Ok(Some(doc)),
            _ => Err(err(reply::WRONGTYPE)),
        },
    }
}

/// The document under `key` as a value to edit (`None` when missing).
fn editable(ks: &mut Keyspace, key: &[u8], now: u64) -> Result<Option<Json>, Frame> {
    Ok(doc_of(ks, key, now)?.map(|doc| doc.value().clone()))
}

/// Stores an edited document: a new expiry when one is given, else the key keeps its own (a new
/// key gets the region default).
fn store(
    ctx: &Ctx<'_>,
    ks: &mut Keyspace,
    key: &[u8],
    doc: JsonDoc,
    existed: bool,
    ttl: Option<u64>,
) {
    let now = ctx.now;
    match ttl {
        Some(ms) => {
            ks.set(key, Value::Json(doc), Some(now.saturating_add(ms)), now);
        }
        None if existed => {
            ks.replace_value(key, Value::Json(doc), now);
        }
        None => {
            ks.set(key, Value::Json(doc), default_expiry(ctx), now);
        }
    }
}

fn definite(path: DocPath, command: &str) -> Result<Vec<query::Segment>, Frame> {
    match path {
        DocPath::Definite(segments) => Ok(segments),
        DocPath::General(p) => Err(json_error(JsonError::PathMismatch(format!(
            "{command} needs a path of fields and indexes, not '{p}'"
        )))),
    }
}

fn jset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    run(|| {
        let key = &args[1];
        let value = json::parse_value(&args[2], max_document_bytes(ctx)).map_err(json_error)?;
        let mut rest = &args[3..];
        let mut path = DocPath::Definite(Vec::new());
        if let Some(first) = rest.first()
            && !is(first, "EX")
        {
            path = DocPath::parse(first).map_err(json_error)?;
            rest = &rest[1..];
        }
        let ttl = match rest {
            [] => None,
            [ex, secs] if is(ex, "EX") => Some(ttl_ms(secs, "jset")?),
            [secs] => Some(ttl_ms(secs, "jset")?),
            _ => return Err(err(reply::SYNTAX)),
        };
        let segments = definite(path, "JSET")?;
        let region = ctx.session.region.clone();
        let mut ks = region.lock();
        if segments.is_empty() {
            // The whole document: like SET, it replaces whatever the key held.
            let doc = JsonDoc::new(value).map_err(json_error)?;
            let expires = ttl
                .map(|ms| ctx.now.saturating_add(ms))
                .or_else(|| default_expiry(ctx));
            ks.set(key, Value::Json(doc), expires, ctx.now);
            return Ok(Frame::ok());
        }
        let existing = editable(&mut ks, key, ctx.now)?;
        let existed = existing.is_some();
        let mut edited = existing.unwrap_or_else(|| Json::Object(Default::default()));
        json::set_at(&mut edited, &segments, value).map_err(json_error)?;
        let doc = JsonDoc::new(edited).map_err(json_error)?;
        store(ctx, &mut ks, key, doc, existed, ttl);
        Ok(Frame::ok())
    })
}

fn jget(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    run(|| {
        if args.len() > 3 {
            return Err(err(reply::SYNTAX));
        }
        let path = args
            .get(2)
            .map(|p| DocPath::parse(p))
            .transpose()
            .map_err(json_error)?;
        let region = ctx.session.region.clone();
        let mut ks = region.lock();
        let (hit, reply) = match doc_of(&mut ks, &args[1], ctx.now) {
            Err(wrong_type) => (true, Err(wrong_type)),
            Ok(None) => (false, Ok(Frame::Null)),
            Ok(Some(doc)) => (
                true,
                Ok(match path {
                    None => Frame::Bulk(doc.to_bytes()),
                    Some(path) => match json::read(doc.value(), &path) {
                        Some(value) => Frame::Bulk(json::to_bytes(&value)),
                        None => Frame::Null,
                    },
                }),
            ),
        };
        ks.record_read(hit);
        reply
    })
}

fn jdel(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    run(|| {
        if args.len() > 3 {
            return Err(err(reply::SYNTAX));
        }
        let path = match args.get(2) {
            Some(p) => definite(DocPath::parse(p).map_err(json_error)?, "JDEL")?,
            None => Vec::new(),
        };
        let key = &args[1];
        let region = ctx.session.region.clone();
        let mut ks = region.lock();
        if path.is_empty() {
            if doc_of(&mut ks, key, ctx.now)?.is_none() {
                return Ok(Frame::Integer(0));
            }
            ks.remove(key, ctx.now);
            return Ok(Frame::Integer(1));
        }
        let Some(mut edited) = editable(&mut ks, key, ctx.now)? else {
            return Ok(Frame::Integer(0));
        };
        if !json::remove_at(&mut edited, &path) {
            return Ok(Frame::Integer(0));
        }
        let doc = JsonDoc::new(edited).map_err(json_error)?;
        ks.replace_value(key, Value::Json(doc), ctx.now);
        Ok(Frame::Integer(1))
    })
}

fn jupdate(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    run(|| {
        let key = &args[1];
        let patch = json::parse_value(&args[2], max_document_bytes(ctx)).map_err(json_error)?;
        let ttl = match &args[3..] {
            [] => None,
            [ex, secs] if is(ex, "EX") => Some(ttl_ms(secs, "jupdate")?),
            _ => return Err(err(reply::SYNTAX)),
        };
        let region = ctx.session.region.clone();
        let mut ks = region.lock();
        let existing = editable(&mut ks, key, ctx.now)?;
        let existed = existing.is_some();
        let mut merged = existing.unwrap_or_else(|| Json::Object(Default::default()));
        json::deep_merge(&mut merged, patch);
        let doc = JsonDoc::new(merged).map_err(json_error)?;
        let text = doc.to_bytes();
        store(ctx, &mut ks, key, doc, existed, ttl);
        Ok(Frame::Bulk(text))
    })
}

fn jremove(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    run(|| {
        let key = &args[1];
        let region = ctx.session.region.clone();
        let mut ks = region.lock();
        let Some(mut edited) = editable(&mut ks, key, ctx.now)? else {
            return Ok(Frame::Null);
        };
        let removed = json::remove_fields(&mut edited, &args[2..]);
        let text = json::to_bytes(&edited);
        if removed > 0 {
            let doc = JsonDoc::new(edited).map_err(json_error)?;
            ks.replace_value(key, Value::Json(doc), ctx.now);
        }
        Ok(Frame::Bulk(text))
    })
}

/// What JSEARCH was asked for, options taken from the end so that an unquoted query split into
/// several arguments by redis-cli (`JSEARCH $.roles CONTAINS admin`) still reads as one query.
struct SearchArgs {
    query: String,
    limit: Option<usize>,
    cursor: Option<Bytes>,
    explain: bool,
}

fn search_args(args: &[Bytes]) -> Result<SearchArgs, Frame> {
    let mut end = args.len();
    let mut parsed = SearchArgs {
        query: String::new(),
        limit: None,
        cursor: None,
        explain: false,
    };
    loop {
        if end > 2 && is(&args[end - 1], "EXPLAIN") && !parsed.explain {
            parsed.explain = true;
            end -= 1;
        } else if end > 3 && is(&args[end - 2], "LIMIT") && parsed.limit.is_none() {
            let n = int(&args[end - 1])?;
            if n < 1 || n as usize > MAX_LIMIT {
                return Err(Frame::error(format!(
                    "ERR LIMIT must be between 1 and {MAX_LIMIT}"
                )));
            }
            parsed.limit = Some(n as usize);
            end -= 2;
        } else if end > 3 && is(&args[end - 2], "CURSOR") && parsed.cursor.is_none() {
            parsed.cursor = Some(args[end - 1].clone());
            end -= 2;
        } else {
            break;
        }
    }
    let words: Vec<String> = args[1..end].iter().map(text).collect();
    parsed.query = words.join(" ");
    Ok(parsed)
}

/// Cursors are the last key of the previous page in hex behind a `k`, so that no key can be
/// mistaken for the `0` that starts and ends a walk.
fn encode_cursor(key: &[u8]) -> Bytes {
    let mut out = String::with_capacity(1 + key.len() * 2);
    out.push('k');
    for b in key {
        out.push_str(&format!("{b:02x}"));
    }
    Bytes::from(out)
}

fn decode_cursor(cursor: &[u8]) -> Result<Option<Vec<u8>>, Frame> {
    if cursor == b"0" {
        return Ok(None);
    }
    let hex = cursor
        .strip_prefix(b"k")
        .filter(|h| h.len() % 2 == 0)
        .ok_or_else(|| err(reply::INVALID_CURSOR))?;
    hex.chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .map(Some)
        .ok_or_else(|| err(reply::INVALID_CURSOR))
}

fn jsearch(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    run(|| {
        let request = search_args(args)?;
        let parsed =
            query::parse(&request.query).map_err(|e| Frame::error(format!("ERR query: {e}")))?;
        let region = ctx.session.region.clone();
        let mut ks = region.lock();
        if request.explain {
            let lines = search::explain(&ks, &parsed);
            return Ok(Frame::Array(
                lines
                    .into_iter()
                    .map(|l| Frame::Bulk(Bytes::from(l)))
                    .collect(),
            ));
        }
        let after = match &request.cursor {
            Some(c) => decode_cursor(c)?,
            None => None,
        };
        let limit = request.limit.unwrap_or(DEFAULT_LIMIT);
        let page = search::search(&ks, &parsed, after.as_deref(), limit, ctx.now);
        ks.record_read(!page.items.is_empty());
        let mut flat = Vec::with_capacity(page.items.len() * 2);
        for (key, doc) in page.items {
            flat.push(Frame::Bulk(key));
            flat.push(Frame::Bulk(doc));
        }
        if request.cursor.is_none() {
            return Ok(Frame::Array(flat));
        }
        let next = match page.next_after {
            Some(key) => encode_cursor(&key),
            None => Bytes::from_static(b"0"),
        };
        Ok(Frame::Array(vec![Frame::Bulk(next), Frame::Array(flat)]))
    })
}

fn ksearch(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    run(|| {
        let limit = match &args[2..] {
            [] => DEFAULT_LIMIT,
            [word, n] if is(word, "LIMIT") => match int(n)? {
                n if n >= 1 && n as usize <= MAX_LIMIT => n as usize,
                _ => {
                    return Err(Frame::error(format!(
                        "ERR LIMIT must be between 1 and {MAX_LIMIT}"
                    )));
                }
            },
            _ => return Err(err(reply::SYNTAX)),
        };
        let pattern = std::str::from_utf8(&args[1])
            .map_err(|_| Frame::error("ERR invalid regex: not UTF-8"))?;
        let regex = RegexBuilder::new(pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| {
                Frame::error(format!("ERR invalid regex: {}", one_line(&e.to_string())))
            })?;
        let region = ctx.session.region.clone();
        let ks = region.lock();
        let mut found: Vec<_> = ks
            .iter_live(ctx.now)
            .filter(|e| regex.is_match(&e.key))
            .collect();
        found.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        found.truncate(limit);
        Ok(Frame::Array(
            found
                .into_iter()
                .map(|e| {
                    let ttl = e
                        .expires_at
                        .map_or(-1, |at| at.saturating_sub(ctx.now).div_ceil(1000) as i64);
                    Frame::Array(vec![
                        Frame::Bulk(e.key.clone()),
                        Frame::Bulk(Bytes::from_static(e.value.type_name().as_bytes())),
                        Frame::Integer(ttl),
                    ])
                })
                .collect(),
        ))
    })
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn jindex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    run(|| {
        let sub = &args[1];
        if is(sub, "LIST") {
            return jindex_list(ctx, &args[2..]);
        }
        let writes = is(sub, "CREATE") || is(sub, "DROP");
        if !writes {
            return Err(Frame::error(format!(
                "ERR unknown subcommand '{}'. Try JINDEX CREATE, JINDEX DROP or JINDEX LIST.",
                text(sub)
            )));
        }
        if ctx.role() == Role::Reader {
            return Err(ctx.noperm("jindex"));
        }
        let region_of = |name: &Bytes| {
            ctx.state
                .store
                .region(&text(name))
                .ok_or_else(|| store_error(StoreError::NoSuchRegion(text(name))))
        };
        if is(sub, "CREATE") {
            let [_, _, region, name, path, kind] = args else {
                return Err(reply::wrong_arity("jindex|create"));
            };
            let kind = IndexKind::parse(kind)
                .ok_or_else(|| Frame::error("ERR index kind must be HASH or SORTED"))?;
            let path_text = text(path);
            let path = FieldPath::parse(&path_text).map_err(|e| {
                Frame::error(format!("JSONPATHERR invalid path '{path_text}': {e}"))
            })?;
            let region = region_of(region)?;
            region
                .lock()
                .create_json_index(&text(name), path, kind)
                .map_err(|e| Frame::error(e.to_string()))?;
            ctx.state.save_json_indexes();
            return Ok(Frame::ok());
        }
        let [_, _, region, name] = args else {
            return Err(reply::wrong_arity("jindex|drop"));
        };
        let region = region_of(region)?;
        if region.lock().drop_json_index(&text(name)) {
            ctx.state.save_json_indexes();
            Ok(Frame::ok())
        } else {
            Err(Frame::error(format!(
                "ERR no index '{}' in region '{}'",
                text(name),
                region.name()
            )))
        }
    })
}

fn jindex_list(ctx: &Ctx<'_>, args: &[Bytes]) -> Result<Frame, Frame> {
    let regions = match args {
        [] => ctx.state.store.regions(),
        [name] => vec![
            ctx.state
                .store
                .region(&text(name))
                .ok_or_else(|| store_error(StoreError::NoSuchRegion(text(name))))?,
        ],
        _ => return Err(reply::wrong_arity("jindex|list")),
    };
    let mut rows = Vec::new();
    for region in regions {
        let ks = region.lock();
        for index in ks.json_catalog().indexes() {
            let field = |s: &'static str| Frame::Bulk(Bytes::from_static(s.as_bytes()));
            rows.push(Frame::Map(vec![
                (
                    field("region"),
                    Frame::Bulk(Bytes::from(region.name().to_owned())),
                ),
                (field("name"), Frame::Bulk(Bytes::from(index.name.clone()))),
                (
                    field("path"),
                    Frame::Bulk(Bytes::from(index.path_text.clone())),
                ),
                (field("kind"), field(index.kind.name())),
                (field("entries"), Frame::Integer(index.entries as i64)),
                (
                    field("memory_bytes"),
                    Frame::Integer(index.memory_estimate() as i64),
                ),
            ]));
        }
    }
    Ok(Frame::Array(rows))
}

/// Lets handlers use `?` with error replies.
fn run(body: impl FnOnce() -> Result<Frame, Frame>) -> Frame {
    body().unwrap_or_else(|e| e)
}

#[cfg(test)]
mod tests;
