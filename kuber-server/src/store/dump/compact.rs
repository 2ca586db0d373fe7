//! The compact encodings Redis 7 writes in DUMP payloads for small and integer collections:
//! listpacks (hash, zset, and the nodes of a list's quicklist) and intsets (sets of integers).
//! Each decoder returns the elements as strings, integers in their decimal form, as Redis's
//! commands would show them.

use bytes::Bytes;

use super::DumpError;

/// The elements of a listpack: a 4-byte total size and a 2-byte count (both little-endian), the
/// entries, then `0xFF`. Each entry is an encoding byte and its data, then a "back length" of 1–5
/// bytes that lets Redis walk backwards; we only walk forwards, so it is skipped.
pub fn listpack(blob: &[u8]) -> Result<Vec<Bytes>, DumpError> {
    let bad = || DumpError::BadFormat;
    if blob.len() < 7 {
        return Err(bad());
    }
    let total = u32::from_le_bytes(blob[..4].try_into().expect("4 bytes")) as usize;
    if total != blob.len() || blob[total - 1] != 0xFF {
        return Err(bad());
    }
    let mut items = Vec::new();
    let mut at = 6;
    let end = total - 1;
    while at < end {
        let first = blob[at];
        let data = |from: usize, len: usize| blob.get(from..from + len).ok_or_else(bad);
        let signed = |bytes: &[u8]| {
            // Sign-extend a little-endian integer of 2, 3, 4 or 8 bytes.
            let mut raw = [0u8; 8];
            raw[..bytes.len()].copy_from_slice(bytes);
            let shift = 64 - 8 * bytes.len() as u32;
            (i64::from_le_bytes(raw) << shift) >> shift
        };
        let (item, entry_len) = if first & 0x80 == 0 {
            (number(i64::from(first & 0x7f)), 1)
        } else if first & 0xC0 == 0x80 {
            let len = (first & 0x3f) as usize;
            (Bytes::copy_from_slice(data(at + 1, len)?), 1 + len)
        } else if first & 0xE0 == 0xC0 {
            let raw =
                (i64::from(first & 0x1f) << 8) | i64::from(*blob.get(at + 1).ok_or_else(bad)?);
            // 13-bit two's complement.
            (
                number(if raw >= 1 << 12 { raw - (1 << 13) } else { raw }),
                2,
            )
        } else if first & 0xF0 == 0xE0 {
            let len = ((first & 0x0f) as usize) << 8 | *blob.get(at + 1).ok_or_else(bad)? as usize;
            (Bytes::copy_from_slice(data(at + 2, len)?), 2 + len)
        } else {
            match first {
                0xF0 => {
                    let len = u32::from_le_bytes(data(at + 1, 4)?.try_into().expect("4")) as usize;
                    (Bytes::copy_from_slice(data(at + 5, len)?), 5 + len)
                }
                0xF1 => (number(signed(data(at + 1, 2)?)), 3),
                0xF2 => (number(signed(data(at + 1, 3)?)), 4),
                0xF3 => (number(signed(data(at + 1, 4)?)), 5),
                0xF4 => (number(signed(data(at + 1, 8)?)), 9),
                _ => return Err(bad()),
            }
        };
        items.push(item);
        at += entry_len + back_len_size(entry_len);
    }
    // A declared count of 65535 means "too many to count": Redis then walks the entries, as we did.
    let declared = u16::from_le_bytes([blob[4], blob[5]]);
    if at != end || (declared != u16::MAX && items.len() != declared as usize) {
        return Err(bad());
    }
    Ok(items)
}

/// Bytes of the back length that follows an entry of `entry_len` bytes (7 bits per byte).
fn back_len_size(entry_len: usize) -> usize {
    match entry_len {
        0..=127 => 1,
        128..=16_382 => 2,
        16_383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

/// The members of an intset: the width of each integer (2, 4 or 8 bytes), the count, then the
/// integers, all little-endian.
pub fn intset(blob: &[u8]) -> Result<Vec<Bytes>, DumpError> {
    if blob.len() < 8 {
        return Err(DumpError::BadFormat);
    }
    let width = u32::from_le_bytes(blob[..4].try_into().expect("4 bytes")) as usize;
    let count = u32::from_le_bytes(blob[4..8].try_into().expect("4 bytes")) as usize;
    if !matches!(width, 2 | 4 | 8) || blob.len() != 8 + width.saturating_mul(count) {
        return Err(DumpError::BadFormat);
    }
    Ok(blob[8..]
        .chunks_exact(width)
        .map(|raw| {
            number(match width {
                2 => i64::from(i16::from_le_bytes(raw.try_into().expect("2"))),
                4 => i64::from(i32::from_le_bytes(raw.try_into().expect("4"))),
                _ => i64::from_le_bytes(raw.try_into().expect("8")),
            })
        })
        .collect())
}

fn number(n: i64) -> Bytes {
    Bytes::from(n.to_string())
}
