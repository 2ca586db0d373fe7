//! One operation per typed method of the blocking client: arguments decoded from the request,
//! the result encoded as a [`Reply`]. JSON crosses as text; Java parses it with Jackson.

use std::time::Duration;

use bytes::Bytes;
use kuber_client::blocking::{KuberClient, KuberRestClient};
use kuber_client::{Error, ErrorKind, Frame};

use crate::wire::{Reply, Request};

/// A field/value or key/value argument pair.
type Pair<'a> = (&'a [u8], &'a [u8]);

/// The arguments of one request.
pub(crate) struct Args(pub(crate) Vec<Option<Bytes>>);

fn bad(msg: String) -> Error {
    Error::new(ErrorKind::Protocol, format!("bad request from Java: {msg}"))
}

impl Args {
    fn opt(&self, i: usize) -> Option<&[u8]> {
        self.0.get(i).and_then(|a| a.as_deref())
    }

    pub(crate) fn bytes(&self, i: usize) -> Result<&[u8], Error> {
        self.opt(i)
            .ok_or_else(|| bad(format!("argument {i} is missing")))
    }

    pub(crate) fn opt_string(&self, i: usize) -> Result<Option<String>, Error> {
        self.opt(i)
            .map(|b| {
                String::from_utf8(b.to_vec()).map_err(|_| bad(format!("argument {i} is not UTF-8")))
            })
            .transpose()
    }

    pub(crate) fn string(&self, i: usize) -> Result<String, Error> {
        self.opt_string(i)?
            .ok_or_else(|| bad(format!("argument {i} is missing")))
    }

    fn i64(&self, i: usize) -> Result<i64, Error> {
        std::str::from_utf8(self.bytes(i)?)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(format!("argument {i} is not an integer")))
    }

    pub(crate) fn opt_u64(&self, i: usize) -> Result<Option<u64>, Error> {
        self.opt_string(i)?
            .map(|s| {
                s.parse()
                    .map_err(|_| bad(format!("argument {i} is not a count")))
            })
            .transpose()
    }

    fn rest(&self, from: usize) -> Result<Vec<&[u8]>, Error> {
        (from..self.0.len()).map(|i| self.bytes(i)).collect()
    }

    fn pairs(&self, from: usize) -> Result<Vec<Pair<'_>>, Error> {
        let items = self.rest(from)?;
        if items.len() % 2 != 0 {
            return Err(bad("odd number of pair items".into()));
        }
        Ok(items.chunks(2).map(|p| (p[0], p[1])).collect())
    }
}

fn list(items: Vec<Bytes>) -> Reply {
    Reply::list(items.into_iter().map(Reply::Bytes))
}

fn opt_list(items: Vec<Option<Bytes>>) -> Reply {
    Reply::list(items.into_iter().map(Reply::opt))
}

fn json(v: serde_json::Value) -> Reply {
    Reply::text(v.to_string())
}

/// Any reply frame (for `command` and pipelines); an error reply becomes an `e` array element.
fn frame(f: Frame) -> Reply {
    match f {
        Frame::Simple(b) | Frame::Bulk(b) | Frame::BigNumber(b) => Reply::Bytes(b),
        Frame::Verbatim { text, .. } => Reply::Bytes(text),
        Frame::Integer(n) => Reply::Int(n),
        Frame::Double(d) => Reply::text(kuber_client::frame_to_json(&Frame::Double(d)).to_string()),
        Frame::Boolean(b) => Reply::Bool(b),
        Frame::Null | Frame::NullArray => Reply::Null,
        Frame::Error(e) => Reply::Bytes(e),
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            Reply::list(items.into_iter().map(frame))
        }
        Frame::Map(pairs) => Reply::list(pairs.into_iter().flat_map(|(k, v)| [frame(k), frame(v)])),
    }
}

