//! Score and lexicographic ranges (`(1 +inf`, `[a (b`) and Redis's score text: parsing like C
//! `strtod`, printing like `%.17g`.

use super::*;

/// Lower and upper bounds over the (score, member) keys of a sorted set's ordered index.
type KeyBounds = (Bound<(Score, Bytes)>, Bound<(Score, Bytes)>);

/// A score interval as ZRANGEBYSCORE takes it: `1.5`, `(1.5` (exclusive), `-inf`, `+inf`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    /// Lower bound.
    pub min: f64,
    /// The lower bound is excluded.
    pub min_ex: bool,
    /// Upper bound.
    pub max: f64,
    /// The upper bound is excluded.
    pub max_ex: bool,
}

impl ScoreRange {
    /// Parses `min` and `max` as Redis's `zslParseRange` does (plain `strtod`: leading spaces and
    /// an empty number are accepted, out-of-range values saturate, NaN and trailing text are not).
    pub fn parse(min: &[u8], max: &[u8]) -> Option<Self> {
        let bound = |arg: &[u8]| -> Option<(f64, bool)> {
            let (text, ex) = match arg.first() {
                Some(b'(') => (&arg[1..], true),
                _ => (arg, false),
            };
            let (value, used, _) = strtod(text);
            // Redis stops at a NUL byte, as C strings do.
            let rest_ok = used == text.len() || text[used] == 0;
            (rest_ok && !value.is_nan()).then_some((value, ex))
        };
        let (min, min_ex) = bound(min)?;
        let (max, max_ex) = bound(max)?;
        Some(ScoreRange {
            min,
            min_ex,
            max,
            max_ex,
        })
    }

    /// True when no score can be in the range.
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.min_ex || self.max_ex))
    }

    /// True when `score` is within the range.
    pub fn contains(&self, score: f64) -> bool {
        let above = if self.min_ex {
            score > self.min
        } else {
            score >= self.min
        };
        let below = if self.max_ex {
            score < self.max
        } else {
            score <= self.max
        };
        above && below
    }

    /// B-tree bounds over (score, member) keys; the empty member sorts first among equal scores.
    /// Only for non-empty ranges (an inverted range would make `BTreeSet::range` panic).
    pub(super) fn bounds(&self) -> KeyBounds {
        let low = Score(if self.min_ex {
            next_up(self.min)
        } else {
            self.min
        });
        let high = if self.max_ex {
            Bound::Excluded((Score(self.max), Bytes::new()))
        } else if self.max == f64::INFINITY {
            Bound::Unbounded
        } else {
            Bound::Excluded((Score(next_up(self.max)), Bytes::new()))
        };
        (Bound::Included((low, Bytes::new())), high)
    }
}

/// One end of a lex range: `-`, `+`, `[member` (inclusive) or `(member` (exclusive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexBound {
    /// `-`: below every member.
    Min,
    /// `+`: above every member.
    Max,
    /// `[member`.
    Inclusive(Bytes),
    /// `(member`.
    Exclusive(Bytes),
}

impl LexBound {
    fn parse(arg: &[u8]) -> Option<Self> {
        // Redis tests `c[1] != '\0'`: `+` or `-` alone, or followed by a NUL byte.
        let alone = arg.len() == 1 || arg.get(1) == Some(&0);
        match arg.first()? {
            b'+' if alone => Some(LexBound::Max),
            b'-' if alone => Some(LexBound::Min),
            b'[' => Some(LexBound::Inclusive(Bytes::copy_from_slice(&arg[1..]))),
            b'(' => Some(LexBound::Exclusive(Bytes::copy_from_slice(&arg[1..]))),
            _ => None,
        }
    }

    /// Redis's `sdscmplex`: `-` below everything, `+` above, members by bytes.
    fn cmp_bound(&self, other: &LexBound) -> Ordering {
        use LexBound::*;
        match (self, other) {
            (Min, Min) | (Max, Max) => Ordering::Equal,
            (Min, _) | (_, Max) => Ordering::Less,
            (Max, _) | (_, Min) => Ordering::Greater,
            (Inclusive(a) | Exclusive(a), Inclusive(b) | Exclusive(b)) => a.cmp(b),
        }
    }

    fn exclusive(&self) -> bool {
        !matches!(self, LexBound::Inclusive(_))
    }
}

/// A member interval as ZRANGEBYLEX takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexRange {
    /// Lower end.
    pub min: LexBound,
    /// Upper end.
    pub max: LexBound,
}

impl LexRange {
    /// Parses `min` and `max`; `None` for anything but `-`, `+`, `[x`, `(x`.
    pub fn parse(min: &[u8], max: &[u8]) -> Option<Self> {
        Some(LexRange {
            min: LexBound::parse(min)?,
            max: LexBound::parse(max)?,
        })
    }

    /// True when no member can be in the range.
    pub fn is_empty(&self) -> bool {
        match self.min.cmp_bound(&self.max) {
            Ordering::Greater => true,
            Ordering::Equal => self.min.exclusive() || self.max.exclusive(),
            Ordering::Less => false,
        }
    }

    /// `member` is at or past the lower end.
    pub fn gte_min(&self, member: &[u8]) -> bool {
        match &self.min {
            LexBound::Min => true,
            LexBound::Max => false,
            LexBound::Inclusive(m) => member >= &m[..],
            LexBound::Exclusive(m) => member > &m[..],
        }
    }

    /// `member` is at or before the upper end.
    pub fn lte_max(&self, member: &[u8]) -> bool {
        match &self.max {
            LexBound::Max => true,
            LexBound::Min => false,
            LexBound::Inclusive(m) => member <= &m[..],
            LexBound::Exclusive(m) => member < &m[..],
        }
    }

