//! Precompiled text patterns for `LIKE` (SQL: `%` any run, `_` one character, `\` escapes the
//! next character) and `~=` (the `regex` crate, size-limited, matching anywhere in the text).
//!
//! Both are compiled once when the query is parsed; matching a document allocates nothing.

use std::fmt;

use regex::{Regex, RegexBuilder};

use super::index::{IndexKey, IndexProbe};
use super::{QueryError, REGEX_SIZE_LIMIT};

/// A compiled `LIKE` or `~=` pattern, compared by its kind and source text.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    matcher: Matcher,
}

#[derive(Clone)]
enum Matcher {
    Like(Vec<LikeToken>),
    Regex(Regex),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum LikeToken {
    Char(char),
    /// `_`
    One,
    /// `%` (runs of them are collapsed into one)
    Any,
}

impl Pattern {
    /// Compiles a SQL `LIKE` pattern. Never fails: a trailing lone `\` stands for itself.
    pub fn like(source: &str) -> Pattern {
        let mut tokens = Vec::with_capacity(source.len());
        let mut chars = source.chars();
        while let Some(c) = chars.next() {
            let token = match c {
                '%' if tokens.last() == Some(&LikeToken::Any) => continue,
                '%' => LikeToken::Any,
                '_' => LikeToken::One,
                '\\' => LikeToken::Char(chars.next().unwrap_or('\\')),
                c => LikeToken::Char(c),
            };
            tokens.push(token);
        }
        Pattern {
            source: source.to_owned(),
            matcher: Matcher::Like(tokens),
        }
    }

    /// Compiles a regular expression; `pos` is where it starts in the query, for the error.
    pub fn regex(source: &str, pos: usize) -> Result<Pattern, QueryError> {
        let regex = RegexBuilder::new(source)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| {
                let message = match e {
                    regex::Error::CompiledTooBig(_) => "regex too large".to_owned(),
                    // The first line names the fault; the rest is an ASCII-art pointer.
                    other => format!(
                        "bad regex ({})",
                        other
                            .to_string()
                            .lines()
                            .last()
                            .unwrap_or("invalid")
                            .trim()
                            .trim_start_matches("error: ")
                    ),
                };
                QueryError::new(pos, message)
            })?;
        Ok(Pattern {
            source: source.to_owned(),
            matcher: Matcher::Regex(regex),
        })
    }

    /// The pattern as written (after unquoting).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// True for a `~=` pattern, false for `LIKE`.
    pub fn is_regex(&self) -> bool {
        matches!(self.matcher, Matcher::Regex(_))
    }

    /// True when `text` matches: all of it for `LIKE`, somewhere in it for `~=`.
    pub fn matches(&self, text: &str) -> bool {
        match &self.matcher {
            Matcher::Like(tokens) => like_match(tokens, text),
            Matcher::Regex(regex) => regex.is_match(text),
        }
    }

    /// The index probe of a `LIKE` pattern: a prefix for `abc%`, equality without wildcards.
    pub(crate) fn like_probe(&self) -> Option<IndexProbe> {
        let Matcher::Like(tokens) = &self.matcher else {
            return None;
        };
        let literal_end = tokens
            .iter()
            .position(|t| !matches!(t, LikeToken::Char(_)))
            .unwrap_or(tokens.len());
        let literal: String = tokens[..literal_end]
            .iter()
            .map(|t| match t {
                LikeToken::Char(c) => *c,
                _ => unreachable!("only literal tokens before literal_end"),
            })
            .collect();
        match &tokens[literal_end..] {
            [] => Some(IndexProbe::Equal(vec![IndexKey::Text(literal)])),
            [LikeToken::Any] => Some(IndexProbe::Prefix(literal)),
            _ => None,
        }
    }
}

