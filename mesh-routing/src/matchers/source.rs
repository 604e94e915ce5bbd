//! Conditions on the proxy that handles the request: `sourceLabels`, `sourceNamespace` and
//! `gateways` (routing.md R2, L2, G1, G2).

/// Which proxy a match entry applies to.
#[derive(Clone, Debug, Default)]
pub(crate) struct SourceMatcher {
    /// Required proxy labels.
    pub(crate) labels: Vec<(String, String)>,
    /// Required proxy namespace.
    pub(crate) namespace: Option<String>,
    /// Resolved gateway names (`mesh` or `ns/name`); empty = no condition.
    pub(crate) gateways: Vec<String>,
}

/// The proxy a request passes through.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Proxy<'a> {
    /// `mesh` for sidecars, `ns/name` of the Gateway for gateways.
    pub(crate) gateway: &'a str,
    /// Namespace of the proxy's pod.
    pub(crate) namespace: &'a str,
    /// Labels of the proxy's pod.
    pub(crate) labels: &'a [(String, String)],
}

impl SourceMatcher {
    /// No condition: every proxy matches.
    pub(crate) fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.namespace.is_none() && self.gateways.is_empty()
    }

    /// HTTP semantics (R2): when `gateways` is set, the source conditions are ignored.
    #[inline]
    pub(crate) fn matches_http(&self, proxy: Proxy<'_>) -> bool {
        if !self.gateways.is_empty() {
            return self.gateways.iter().any(|g| g == proxy.gateway);
        }
        self.matches_source(proxy)
    }

    /// TCP/TLS semantics (L2, L4): every condition that is set must hold.
    #[inline]
    pub(crate) fn matches_l4(&self, proxy: Proxy<'_>) -> bool {
        (self.gateways.is_empty() || self.gateways.iter().any(|g| g == proxy.gateway)) && self.matches_source(proxy)
    }

    #[inline]
    fn matches_source(&self, proxy: Proxy<'_>) -> bool {
        self.namespace.as_deref().is_none_or(|ns| ns == proxy.namespace) && labels_subset(&self.labels, proxy.labels)
    }
}

/// Whether every `(key, value)` of `wanted` is among `have` (P6, G3, V4).
#[inline]
pub(crate) fn labels_subset(wanted: &[(String, String)], have: &[(String, String)]) -> bool {
    wanted.iter().all(|(k, v)| have.iter().any(|(hk, hv)| hk == k && hv == v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn r2_gateways_set_means_source_conditions_are_ignored_for_http() {
        let m = SourceMatcher { namespace: Some("other".into()), gateways: vec!["mesh".into()], ..Default::default() };
        let proxy = Proxy { gateway: "mesh", namespace: "default", labels: &[] };
        assert!(m.matches_http(proxy));
        assert!(!m.matches_l4(proxy));
    }

    #[test]
    fn r2_source_labels_must_be_a_subset_of_the_proxy_labels() {
        let m = SourceMatcher { labels: labels(&[("app", "reviews")]), ..Default::default() };
        let have = labels(&[("app", "reviews"), ("version", "v2")]);
        assert!(m.matches_http(Proxy { gateway: "mesh", namespace: "default", labels: &have }));
        assert!(!m.matches_http(Proxy { gateway: "mesh", namespace: "default", labels: &[] }));
    }

    #[test]
    fn r2_source_namespace_compares_the_proxy_namespace() {
        let m = SourceMatcher { namespace: Some("shop".into()), ..Default::default() };
        assert!(m.matches_http(Proxy { gateway: "mesh", namespace: "shop", labels: &[] }));
        assert!(!m.matches_http(Proxy { gateway: "mesh", namespace: "web", labels: &[] }));
    }
}
