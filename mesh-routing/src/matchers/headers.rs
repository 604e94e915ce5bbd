//! Header and query-parameter conditions (routing.md R4), including `withoutHeaders`.

use mesh_api::StringMatch;

use super::string::{RegexCache, StringMatcher};

/// One named condition on a header or query parameter.
#[derive(Clone, Debug)]
pub(crate) struct HeaderMatcher {
    /// Lower-cased for headers; as written for query parameters.
    pub(crate) name: String,
    /// `None` when only presence is asked (`{}` or `regex: "*"`).
    pub(crate) value: Option<StringMatcher>,
    /// `withoutHeaders`: the condition is negated.
    negated: bool,
}

impl HeaderMatcher {
    /// Compiles a condition on `name`.
    pub(crate) fn new(
        name: &str,
        m: &StringMatch,
        negated: bool,
        lower_name: bool,
        cache: &mut RegexCache,
    ) -> Result<Self, regex::Error> {
        let presence = matches!(m, StringMatch::Any) || matches!(m, StringMatch::Regex(r) if r == "*");
        Ok(Self {
            name: if lower_name { name.to_ascii_lowercase() } else { name.to_owned() },
            value: if presence { None } else { Some(StringMatcher::with_cache(m, false, cache)?) },
            negated,
        })
    }

    /// Whether the value found (`None` when absent) satisfies the condition.
    #[inline]
    pub(crate) fn matches(&self, found: Option<&str>) -> bool {
        match (&self.value, self.negated) {
            (None, false) => found.is_some(),
            (None, true) => found.is_none(),
            (Some(m), false) => found.is_some_and(|v| m.matches(v)),
            (Some(m), true) => !m.matches(found.unwrap_or("")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(m: StringMatch, negated: bool) -> HeaderMatcher {
        HeaderMatcher::new("End-User", &m, negated, true, &mut RegexCache::default()).unwrap()
    }

    #[test]
    fn r4_empty_match_means_present() {
        let h = header(StringMatch::Any, false);
        assert!(h.matches(Some("")));
        assert!(!h.matches(None));
        assert_eq!(h.name, "end-user");
    }

    #[test]
    fn r4_regex_star_means_present() {
        assert!(header(StringMatch::regex("*"), false).matches(Some("x")));
    }

    #[test]
    fn r4_exact_empty_matches_present_empty_value() {
        let h = header(StringMatch::exact(""), false);
        assert!(h.matches(Some("")));
        assert!(!h.matches(None));
    }

    #[test]
    fn r4_without_headers_matches_absent_or_different() {
        let h = header(StringMatch::exact("jason"), true);
        assert!(h.matches(None));
        assert!(h.matches(Some("alice")));
        assert!(!h.matches(Some("jason")));
    }

    #[test]
    fn r4_without_headers_presence_matches_only_absent() {
        let h = header(StringMatch::Any, true);
        assert!(h.matches(None));
        assert!(!h.matches(Some("x")));
    }
}