    /// B-tree bounds for a set whose members all have `score`. Only for non-empty ranges.
    pub(super) fn bounds(&self, score: f64) -> KeyBounds {
        let key = |m: &Bytes| (Score(score), m.clone());
        let low = match &self.min {
            LexBound::Inclusive(m) => Bound::Included(key(m)),
            LexBound::Exclusive(m) => Bound::Excluded(key(m)),
            LexBound::Min | LexBound::Max => Bound::Unbounded,
        };
        let high = match &self.max {
            LexBound::Inclusive(m) => Bound::Included(key(m)),
            LexBound::Exclusive(m) => Bound::Excluded(key(m)),
            LexBound::Min | LexBound::Max => Bound::Unbounded,
        };
        (low, high)
    }
}

/// Parses a score argument as Redis's `getDoubleFromObject` does: the whole text must be a C
/// `strtod` number (decimal, hex such as `0x1p-3`, `inf`, `infinity`), with no leading space, not
/// NaN, and not out of range (overflow, or underflow to zero).
pub fn parse_score(arg: &[u8]) -> Option<f64> {
    if arg
        .first()
        .is_none_or(|c| c.is_ascii_whitespace() || *c == 0x0b)
    {
        return None;
    }
    let (value, used, out_of_range) = strtod(arg);
    (used == arg.len() && !value.is_nan() && !out_of_range).then_some(value)
}

/// C `strtod` on bytes: returns the value, the bytes used (0 when nothing parsed) and whether the
/// result was out of range (`ERANGE` with an infinite or zero result).
fn strtod(text: &[u8]) -> (f64, usize, bool) {
    let mut i = text
        .iter()
        .take_while(|c| c.is_ascii_whitespace() || **c == 0x0b)
        .count();
    let sign_at = i;
    let negative = text.get(i) == Some(&b'-');
    if matches!(text.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let rest = &text[i..];
    let starts = |word: &str| {
        rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word.as_bytes())
    };
    let signed = |v: f64| if negative { -v } else { v };
    if starts("infinity") {
        return (signed(f64::INFINITY), i + 8, false);
    }
    if starts("inf") {
        return (signed(f64::INFINITY), i + 3, false);
    }
    if starts("nan") {
        let mut used = i + 3;
        if text.get(used) == Some(&b'(')
            && let Some(close) = text[used..].iter().position(|&c| c == b')')
            && text[used + 1..used + close]
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            used += close + 1;
        }
        return (f64::NAN, used, false);
    }
    if (starts("0x") || starts("0X"))
        && rest
            .get(2)
            .is_some_and(|c| c.is_ascii_hexdigit() || *c == b'.')
        && let Some((value, used)) = hex_float(&rest[2..])
    {
        let value = signed(value);
        return (value, i + 2 + used, value.is_infinite());
    }
    // Decimal: digits [. digits] [e [sign] digits], at least one mantissa digit.
    let digits = |from: usize| {
        text[from..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let int_digits = digits(i);
    let mut end = i + int_digits;
    let mut frac_digits = 0;
    if text.get(end) == Some(&b'.') {
        frac_digits = digits(end + 1);
        if int_digits + frac_digits > 0 {
            end += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return (0.0, 0, false);
    }
    let mantissa_nonzero = text[i..end].iter().any(|c| (b'1'..=b'9').contains(c));
    if matches!(text.get(end), Some(b'e' | b'E')) {
        let mut e = end + 1;
        if matches!(text.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        let exp_digits = digits(e);
        if exp_digits > 0 {
            end = e + exp_digits;
        }
    }
    let literal = std::str::from_utf8(&text[sign_at..end]).unwrap_or("0");
    let value = literal.parse::<f64>().unwrap_or(0.0);
    let out_of_range = value.is_infinite() || (value == 0.0 && mantissa_nonzero);
    (value, end, out_of_range)
}

/// The part of a hex float after `0x`: hex digits with an optional point, then an optional binary
/// exponent `p[sign]digits`. Returns the magnitude and the bytes used.
fn hex_float(text: &[u8]) -> Option<(f64, usize)> {
    let mut mantissa: u64 = 0;
    let mut exponent: i64 = 0;
    let mut sticky = false;
    let mut seen_digit = false;
    let mut seen_point = false;
    let mut i = 0;
    while let Some(&c) = text.get(i) {
        if c == b'.' && !seen_point {
            seen_point = true;
        } else if let Some(d) = (c as char).to_digit(16) {
            seen_digit = true;
            if mantissa >> 58 == 0 {
                mantissa = mantissa << 4 | d as u64;
                if seen_point {
                    exponent -= 4;
                }
            } else {
                sticky |= d != 0;
                if !seen_point {
                    exponent += 4;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if !seen_digit {
        return None;
    }
    if matches!(text.get(i), Some(b'p' | b'P')) {
        let mut e = i + 1;
        let negative = text.get(e) == Some(&b'-');
        if matches!(text.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        let exp_digits = text[e..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits > 0 {
            let value: i64 = text[e..e + exp_digits]
                .iter()
                .fold(0i64, |acc, d| (acc * 10 + (d - b'0') as i64).min(100_000));
            exponent += if negative { -value } else { value };
            i = e + exp_digits;
        }
    }
    // The sticky bit below the kept digits makes the u64 → f64 conversion round correctly.
    let value = (mantissa << 1 | sticky as u64) as f64 * 0.5;
    let exponent = exponent.clamp(-2200, 2200) as i32;
    let scaled = if exponent < -1000 {
        value * 2f64.powi(-1000) * 2f64.powi(exponent + 1000)
    } else {
        value * 2f64.powi(exponent)
    };
    Some((scaled, i))
}

/// Redis 7.0's `%.17g` score text (the protocol crate owns the implementation).
pub fn format_score(v: f64) -> String {
    kuber_protocol::format_double(v)
}
