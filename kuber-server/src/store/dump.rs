//! The DUMP/RESTORE payload: Redis's own format, so that a value dumped by Kuber restores into
//! Redis and the plain encodings Redis writes restore into Kuber.
//!
//! A payload is one RDB value (a type byte, then the value), the RDB version as two little-endian
//! bytes, and a CRC-64 (Redis's Jones polynomial) of everything before it, little-endian. Kuber
//! writes the RDB types every Redis version reads: string (0), list (1), set (2), hash (4) and
//! zset with binary scores (5), with plain length-prefixed strings. It reads those, the old zset
//! with text scores (3), strings in Redis's integer and LZF encodings, and the compact encodings
//! Redis 7 writes for small collections (see [`compact`]): intset sets (11), listpack hashes (16),
//! zsets (17) and sets (20, Redis 7.2), and quicklist lists (18). The ziplist types of Redis 6 and
//! older (10, 12–14) and streams are not read: they answer "Bad data format". JSON documents, which Redis has no type for, use the private type
//! byte [`KUBER_TYPE`] followed by the persistence encoding (`crate::persistence::encoding`).

use std::collections::VecDeque;

use bytes::{BufMut, Bytes, BytesMut};
use crc::{CRC_64_REDIS, Crc};

use super::{Value, ZSet};

