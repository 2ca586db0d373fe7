//! The DUMP/RESTORE payload: Redis's own format, so that a value dumped by Kuber restores into
//! Redis and the plain encodings Redis writes restore into Kuber.
//!
//! A payload is one RDB value (a type byte, then the value), the RDB version as two little-endian
//! bytes, and a CRC-64 (Redis's Jones polynomial) of everything before it, little-endian. Kuber
//! writes the RDB types every Redis version reads: string (0), list (1), set (2), hash (4) and
//! zset with binary scores (5), with plain length-prefixed strings. It reads those, the old zset
//! with text scores (3), and strings in Redis's integer and LZF encodings. The compact encodings
//! Redis 7 writes for small collections (listpack, ziplist, intset, quicklist) are not read: they
//! answer "Bad data format". JSON documents, which Redis has no type for, use the private type
//! byte [`KUBER_TYPE`] followed by the persistence encoding (`crate::persistence::encoding`).

use std::collections::VecDeque;

use bytes::{BufMut, Bytes, BytesMut};
use crc::{CRC_64_REDIS, Crc};

use super::{Value, ZSet};
use crate::persistence::{ValueKind, encoding};

/// RDB version written in the footer: Redis 7.0's. RESTORE accepts this version and older ones.
pub const RDB_VERSION: u16 = 10;

const CRC64: Crc<u64> = Crc::<u64>::new(&CRC_64_REDIS);

const TYPE_STRING: u8 = 0;
const TYPE_LIST: u8 = 1;
const TYPE_SET: u8 = 2;
const TYPE_ZSET: u8 = 3;
const TYPE_HASH: u8 = 4;
const TYPE_ZSET_2: u8 = 5;
/// Not an RDB type Redis assigns (its types stop at 21): a Kuber value with no Redis
/// counterpart, as its kind name and its persistence payload.
const KUBER_TYPE: u8 = 0xF5;

/// Why a payload was refused, with Redis's error texts.
#[derive(Debug, PartialEq, Eq)]
pub enum DumpError {
    /// The footer's version is newer than ours, or the checksum does not match.
    VersionOrChecksum,
    /// The value inside could not be read.
    BadFormat,
}

impl DumpError {
    /// The error reply, as Redis words it.
    pub fn message(&self) -> &'static str {
        match self {
            DumpError::VersionOrChecksum => "ERR DUMP payload version or checksum are wrong",
            DumpError::BadFormat => "ERR Bad data format",
        }
    }
}

/// The DUMP payload of `value`.
pub fn dump(value: &Value) -> Bytes {
    let mut out = BytesMut::new();
    match value {
        Value::Str(bytes) => {
            out.put_u8(TYPE_STRING);
            put_string(&mut out, bytes);
        }
        Value::List(items) => {
            out.put_u8(TYPE_LIST);
            put_len(&mut out, items.len() as u64);
            items.iter().for_each(|item| put_string(&mut out, item));
        }
        Value::Set(members) => {
            out.put_u8(TYPE_SET);
            put_len(&mut out, members.len() as u64);
            members.iter().for_each(|m| put_string(&mut out, m));
        }
        Value::Hash(fields) => {
            out.put_u8(TYPE_HASH);
            put_len(&mut out, fields.len() as u64);
            for (field, value) in fields {
                put_string(&mut out, field);
                put_string(&mut out, value);
            }
        }
        Value::ZSet(zset) => {
            out.put_u8(TYPE_ZSET_2);
            put_len(&mut out, zset.len() as u64);
            for (member, score) in zset.iter() {
                put_string(&mut out, member);
                out.put_f64_le(score);
            }
        }
        #[allow(unreachable_patterns)]
        other => {
            let (kind, payload) = encoding::encode(other);
            out.put_u8(KUBER_TYPE);
            put_string(&mut out, kind.as_str().as_bytes());
            put_string(&mut out, &payload);
        }
    }
    out.put_u16_le(RDB_VERSION);
    let crc = CRC64.checksum(&out);
    out.put_u64_le(crc);
    out.freeze()
}

