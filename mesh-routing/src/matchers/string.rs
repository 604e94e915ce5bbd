//! A compiled `StringMatch` (routing.md R3): exact, prefix, full-match regex, or anything.

use std::collections::HashMap;
use std::sync::Arc;

use foldhash::fast::FixedState;
use mesh_api::StringMatch;
use regex::Regex;

/// A string comparison prepared once at compile time.
#[derive(Clone, Debug)]
pub(crate) enum StringMatcher {
    /// Equal to the value.
    Exact { value: String, ignore_case: bool },
    /// Starts with the value.
    Prefix { value: String, ignore_case: bool },
    /// The whole string matches the regex (anchored when compiled). Shared: every use of
    /// one pattern in a mesh holds the same compiled regex, and its match caches.
    Regex(Arc<Regex>),
    /// Any value.
    Any,
}

impl StringMatcher {
    /// Compiles a match; `ignore_case` applies to exact and prefix only (`ignoreUriCase`).
    #[cfg(test)]
    pub(crate) fn new(m: &StringMatch, ignore_case: bool) -> Result<Self, regex::Error> {
        Self::with_cache(m, ignore_case, &mut RegexCache::default())
    }

    /// Compiles a match (`ignore_case` applies to exact and prefix only, `ignoreUriCase`), reusing a regex compiled earlier for the same pattern:
    /// meshes repeat patterns, and a compiled regex is large and slow to build.
    pub(crate) fn with_cache(m: &StringMatch, ignore_case: bool, cache: &mut RegexCache) -> Result<Self, regex::Error> {
        Ok(match m {
            StringMatch::Exact(v) => Self::Exact { value: v.clone(), ignore_case },
            StringMatch::Prefix(v) => Self::Prefix { value: v.clone(), ignore_case },
            StringMatch::Regex(v) => Self::Regex(cache.full_match(v)?),
            StringMatch::Any => Self::Any,
        })
    }

    /// Whether `value` satisfies the comparison.
    #[inline]
    pub(crate) fn matches(&self, value: &str) -> bool {
        match self {
            Self::Exact { value: v, ignore_case: false } => same_bytes(value.as_bytes(), v.as_bytes()),
            Self::Exact { value: v, ignore_case: true } => value.eq_ignore_ascii_case(v),
            Self::Prefix { value: v, ignore_case: false } => {
                value.len() >= v.len() && same_bytes(&value.as_bytes()[..v.len()], v.as_bytes())
            }
            Self::Prefix { value: v, ignore_case: true } => {
                value.len() >= v.len() && value.is_char_boundary(v.len()) && value[..v.len()].eq_ignore_ascii_case(v)
            }
            Self::Regex(re) => re.is_match(value),
            Self::Any => true,
        }
    }

    /// The prefix this matcher strips for a rewrite (routing.md A3): the prefix itself, the
    /// whole value for exact matches.
    pub(crate) fn prefix(&self) -> Option<&str> {
        match self {
            Self::Prefix { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Whether this is a match-everything path prefix (`/`) or regex (`.*`), for S4/S5.
    pub(crate) fn is_catch_all_path(&self) -> bool {
        match self {
            Self::Prefix { value, .. } => value == "/" || value.is_empty(),
            Self::Regex(re) => re.as_str() == "^(?:.*)$",
            Self::Any => true,
            Self::Exact { .. } => false,
        }
    }
}

/// Whether two byte strings are equal, compared a word at a time in line. Routing compares
/// short values (paths, header values) on every decision, and for a few bytes a call into
/// the C library's `memcmp`, which `==` makes, costs more than the comparison.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    fn word(chunk: &[u8]) -> u64 {
        <[u8; 8]>::try_from(chunk).map_or(0, u64::from_ne_bytes)
    }
    if a.len() != b.len() {
        return false;
    }
    let (a_words, b_words) = (a.chunks_exact(8), b.chunks_exact(8));
    let (a_rest, b_rest) = (a_words.remainder(), b_words.remainder());
    a_words.zip(b_words).all(|(x, y)| word(x) == word(y)) && a_rest.iter().zip(b_rest).all(|(x, y)| x == y)
}

/// Regexes compiled while compiling one mesh, by pattern: meshes repeat patterns, and a
/// compiled regex is large and slow to build.
#[derive(Debug, Default)]
pub(crate) struct RegexCache {
    /// Patterns as written in `StringMatch.regex`, compiled to match whole strings.
    full: HashMap<String, Arc<Regex>, FixedState>,
    /// Patterns compiled as written (`uriRegexRewrite`).
    plain: HashMap<String, Arc<Regex>, FixedState>,
}

impl RegexCache {
    /// `pattern` compiled to match a whole string (R3), built on first use.
    pub(crate) fn full_match(&mut self, pattern: &str) -> Result<Arc<Regex>, regex::Error> {
        if let Some(re) = self.full.get(pattern) {
            return Ok(Arc::clone(re));
        }
        // The pattern must stand on its own: `a)|(b` is no regex, though wrapped in the
        // anchors below it would compile and match unanchored.
        if let Err(e) = regex_syntax::Parser::new().parse(pattern) {
            return Err(regex::Error::Syntax(e.to_string()));
        }
        let re = Arc::new(Regex::new(&format!("^(?:{pattern})$"))?);
        self.full.insert(pattern.to_owned(), Arc::clone(&re));
        Ok(re)
    }