mod compact;
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
const TYPE_SET_INTSET: u8 = 11;
const TYPE_HASH_LISTPACK: u8 = 16;
const TYPE_ZSET_LISTPACK: u8 = 17;
const TYPE_LIST_QUICKLIST_2: u8 = 18;
const TYPE_SET_LISTPACK: u8 = 20;
/// Quicklist node containers: one element stored as it is, or a listpack of several.
const QUICKLIST_NODE_PLAIN: u64 = 1;
const QUICKLIST_NODE_PACKED: u64 = 2;
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
                let mut fields =
                    crate::store::HashFields::with_capacity_and_hasher(n, Default::default());
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
            TYPE_SET_INTSET | TYPE_SET_LISTPACK => {
                let blob = self.string()?;
                let members = if kind == TYPE_SET_INTSET {
                    compact::intset(&blob)?
                } else {
                    compact::listpack(&blob)?
                };
                let set: hashbrown::HashSet<Bytes> = members.into_iter().collect();
                non_empty(set.is_empty(), Value::Set(set))?
            }
            TYPE_HASH_LISTPACK => {
                let items = compact::listpack(&self.string()?)?;
                if items.len() % 2 != 0 {
                    return Err(DumpError::BadFormat);
                }
                let fields: crate::store::HashFields = items
                    .chunks_exact(2)
                    .map(|pair| (pair[0].clone(), pair[1].clone()))
                    .collect();
                non_empty(fields.is_empty(), Value::Hash(fields))?
            }
            TYPE_ZSET_LISTPACK => {
                let items = compact::listpack(&self.string()?)?;
                if items.len() % 2 != 0 {
                    return Err(DumpError::BadFormat);
                }
                let mut zset = ZSet::new();
                for pair in items.chunks_exact(2) {
                    let score = std::str::from_utf8(&pair[1])
                        .ok()
                        .and_then(|s| s.parse::<f64>().ok())
                        .filter(|s| !s.is_nan())
                        .ok_or(DumpError::BadFormat)?;
                    zset.insert(pair[0].clone(), score);
                }
                non_empty(zset.is_empty(), Value::ZSet(zset))?
            }
            TYPE_LIST_QUICKLIST_2 => {
                let nodes = self.len()?;
                let mut items = VecDeque::new();
                for _ in 0..nodes {
                    let container = match self.len_or_special()? {
                        Len::Plain(c) => c,
                        Len::Special(_) => return Err(DumpError::BadFormat),
                    };
                    let blob = self.string()?;
                    match container {
                        QUICKLIST_NODE_PLAIN => items.push_back(blob),
                        QUICKLIST_NODE_PACKED => items.extend(compact::listpack(&blob)?),
                        _ => return Err(DumpError::BadFormat),
                    }
                }
                non_empty(items.is_empty(), Value::List(items))?
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

    #[test]
    fn compact_encodings_redis_7_wrote_are_read() {
        // Debian's redis-server 7.0.15: `RPUSH l a -3 127 4000 -4000 30000 8000000 2000000000
        // 9000000000000 x×100 y×5000` (a quicklist whose listpack node is LZF-compressed, with
        // every integer width), `HSET h f v n -12 big 123456789012`, `ZADD z 1.5 a 2 b -7 c`,
        // `SADD s 1 -300 70000` and `SADD s64 1 9000000000000` (intsets of width 4 and 8).
        let list = restore(&unhex(REDIS_LIST), 1024).unwrap();
        let Value::List(items) = list else {
            panic!("{list:?}")
        };
        let expected: Vec<Bytes> = [
            "a",
            "-3",
            "127",
            "4000",
            "-4000",
            "30000",
            "8000000",
            "2000000000",
            "9000000000000",
        ]
        .iter()
        .map(|s| Bytes::from(s.to_string()))
        .chain([Bytes::from("x".repeat(100)), Bytes::from("y".repeat(5000))])
        .collect();
        assert_eq!(items.into_iter().collect::<Vec<_>>(), expected);

        let Value::Hash(fields) = restore(&unhex(REDIS_HASH), 1024).unwrap() else {
            panic!()
        };
        assert_eq!(fields.len(), 3);
        assert_eq!(fields[&Bytes::from("n")], Bytes::from("-12"));
        assert_eq!(fields[&Bytes::from("big")], Bytes::from("123456789012"));

        let Value::ZSet(zset) = restore(&unhex(REDIS_ZSET), 1024).unwrap() else {
            panic!()
        };
        let scored: Vec<(Bytes, f64)> = zset.iter().map(|(m, s)| (m.clone(), s)).collect();
        assert_eq!(
            scored,
            [("c", -7.0), ("a", 1.5), ("b", 2.0)].map(|(m, s)| (Bytes::from(m), s))
        );

        for (payload, members) in [
            (REDIS_INTSET, &["1", "-300", "70000"][..]),
            (REDIS_INTSET_64, &["1", "9000000000000"][..]),
        ] {
            let Value::Set(set) = restore(&unhex(payload), 1024).unwrap() else {
                panic!()
            };
            let expected: hashbrown::HashSet<Bytes> =
                members.iter().map(|m| Bytes::from(m.to_string())).collect();
            assert_eq!(set, expected);
        }
    }

    const REDIS_LIST: &str = "120102c3407a54241f241400000b00816102dffd027f01cfa002d06002f1307503f200127a04f300\
     940f357705f40090cd792f08000009e06478e05a000666f08813000079e0ff00e0ff00e0ff00e0ff\
     00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00\
     e0ff00e0ee0002278dff0a007bee3bcd01f6d840";
    const REDIS_HASH: &str = "1022220000000600816602817602816e02dff4028362696704f4141a99be1c00000009ff0a00911e\
     7ccc8b94351d";
    const REDIS_ZSET: &str =
        "111a1a0000000600816302dff90281610283312e35048162020201ff0a003699f6917de3be3a";
    const REDIS_INTSET: &str = "0b140400000003000000d4feffff01000000701101000a003fcd05d535f65fed";
    const REDIS_INTSET_64: &str =
        "0b18080000000200000001000000000000000090cd792f0800000a002f7397de0b41c65b";

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
        for _ in 0..100_000 {
            let len = rng.random_range(0..40);
            let mut body: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            // Mostly types we read, so the random bytes reach the decoders behind them.
            const TYPES: [u8; 12] = [0, 1, 2, 3, 4, 5, 11, 16, 17, 18, 20, KUBER_TYPE];
            if let Some(first) = body.first_mut() {
                *first = TYPES[rng.random_range(0..TYPES.len())];
            }
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