/// The value inside a DUMP payload, after checking its footer.
pub fn restore(payload: &[u8], max_json_bytes: usize) -> Result<Value, DumpError> {
    if payload.len() < 10 {
        return Err(DumpError::VersionOrChecksum);
    }
    let (body, footer) = payload.split_at(payload.len() - 10);
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    let crc = u64::from_le_bytes(footer[2..].try_into().expect("8 bytes"));
    let covered = &payload[..payload.len() - 8];
    if version > RDB_VERSION || CRC64.checksum(covered) != crc {
        return Err(DumpError::VersionOrChecksum);
    }
    let mut reader = Reader { rest: body };
    let value = reader.value(max_json_bytes)?;
    if !reader.rest.is_empty() {
        return Err(DumpError::BadFormat);
    }
    Ok(value)
}

/// Redis's length encoding: 6 bits, 14 bits, or a 32/64-bit big-endian number.
fn put_len(out: &mut BytesMut, len: u64) {
    if len < 1 << 6 {
        out.put_u8(len as u8);
    } else if len < 1 << 14 {
        out.put_u16(0x4000 | len as u16);
    } else if len <= u32::MAX as u64 {
        out.put_u8(0x80);
        out.put_u32(len as u32);
    } else {
        out.put_u8(0x81);
        out.put_u64(len);
    }
}

fn put_string(out: &mut BytesMut, bytes: &[u8]) {
    put_len(out, bytes.len() as u64);
    out.put_slice(bytes);
}

/// A length, or one of the special string encodings that share its first byte.
enum Len {
    Plain(u64),
    Special(u8),
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], DumpError> {
        if self.rest.len() < n {
            return Err(DumpError::BadFormat);
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, DumpError> {
        Ok(self.take(1)?[0])
    }

    fn len_or_special(&mut self) -> Result<Len, DumpError> {
        let first = self.byte()?;
        Ok(match first >> 6 {
            0 => Len::Plain(u64::from(first & 0x3f)),
            1 => Len::Plain(u64::from(first & 0x3f) << 8 | u64::from(self.byte()?)),
            2 => match first {
                0x80 => Len::Plain(u64::from(u32::from_be_bytes(
                    self.take(4)?.try_into().expect("4 bytes"),
                ))),
                0x81 => Len::Plain(u64::from_be_bytes(
                    self.take(8)?.try_into().expect("8 bytes"),
                )),
                _ => return Err(DumpError::BadFormat),
            },
            _ => Len::Special(first & 0x3f),
        })
    }

    fn len(&mut self) -> Result<usize, DumpError> {
        match self.len_or_special()? {
            // A count larger than the bytes left cannot be honest: refuse it before allocating.
            Len::Plain(n) if n <= self.rest.len() as u64 => Ok(n as usize),
            _ => Err(DumpError::BadFormat),
        }
    }

    fn string(&mut self) -> Result<Bytes, DumpError> {
        let special = match self.len_or_special()? {
            Len::Plain(n) => {
                let n = usize::try_from(n).map_err(|_| DumpError::BadFormat)?;
                return Ok(Bytes::copy_from_slice(self.take(n)?));
            }
            Len::Special(kind) => kind,
        };
        let number = match special {
            0 => i64::from(self.byte()? as i8),
            1 => i64::from(i16::from_le_bytes(self.take(2)?.try_into().expect("2"))),
            2 => i64::from(i32::from_le_bytes(self.take(4)?.try_into().expect("4"))),
            3 => {
                let compressed = self.len()?;
                let expanded = match self.len_or_special()? {
                    // Redis's LZF never expands past 2^32; a bigger claim is a bad payload.
                    Len::Plain(n) if n <= u32::MAX as u64 => n as usize,
                    _ => return Err(DumpError::BadFormat),
                };
                let data = self.take(compressed)?;
                return lzf_decompress(data, expanded).map(Bytes::from);
            }
            _ => return Err(DumpError::BadFormat),
        };
        Ok(Bytes::from(number.to_string()))
    }

    fn value(&mut self, max_json_bytes: usize) -> Result<Value, DumpError> {
        let kind = self.byte()?;
        Ok(match kind {
            TYPE_STRING => Value::Str(self.string()?),
            TYPE_LIST => {
                let n = self.len()?;
                let mut items = VecDeque::with_capacity(n);
                for _ in 0..n {
                    items.push_back(self.string()?);
                }
                non_empty(items.is_empty(), Value::List(items))?
            }
            TYPE_SET => {
                let n = self.len()?;
                let mut members = hashbrown::HashSet::with_capacity(n);
                for _ in 0..n {
                    members.insert(self.string()?);
                }
                non_empty(members.is_empty(), Value::Set(members))?
            }
            TYPE_HASH => {
                let n = self.len()?;
                let mut fields = hashbrown::HashMap::with_capacity(n);
                for _ in 0..n {
                    let field = self.string()?;
                    fields.insert(field, self.string()?);
                }
                non_empty(fields.is_empty(), Value::Hash(fields))?
            }
            TYPE_ZSET | TYPE_ZSET_2 => {
                let n = self.len()?;
                let mut zset = ZSet::new();
                for _ in 0..n {
                    let member = self.string()?;
                    let score = if kind == TYPE_ZSET_2 {
                        f64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes"))
                    } else {
                        self.text_score()?
                    };
                    if score.is_nan() {
                        return Err(DumpError::BadFormat);
                    }
                    zset.insert(member, score);
                }
                non_empty(zset.is_empty(), Value::ZSet(zset))?
            }
            KUBER_TYPE => {
                let name = self.string()?;
                let payload = self.string()?;
                let kind = std::str::from_utf8(&name)
                    .ok()
                    .and_then(ValueKind::parse)
                    .ok_or(DumpError::BadFormat)?;
                encoding::decode(kind, &payload, max_json_bytes)
                    .map_err(|_| DumpError::BadFormat)?
            }
            _ => return Err(DumpError::BadFormat),
        })
    }

    /// The old zset encoding's score: a length byte and the number as text, or 253/254/255 for
    /// NaN, +inf and -inf.
    fn text_score(&mut self) -> Result<f64, DumpError> {
        match self.byte()? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => std::str::from_utf8(self.take(n as usize)?)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or(DumpError::BadFormat),
        }
    }
}

