//! The DestinationRule policy in force for a destination (routing.md P5).

use mesh_api::networking::{PortTrafficPolicy, TrafficPolicy};

fn port_level(policy: &TrafficPolicy, port: u32) -> Option<&PortTrafficPolicy> {
    policy.port_level_settings.iter().find(|p| p.port.as_ref().and_then(|s| s.number) == Some(port))
}

/// A policy with its port-level entry for `port` applied: the entry replaces the four
/// port-level fields wholesale (fields it omits fall back to defaults, not to the top level).
fn at_port(policy: &TrafficPolicy, port: u32) -> (TrafficPolicy, bool) {
    let mut out = policy.clone();
    out.port_level_settings.clear();
    let Some(p) = port_level(policy, port) else { return (out, false) };
    out.load_balancer = p.load_balancer.clone();
    out.connection_pool = p.connection_pool.clone();
    out.outlier_detection = p.outlier_detection.clone();
    out.tls = p.tls.clone();
    (out, true)
}

/// Merges top level, port level and subset level for `port`.
pub(crate) fn effective_policy(
    top: Option<&TrafficPolicy>,
    subset: Option<&TrafficPolicy>,
    port: u32,
) -> TrafficPolicy {
    let mut out = top.map(|t| at_port(t, port).0).unwrap_or_default();
    if let Some(sub) = subset {
        let (sub, port_specific) = at_port(sub, port);
        if port_specific {
            out.load_balancer = sub.load_balancer;
            out.connection_pool = sub.connection_pool;
            out.outlier_detection = sub.outlier_detection;
            out.tls = sub.tls;
        } else {
            if sub.load_balancer.is_some() {
                out.load_balancer = sub.load_balancer;
            }
            if sub.connection_pool.is_some() {
                out.connection_pool = sub.connection_pool;
            }
            if sub.outlier_detection.is_some() {
                out.outlier_detection = sub.outlier_detection;
            }
            if sub.tls.is_some() {
                out.tls = sub.tls;
            }
        }
        if sub.tunnel.is_some() {
            out.tunnel = sub.tunnel;
        }
        if sub.proxy_protocol.is_some() {
            out.proxy_protocol = sub.proxy_protocol;
        }
        if sub.retry_budget.is_some() {
            out.retry_budget = sub.retry_budget;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mesh_api::networking::SimpleLb;

    fn policy(yaml: &str) -> TrafficPolicy {
        mesh_api::parse_yaml(yaml).unwrap()
    }

    #[test]
    fn p5_subset_field_replaces_top_level_field_and_keeps_the_rest() {
        let top = policy("{loadBalancer: {simple: LEAST_REQUEST}, connectionPool: {tcp: {maxConnections: 100}}}");
        let sub = policy("{loadBalancer: {simple: ROUND_ROBIN}}");
        let out = effective_policy(Some(&top), Some(&sub), 9080);
        assert_eq!(out.load_balancer.unwrap().simple, Some(SimpleLb::RoundRobin));
        assert_eq!(out.connection_pool.unwrap().tcp.unwrap().max_connections, Some(100));
    }

    #[test]
    fn p5_port_level_replaces_the_four_fields_wholesale() {
        let top = policy(
            "{loadBalancer: {simple: RANDOM}, connectionPool: {tcp: {maxConnections: 1}}, portLevelSettings: [{port: {number: 80}, loadBalancer: {simple: ROUND_ROBIN}}]}",
        );
        let out = effective_policy(Some(&top), None, 80);
        assert_eq!(out.load_balancer.unwrap().simple, Some(SimpleLb::RoundRobin));
        assert!(out.connection_pool.is_none());
        let other = effective_policy(Some(&top), None, 81);
        assert_eq!(other.load_balancer.unwrap().simple, Some(SimpleLb::Random));
    }

    #[test]
    fn p7_hash_precedence_subset_port_level_over_subset_over_top_port_level_over_top() {
        let top = policy(
            "{loadBalancer: {consistentHash: {httpHeaderName: top}}, portLevelSettings: [{port: {number: 80}, loadBalancer: {consistentHash: {httpHeaderName: top-port}}}]}",
        );
        let sub = policy(
            "{loadBalancer: {consistentHash: {httpHeaderName: sub}}, portLevelSettings: [{port: {number: 80}, loadBalancer: {consistentHash: {httpHeaderName: sub-port}}}]}",
        );
        let header = |p: TrafficPolicy| p.load_balancer.unwrap().consistent_hash.unwrap().http_header_name.unwrap();
        assert_eq!(header(effective_policy(Some(&top), Some(&sub), 80)), "sub-port");
        assert_eq!(header(effective_policy(Some(&top), Some(&sub), 81)), "sub");
        assert_eq!(header(effective_policy(Some(&top), None, 80)), "top-port");
        assert_eq!(header(effective_policy(Some(&top), None, 81)), "top");
    }
}