/// Wildcard matching with one backtrack point (the last `%`): O(pattern × text) at worst.
fn like_match(tokens: &[LikeToken], text: &str) -> bool {
    let (mut p, mut t) = (0, 0);
    // After a `%`: the token after it, and where in the text its match was last tried.
    let mut backtrack: Option<(usize, usize)> = None;
    while let Some(c) = text[t..].chars().next() {
        match tokens.get(p) {
            // A trailing `%` takes whatever is left.
            Some(LikeToken::Any) if p + 1 == tokens.len() => return true,
            Some(LikeToken::Any) => {
                backtrack = Some((p + 1, t));
                p += 1;
                continue;
            }
            Some(LikeToken::One) => {
                p += 1;
                t += c.len_utf8();
                continue;
            }
            Some(LikeToken::Char(want)) if *want == c => {
                p += 1;
                t += c.len_utf8();
                continue;
            }
            _ => {}
        }
        let Some((after_any, tried)) = backtrack else {
            return false;
        };
        // Let the `%` swallow one more character and try again from there.
        let skipped = text[tried..].chars().next().map_or(1, char::len_utf8);
        backtrack = Some((after_any, tried + skipped));
        p = after_any;
        t = tried + skipped;
    }
    tokens[p..].iter().all(|t| *t == LikeToken::Any)
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.is_regex() == other.is_regex() && self.source == other.source
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_regex() { "Regex" } else { "Like" };
        write!(f, "{kind}({:?})", self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(pattern: &str, text: &str) -> bool {
        Pattern::like(pattern).matches(text)
    }

    #[test]
    fn like_wildcards() {
        assert!(like("abc", "abc"));
        assert!(!like("abc", "abcd"));
        assert!(!like("abc", "ABC"));
        assert!(like("a%", "a"));
        assert!(like("a%", "abc"));
        assert!(!like("a%", "ba"));
        assert!(like("%c", "abc"));
        assert!(like("%b%", "abc"));
        assert!(!like("%x%", "abc"));
        assert!(like("a_c", "abc"));
        assert!(!like("a_c", "ac"));
        assert!(!like("a_c", "abbc"));
        assert!(like("_", "é"));
        assert!(!like("__", "é"));
        assert!(like("%", ""));
        assert!(like("", ""));
        assert!(!like("", "a"));
        assert!(!like("_", ""));
        assert!(like("%a%b%c%", "xxaxxbxxcxx"));
        assert!(like("a%b_d", "aXbXbcd"));
        assert!(like("%aab", "aaab"));
        assert!(like("日本%", "日本語"));
        assert!(like("%語", "日本語"));
    }

    #[test]
    fn like_escapes() {
        assert!(like("100\\%", "100%"));
        assert!(!like("100\\%", "1000"));
        assert!(like("a\\_b", "a_b"));
        assert!(!like("a\\_b", "axb"));
        assert!(like("a\\\\", "a\\"));
        assert!(like("a\\", "a\\"));
    }

    #[test]
    fn like_is_linear_enough_on_hostile_patterns() {
        let text = "a".repeat(5000);
        let pattern = "%a".repeat(50) + "b";
        assert!(!like(&pattern, &text));
    }

    #[test]
    fn regex_matches_anywhere_and_refuses_bad_or_huge_patterns() {
        let p = Pattern::regex("^ab+c$", 0).unwrap();
        assert!(p.matches("abbc"));
        assert!(!p.matches("xabbc"));
        assert!(Pattern::regex("b+", 0).unwrap().matches("abbc"));
        let err = Pattern::regex("a(", 4).unwrap_err();
        assert_eq!(err.pos, 4);
        assert!(err.message.starts_with("bad regex ("), "{}", err.message);
        let err = Pattern::regex("(\\w{100}){100}", 2).unwrap_err();
        assert_eq!(err.to_string(), "regex too large at 2");
    }

    #[test]
    fn equality_is_kind_and_source() {
        assert_eq!(Pattern::like("a%"), Pattern::like("a%"));
        assert_ne!(Pattern::like("a%"), Pattern::regex("a%", 0).unwrap());
        assert_ne!(Pattern::like("a%"), Pattern::like("a%%"));
    }
}