/// Redis never stores an empty collection; a payload holding one is refused.
fn non_empty(empty: bool, value: Value) -> Result<Value, DumpError> {
    if empty {
        Err(DumpError::BadFormat)
    } else {
        Ok(value)
    }
}

/// LZF decompression (the format of liblzf, which Redis uses for long strings): literal runs
/// `000LLLLL` + L+1 bytes, back references `LLLooooo oooooooo` (length L+2, 7 meaning one more
/// length byte follows) to `offset + 1` bytes back.
fn lzf_decompress(input: &[u8], expanded: usize) -> Result<Vec<u8>, DumpError> {
    let mut out = Vec::with_capacity(expanded);
    let mut i = 0;
    while i < input.len() {
        let ctrl = input[i] as usize;
        i += 1;
        if ctrl < 32 {
            let run = ctrl + 1;
            let literal = input.get(i..i + run).ok_or(DumpError::BadFormat)?;
            out.extend_from_slice(literal);
            i += run;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *input.get(i).ok_or(DumpError::BadFormat)? as usize;
                i += 1;
            }
            len += 2;
            let low = *input.get(i).ok_or(DumpError::BadFormat)? as usize;
            i += 1;
            let back = ((ctrl & 0x1f) << 8) + low + 1;
            if back > out.len() {
                return Err(DumpError::BadFormat);
            }
            // Byte by byte: a reference may overlap the bytes it produces.
            let start = out.len() - back;
            for k in 0..len {
                out.push(out[start + k]);
            }
        }
        if out.len() > expanded {
            return Err(DumpError::BadFormat);
        }
    }
    if out.len() == expanded {
        Ok(out)
    } else {
        Err(DumpError::BadFormat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: Value) {
        assert_eq!(restore(&dump(&value), 1 << 20).unwrap(), value);
    }

    #[test]
    fn every_type_round_trips() {
        round_trip(Value::Str(Bytes::from_static(b"hello")));
        round_trip(Value::Str(Bytes::from(vec![b'x'; 70_000])));
        round_trip(Value::List(["a", "", "c"].map(Bytes::from).into()));
        round_trip(Value::Set(
            ["1", "two"].map(Bytes::from).into_iter().collect(),
        ));
        round_trip(Value::Hash(
            [("f", "v"), ("g", "")]
                .map(|(k, v)| (Bytes::from(k), Bytes::from(v)))
                .into_iter()
                .collect(),
        ));
        let mut zset = ZSet::new();
        zset.insert(Bytes::from("a"), 1.5);
        zset.insert(Bytes::from("b"), f64::NEG_INFINITY);
        round_trip(Value::ZSet(zset));
        let doc = crate::json::JsonDoc::parse(br#"{"a":[1,2]}"#, 1 << 20).unwrap();
        round_trip(Value::Json(doc));
    }

    #[test]
    fn payloads_match_redis_byte_for_byte() {
        // Debian's redis-server 7.0.15, `DUMP` of the string "hello": type, length, bytes,
        // version 10 and the CRC-64, exactly.
        assert_eq!(
            hex(&dump(&Value::Str(Bytes::from_static(b"hello")))),
            "000568656c6c6f0a006372df766534200a"
        );
    }

    #[test]
    fn payloads_redis_wrote_are_read() {
        // The same server's DUMP of "70000" (an int32-encoded string) and of "abc" × 1000
        // (LZF-compressed), checksums included.
        let int = "00c2701101000a0001a408fe953095a5";
        let lzf = "00c32c4bb80361626361e0ff02e1ff07e1ff07e1ff07e1ff07e1ff07e1ff07e1ff07e1ff07e1ff07\
                   e1ff07e151070162630a00db0e043794c72732";
        assert_eq!(
            restore(&unhex(int), 1024).unwrap(),
            Value::Str(Bytes::from("70000"))
        );
        assert_eq!(
            restore(&unhex(lzf), 1024).unwrap(),
            Value::Str(Bytes::from("abc".repeat(1000)))
        );
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn unhex(text: &str) -> Vec<u8> {
        let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
        digits
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
            .collect()
    }

    #[test]
    fn redis_integer_and_lzf_strings_are_read() {
        // Strings Redis encodes as integers: int8 -3, int16 300, int32 70000.
        for (body, text) in [
            (&b"\x00\xc0\xfd"[..], "-3"),
            (&b"\x00\xc1\x2c\x01"[..], "300"),
            (&b"\x00\xc2\x70\x11\x01\x00"[..], "70000"),
        ] {
            assert_eq!(
                restore(&with_footer(body), 1024).unwrap(),
                Value::Str(Bytes::from(text))
            );
        }
        // LZF: literal "abc", then a back reference of 6 bytes at distance 3 → "abcabcabc".
        let lzf = [0x02, b'a', b'b', b'c', 0x80, 0x02];
        let mut body = vec![0x00, 0xc3, lzf.len() as u8, 9];
        body.extend_from_slice(&lzf);
        assert_eq!(
            restore(&with_footer(&body), 1024).unwrap(),
            Value::Str(Bytes::from("abcabcabc"))
        );
    }

    #[test]
    fn damaged_payloads_are_refused_without_panicking() {
        let good = dump(&Value::List(["a", "b"].map(Bytes::from).into()));
        let mut flipped = good.to_vec();
        flipped[3] ^= 1;
        assert_eq!(restore(&flipped, 1024), Err(DumpError::VersionOrChecksum));
        assert_eq!(restore(b"short", 1024), Err(DumpError::VersionOrChecksum));
        // A newer RDB version is refused even with a right checksum.
        let mut newer = good[..good.len() - 10].to_vec();
        newer.extend_from_slice(&11u16.to_le_bytes());
        let crc = CRC64.checksum(&newer);
        newer.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(restore(&newer, 1024), Err(DumpError::VersionOrChecksum));
        // Well-framed nonsense: a count far larger than the payload, an unknown type, a
        // listpack-encoded list (type 18), a truncated body, trailing bytes, an empty list.
        for body in [
            &b"\x01\x81\xff\xff\xff\xff\xff\xff\xff\xff"[..],
            b"\x63\x00",
            b"\x12\x01\x00",
            b"\x00\x05hel",
            b"\x00\x01ab",
            b"\x01\x00",
        ] {
            assert_eq!(restore(&with_footer(body), 1024), Err(DumpError::BadFormat));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..20_000 {
            let len = rng.random_range(0..40);
            let body: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            let _ = restore(&with_footer(&body), 1024);
        }
    }

    fn with_footer(body: &[u8]) -> Vec<u8> {
        let mut out = body.to_vec();
        out.extend_from_slice(&RDB_VERSION.to_le_bytes());
        let crc = CRC64.checksum(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }
}
