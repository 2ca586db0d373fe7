//! Helpers shared by the property tests: feeding input in chunks and the chunk-point strategy.

use bytes::BytesMut;
use proptest::prelude::*;
use proptest::sample::Index;

/// Cut points for splitting an input into chunks; resolve them with [`chunks`].
pub fn cuts() -> impl Strategy<Value = Vec<Index>> {
    prop::collection::vec(any::<Index>(), 0..8)
}

/// Splits `input` at the given cut points into consecutive, possibly empty, chunks.
pub fn chunks<'a>(input: &'a [u8], cuts: &[Index]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
    points.push(input.len());
    points.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for end in points {
        out.push(&input[start..end]);
        start = end;
    }
    out
}

/// Feeds `input` chunk by chunk, after each chunk calling `decode` until it yields `Ok(None)`;
/// stops at the first error. Returns everything decoded, the error if any, and what was left.
pub fn feed<T, E>(
    input: &[u8],
    cuts: &[Index],
    mut decode: impl FnMut(&mut BytesMut) -> Result<Option<T>, E>,
) -> (Vec<T>, Option<E>, BytesMut) {
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for chunk in chunks(input, cuts) {
        buf.extend_from_slice(chunk);
        loop {
            let before = buf.len();
            match decode(&mut buf) {
                Ok(Some(value)) => {
                    assert!(buf.len() < before, "a decoded value must consume input");
                    out.push(value);
                }
                Ok(None) => break,
                Err(e) => return (out, Some(e), buf),
            }
        }
    }
    (out, None, buf)
}