    /// `pattern` compiled as written, built on first use.
    pub(crate) fn compile(&mut self, pattern: &str) -> Result<Arc<Regex>, regex::Error> {
        if let Some(re) = self.plain.get(pattern) {
            return Ok(Arc::clone(re));
        }
        let re = Arc::new(Regex::new(pattern)?);
        self.plain.insert(pattern.to_owned(), Arc::clone(&re));
        Ok(re)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_agrees_with_equality() {
        let values =
            ["", "a", "gold", "/api/", "/api/items", "exactly8", "exactly8!", "sixteen-bytes-ok", "é", "/api/itemz"];
        for a in values {
            for b in values {
                assert_eq!(same_bytes(a.as_bytes(), b.as_bytes()), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn one_pattern_is_compiled_once_per_cache() {
        let mut cache = RegexCache::default();
        let a = cache.full_match("a+").unwrap();
        let b = cache.full_match("a+").unwrap();
        assert!(Arc::ptr_eq(&a, &b), "one compiled regex per pattern");
        assert_eq!(a.as_str(), "^(?:a+)$");
        assert!(!cache.compile("a+").unwrap().is_match("") && cache.compile("a+").unwrap().is_match("baab"));
        assert_eq!((cache.full.len(), cache.plain.len()), (1, 1));
        assert!(cache.compile("(").is_err());
        assert!(cache.full_match("(").is_err());
        assert!(cache.full_match("a)|(b").is_err(), "checked on its own, not inside the anchors");
    }

    #[test]
    fn r3_a_pattern_that_is_no_regex_on_its_own_is_refused_not_unanchored() {
        for pattern in ["a)|(b", "x)|.*|(y", "(?:a))|((b"] {
            assert!(StringMatcher::new(&StringMatch::regex(pattern), false).is_err(), "{pattern}");
        }
    }

    #[test]
    fn r3_regex_must_match_the_whole_value() {
        let m = StringMatcher::new(&StringMatch::regex(r"\d+"), false).unwrap();
        assert!(m.matches("123"));
        assert!(!m.matches("a123"));
    }

    #[test]
    fn r3_prefix_is_a_plain_string_prefix() {
        let m = StringMatcher::new(&StringMatch::prefix("/foo"), false).unwrap();
        assert!(m.matches("/foobar"));
        assert!(!m.matches("/Foo"));
    }

    #[test]
    fn r3_ignore_uri_case_affects_exact_and_prefix() {
        let m = StringMatcher::new(&StringMatch::exact("/Login"), true).unwrap();
        assert!(m.matches("/login"));
        let p = StringMatcher::new(&StringMatch::prefix("/API"), true).unwrap();
        assert!(p.matches("/api/v1"));
    }

    #[test]
    fn r3_values_are_case_sensitive_by_default() {
        let m = StringMatcher::new(&StringMatch::exact("GET"), false).unwrap();
        assert!(!m.matches("get"));
    }
}