pub(crate) fn dispatch(c: &KuberClient, req: Request) -> Result<Reply, Error> {
    let a = Args(req.args);
    let r = req.region.as_deref();
    Ok(match req.op.as_str() {
        "ping" => Reply::text(c.ping()?),
        "selectRegion" => {
            c.select_region(&a.string(0)?)?;
            Reply::Null
        }
        "currentRegion" => Reply::text(c.current_region()),
        "listRegions" => Reply::list(c.list_regions()?.into_iter().map(Reply::text)),
        "createRegion" => {
            let opts = crate::region_options(a.opt_string(1)?, a.opt_u64(2)?, a.opt_u64(3)?);
            c.create_region(&a.string(0)?, &opts)?;
            Reply::Null
        }
        "deleteRegion" => {
            c.delete_region(&a.string(0)?)?;
            Reply::Null
        }
        "purgeRegion" => {
            c.purge_region(&a.string(0)?)?;
            Reply::Null
        }
        "regionInfo" => json(c.region_info(&a.string(0)?)?),
        "get" => Reply::opt(c.get(a.bytes(0)?, r)?),
        "set" => {
            let ttl = a.opt_u64(2)?.map(Duration::from_millis);
            c.set(a.bytes(0)?, a.bytes(1)?, ttl, r)?;
            Reply::Null
        }
        "setnx" => Reply::Bool(c.setnx(a.bytes(0)?, a.bytes(1)?, r)?),
        "setex" => {
            let secs = a.opt_u64(1)?.ok_or_else(|| bad("seconds missing".into()))?;
            c.setex(a.bytes(0)?, secs, a.bytes(2)?, r)?;
            Reply::Null
        }
        "mget" => opt_list(c.mget(&a.rest(0)?, r)?),
        "mset" => {
            c.mset(&a.pairs(0)?, r)?;
            Reply::Null
        }
        "incr" => Reply::Int(c.incr(a.bytes(0)?, r)?),
        "incrby" => Reply::Int(c.incrby(a.bytes(0)?, a.i64(1)?, r)?),
        "decr" => Reply::Int(c.decr(a.bytes(0)?, r)?),
        "decrby" => Reply::Int(c.decrby(a.bytes(0)?, a.i64(1)?, r)?),
        "append" => Reply::Int(c.append(a.bytes(0)?, a.bytes(1)?, r)?),
        "strlen" => Reply::Int(c.strlen(a.bytes(0)?, r)?),
        "keys" => list(c.keys(&a.string(0)?, r)?),
        "scan" => {
            let cursor = a.opt_u64(0)?.unwrap_or(0);
            let page = c.scan(cursor, a.opt_string(1)?.as_deref(), a.opt_u64(2)?, r)?;
            Reply::list([Reply::text(page.cursor.to_string()), list(page.items)])
        }
        "ksearch" => Reply::list(c.ksearch(&a.string(0)?, a.opt_u64(1)?, r)?.into_iter().map(
            |k| {
                Reply::list([
                    Reply::Bytes(k.key),
                    Reply::text(k.key_type),
                    Reply::Int(k.ttl),
                ])
            },
        )),
        "exists" => Reply::Int(c.exists(&a.rest(0)?, r)?),
        "delete" => Reply::Int(c.delete(&a.rest(0)?, r)?),
        "type" => Reply::text(c.key_type(a.bytes(0)?, r)?),
        "ttl" => Reply::Int(c.ttl(a.bytes(0)?, r)?),
        "expire" => Reply::Bool(c.expire(a.bytes(0)?, a.i64(1)?, r)?),
        "persist" => Reply::Bool(c.persist(a.bytes(0)?, r)?),
        "rename" => {
            c.rename(a.bytes(0)?, a.bytes(1)?, r)?;
            Reply::Null
        }
        "hget" => Reply::opt(c.hget(a.bytes(0)?, a.bytes(1)?, r)?),
        "hset" => Reply::Bool(c.hset(a.bytes(0)?, a.bytes(1)?, a.bytes(2)?, r)?),
        "hmset" => {
            c.hmset(a.bytes(0)?, &a.pairs(1)?, r)?;
            Reply::Null
        }
        "hmget" => opt_list(c.hmget(a.bytes(0)?, &a.rest(1)?, r)?),
        "hgetall" => Reply::list(
            c.hgetall(a.bytes(0)?, r)?
                .into_iter()
                .flat_map(|(f, v)| [Reply::Bytes(f), Reply::Bytes(v)]),
        ),
        "hdel" => Reply::Int(c.hdel(a.bytes(0)?, &a.rest(1)?, r)?),
        "hexists" => Reply::Bool(c.hexists(a.bytes(0)?, a.bytes(1)?, r)?),
        "hkeys" => list(c.hkeys(a.bytes(0)?, r)?),
        "hvals" => list(c.hvals(a.bytes(0)?, r)?),
        "hlen" => Reply::Int(c.hlen(a.bytes(0)?, r)?),
        "jsonSet" => {
            c.json_set_text(
                a.bytes(0)?,
                &a.string(1)?,
                a.opt_string(2)?.as_deref(),
                a.opt_u64(3)?,
                r,
            )?;
            Reply::Null
        }
        "jsonGet" => Reply::opt(
            c.json_get_text(a.bytes(0)?, a.opt_string(1)?.as_deref(), r)?
                .map(Bytes::from),
        ),
        "jsonUpdate" => {
            Reply::text(c.json_update_text(a.bytes(0)?, &a.string(1)?, a.opt_u64(2)?, r)?)
        }
        "jsonRemove" => Reply::text(c.json_remove_text(a.bytes(0)?, &a.rest(1)?, r)?),
        "jsonDelete" => Reply::Bool(c.json_delete(a.bytes(0)?, a.opt_string(1)?.as_deref(), r)?),
        "jsonSearch" => Reply::list(
            c.json_search_text(&a.string(0)?, a.opt_u64(1)?, r)?
                .into_iter()
                .flat_map(|(k, v)| [Reply::text(k), Reply::text(v)]),
        ),
        "info" => Reply::text(c.info(a.opt_string(0)?.as_deref())?),
        "status" => json(c.status()?),
        "dbsize" => Reply::Int(c.dbsize(r)?),
        "flushdb" => {
            c.flushdb(r)?;
            Reply::Null
        }
        "replInfo" => json(c.repl_info()?),
        "command" => frame(c.command(&a.rest(0)?, r)?),
        "pipeline" => {
            // Items: count of args, then the args, per command.
            let mut p = kuber_client::Pipeline::new();
            if let Some(region) = r {
                p = p.region(region);
            }
            let mut i = 0;
            while i < a.0.len() {
                let n = a.i64(i)? as usize;
                let cmd: Vec<&[u8]> = (i + 1..i + 1 + n)
                    .map(|j| a.bytes(j))
                    .collect::<Result<_, _>>()?;
                p.cmd(&cmd);
                i += 1 + n;
            }
            Reply::list(c.run_pipeline(&p)?.into_iter().map(|r| match r {
                Ok(f) => frame(f),
                Err(e) => Reply::list([
                    Reply::text("__kuber_error__"),
                    Reply::text(e.kind().name()),
                    Reply::text(e.message()),
                ]),
            }))
        }
        "debugPanic" => panic!("debugPanic requested by the test suite"),
        other => return Err(bad(format!("unknown operation {other}"))),
    })
}

fn parse_json(text: &str) -> Result<serde_json::Value, Error> {
    serde_json::from_str(text)
        .map_err(|e| Error::new(ErrorKind::Config, format!("not valid JSON: {e}")))
}

/// The REST operations (`rest.<name>`); every reply is JSON text, or null for a 404 read.
pub(crate) fn dispatch_rest(c: &KuberRestClient, op: &str, req: Request) -> Result<Reply, Error> {
    let a = Args(req.args);
    let r = req.region.as_deref();
    let opt_json = |v: Option<serde_json::Value>| v.map_or(Reply::Null, json);
    Ok(match op {
        "ping" => json(c.ping()?),
        "info" => json(c.info()?),
        "status" => json(c.status()?),
        "stats" => json(c.stats()?),
        "listRegions" => json(c.list_regions()?),
        "regionInfo" => json(c.region_info(&a.string(0)?)?),
        "createRegion" => {
            let opts = crate::region_options(a.opt_string(1)?, a.opt_u64(2)?, a.opt_u64(3)?);
            json(c.create_region(&a.string(0)?, &opts)?)
        }
        "deleteRegion" => json(c.delete_region(&a.string(0)?)?),
        "purgeRegion" => json(c.purge_region(&a.string(0)?)?),
        "get" => match c.get(&a.string(0)?, r)? {
            None => Reply::Null,
            Some(e) => json(
                serde_json::json!({"key": e.key, "value": e.value, "type": e.key_type, "ttl": e.ttl}),
            ),
        },
        "set" => json(c.set(&a.string(0)?, &a.string(1)?, a.opt_u64(2)?, r)?),
        "delete" => Reply::Bool(c.delete(&a.string(0)?, r)?),
        "keys" => json(c.keys(
            a.opt_string(0)?.as_deref(),
            a.opt_string(1)?.as_deref(),
            a.opt_u64(2)?,
            r,
        )?),
        "mget" => {
            let keys: Vec<String> = (0..a.0.len())
                .map(|i| a.string(i))
                .collect::<Result<_, _>>()?;
            let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
            json(serde_json::Value::Array(c.mget(&refs, r)?))
        }
        "mset" => {
            // Item 0: ttl or null; then key, value pairs.
            let items: Vec<String> = (1..a.0.len())
                .map(|i| a.string(i))
                .collect::<Result<_, _>>()?;
            let pairs: Vec<(&str, &str)> = items
                .chunks(2)
                .map(|p| (p[0].as_str(), p[1].as_str()))
                .collect();
            json(c.mset(&pairs, a.opt_u64(0)?, r)?)
        }
        "ttl" => json(c.ttl(&a.string(0)?, r)?),
        "expire" => json(c.expire(&a.string(0)?, a.i64(1)?, r)?),
        "persist" => json(c.persist(&a.string(0)?, r)?),
        "hgetall" => json(c.hgetall(&a.string(0)?, r)?),
        "hget" => opt_json(c.hget(&a.string(0)?, &a.string(1)?, r)?),
        "hset" => json(c.hset(&a.string(0)?, &a.string(1)?, &a.string(2)?, r)?),
        "hdel" => json(c.hdel(&a.string(0)?, &a.string(1)?, r)?),
        "jsonGet" => opt_json(c.json_get(&a.string(0)?, a.opt_string(1)?.as_deref(), r)?),
        "jsonSet" => {
            json(c.json_set(&a.string(0)?, &parse_json(&a.string(1)?)?, a.opt_u64(2)?, r)?)
        }
        "jsonUpdate" => json(c.json_update(&a.string(0)?, &parse_json(&a.string(1)?)?, r)?),
        "jsonDelete" => json(c.json_delete(&a.string(0)?, a.opt_string(1)?.as_deref(), r)?),
        "jsonSearch" => {
            json(c.json_search(&a.string(0)?, a.opt_u64(1)?, a.opt_string(2)?.as_deref(), r)?)
        }
        "bulkImport" => {
            let entries = match parse_json(&a.string(0)?)? {
                serde_json::Value::Array(items) => items,
                _ => {
                    return Err(Error::new(
                        ErrorKind::Config,
                        "entries must be a JSON array",
                    ));
                }
            };
            json(c.bulk_import(&entries, r)?)
        }
        "bulkExport" => json(serde_json::Value::Array(
            c.bulk_export(a.opt_string(0)?.as_deref(), r)?,
        )),
        other => return Err(bad(format!("unknown REST operation {other}"))),
    })
}
