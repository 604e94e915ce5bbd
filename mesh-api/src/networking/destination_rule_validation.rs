//! Admission rules for [`DestinationRule`], after Istio's `ValidateDestinationRule` and the
//! checks it calls (`pkg/config/validation` and its `agent` package), plus the bounds that
//! Istio's CRD schema alone enforces (`oneOf` groups, numeric ranges, `duration >= 1ms` rules),
//! so that a document the API server would refuse is refused here too.

use std::collections::{BTreeMap, HashSet};

use crate::networking::{
    ClientTlsSettings, ConnectionPoolSettings, ConsistentHashLb, DestinationRule, H2UpgradePolicy,
    LoadBalancerSettings, LocalityLoadBalancerSetting, OutlierDetection, PortTrafficPolicy, Subset, TlsMode,
    TrafficPolicy, TrafficPolicyTunnelSettings, WarmupConfiguration, ZoneAwareLoadBalancerSetting,
};
use crate::validation::rules::{
    check_duration, check_export_to, check_fqdn, check_label_selector, check_labels, check_metadata, check_percent,
    check_port, check_wildcard_host, is_dns1123_label, is_ip_address,
};
use crate::{Duration, Problem, Validate, Validator};

/// Largest Maglev table Envoy accepts, plus one.
const MAGLEV_TABLE_LIMIT: u64 = 5_000_011;

/// Most `portLevelSettings` entries the CRD schema admits.
const MAX_PORT_LEVEL_SETTINGS: usize = 4096;

/// Node labels that describe the locality; Envoy already orders by them.
const TOPOLOGY_LABELS: [&str; 3] =
    ["topology.kubernetes.io/region", "topology.kubernetes.io/zone", "topology.istio.io/subzone"];

/// The `credentialName` prefix naming a ConfigMap as `configmap://<namespace>/<name>`.
const CONFIGMAP_PREFIX: &str = "configmap://";

impl Validate for DestinationRule {
    fn validate(&self) -> Vec<Problem> {
        let mut v = Validator::new();
        check_metadata(&mut v, "DestinationRule", &self.metadata);
        // Kubernetes puts an object without a namespace in `default`.
        let namespace = self.metadata.namespace.as_deref().filter(|ns| !ns.is_empty()).unwrap_or("default");
        let spec = &self.spec;
        v.field("spec", |v| {
            v.field("host", |v| check_wildcard_host(v, &spec.host));
            if let Some(policy) = &spec.traffic_policy {
                v.field("trafficPolicy", |v| check_traffic_policy(v, namespace, policy));
            }
            v.field("subsets", |v| {
                let mut seen = HashSet::new();
                for (i, subset) in spec.subsets.iter().enumerate() {
                    v.item(i, |v| {
                        if !seen.insert(subset.name.as_str()) {
                            v.error_at("name", format!("subset name {:?} is used more than once", subset.name));
                        }
                        check_subset(v, namespace, subset);
                    });
                }
            });
            v.field("exportTo", |v| {
                check_export_to(v, namespace, &spec.export_to, false, spec.workload_selector.is_some());
            });
            if let Some(selector) = &spec.workload_selector {
                v.field("workloadSelector", |v| {
                    check_label_selector(v, selector);
                    v.field("matchLabels", |v| {
                        for (key, value) in &selector.match_labels {
                            if value.len() > 63 {
                                v.error_at(key, format!("label value {value:?} is longer than 63 characters"));
                            }
                        }
                    });
                });
            }
        });
        v.finish()
    }
}

fn is_blank(value: &Option<String>) -> bool {
    value.as_deref().unwrap_or_default().is_empty()
}

fn check_subset(v: &mut Validator, namespace: &str, subset: &Subset) {
    v.field("name", |v| {
        if subset.name.is_empty() {
            v.error("a subset needs a name");
        } else if !is_dns1123_label(&subset.name) {
            v.error(format!(
                "subset name {:?} is invalid: use a DNS label (letters, digits and '-', at most 63)",
                subset.name
            ));
        }
    });
    v.field("labels", |v| check_labels(v, &subset.labels));
    if let Some(policy) = &subset.traffic_policy {
        v.field("trafficPolicy", |v| check_traffic_policy(v, namespace, policy));
    }
}

fn check_traffic_policy(v: &mut Validator, namespace: &str, policy: &TrafficPolicy) {
    if policy.load_balancer.is_none()
        && policy.connection_pool.is_none()
        && policy.outlier_detection.is_none()
        && policy.tls.is_none()
        && policy.port_level_settings.is_empty()
        && policy.tunnel.is_none()
        && policy.proxy_protocol.is_none()
        && policy.retry_budget.is_none()
    {
        v.error("a traffic policy must set at least one field; remove it or fill it in");
        return;
    }
    if policy.tunnel.is_some() && policy.proxy_protocol.is_some() {
        v.error("tunnel and proxyProtocol cannot be set together; keep one of them");
    }
    let outlier = policy.outlier_detection.as_ref();
    if let Some(outlier) = outlier {
        v.field("outlierDetection", |v| check_outlier_detection(v, outlier));
    }
    if let Some(pool) = &policy.connection_pool {
        v.field("connectionPool", |v| check_connection_pool(v, pool));
    }
    if let Some(lb) = &policy.load_balancer {
        v.field("loadBalancer", |v| check_load_balancer(v, lb, outlier));
    }
    if let Some(tls) = &policy.tls {
        v.field("tls", |v| check_client_tls(v, namespace, tls));
    }
    v.field("portLevelSettings", |v| {
        if policy.port_level_settings.len() > MAX_PORT_LEVEL_SETTINGS {
            v.error(format!("at most {MAX_PORT_LEVEL_SETTINGS} port-level settings are allowed"));
        }
        for (i, port_policy) in policy.port_level_settings.iter().enumerate() {
            v.item(i, |v| check_port_traffic_policy(v, namespace, port_policy));
        }
    });
    if let Some(tunnel) = &policy.tunnel {
        v.field("tunnel", |v| check_tunnel(v, tunnel));
    }
    if let Some(budget) = &policy.retry_budget
        && let Some(percent) = budget.percent
    {
        v.field("retryBudget", |v| v.field("percent", |v| check_percent(v, percent)));
    }
}

fn check_port_traffic_policy(v: &mut Validator, namespace: &str, policy: &PortTrafficPolicy) {
    if policy.port.is_none() {
        v.error_at("port", "a port-level policy needs the port it applies to");
    }
    if policy.load_balancer.is_none()
        && policy.connection_pool.is_none()
        && policy.outlier_detection.is_none()
        && policy.tls.is_none()
    {
        v.error("a port-level policy must set at least one of loadBalancer, connectionPool, outlierDetection or tls");
        return;
    }
    let outlier = policy.outlier_detection.as_ref();
    if let Some(outlier) = outlier {
        v.field("outlierDetection", |v| check_outlier_detection(v, outlier));
    }
    if let Some(pool) = &policy.connection_pool {
        v.field("connectionPool", |v| check_connection_pool(v, pool));
    }
    if let Some(lb) = &policy.load_balancer {
        v.field("loadBalancer", |v| check_load_balancer(v, lb, outlier));
    }
    if let Some(tls) = &policy.tls {
        v.field("tls", |v| check_client_tls(v, namespace, tls));
    }
}

fn check_tunnel(v: &mut Validator, tunnel: &TrafficPolicyTunnelSettings) {
    if let Some(protocol) = tunnel.protocol.as_deref()
        && !matches!(protocol, "" | "CONNECT" | "POST")
    {
        v.error_at("protocol", format!("tunnel protocol {protocol:?} is not supported; use CONNECT or POST"));
    }
    let mut fqdn = Validator::new();
    check_fqdn(&mut fqdn, &tunnel.target_host);
    if fqdn.has_errors() && !is_ip_address(&tunnel.target_host) {
        v.error_at(
            "targetHost",
            format!(
                "tunnel target host {:?} must be a fully qualified domain name or an IP address",
                tunnel.target_host
            ),
        );
    }
    v.field("targetPort", |v| check_port(v, tunnel.target_port));
}

/// A duration the CRD schema requires to be at least one millisecond (a CEL rule); Istio's own
/// webhook does not look at it.
fn check_at_least_1ms(v: &mut Validator, duration: &Duration) {
    if duration.as_nanos() < 1_000_000 {
        v.error(format!("duration {duration} is too short; it must be at least 1ms"));
    }
}

fn check_outlier_detection(v: &mut Validator, outlier: &OutlierDetection) {
    if let Some(time) = &outlier.base_ejection_time {
        v.field("baseEjectionTime", |v| check_duration(v, time));
    }
    if outlier.consecutive_errors.is_some_and(|n| n != 0) {
        v.warn_at(
            "consecutiveErrors",
            "consecutiveErrors is deprecated; use consecutiveGatewayErrors or consecutive5xxErrors",
        );
    }
    if outlier.consecutive_local_origin_failures.is_some_and(|n| n > 0)
        && !outlier.split_external_local_origin_errors.unwrap_or(false)
    {
        v.error_at(
            "consecutiveLocalOriginFailures",
            "consecutiveLocalOriginFailures takes effect only with splitExternalLocalOriginErrors: true",
        );
    }
    if let Some(interval) = &outlier.interval {
        v.field("interval", |v| check_duration(v, interval));
    }
    if let Some(percent) = outlier.max_ejection_percent {
        v.field("maxEjectionPercent", |v| check_percent(v, f64::from(percent)));
    }
    if let Some(percent) = outlier.min_health_percent {
        v.field("minHealthPercent", |v| check_percent(v, f64::from(percent)));
    }
    v.field("outlierDetectionHttpErrorCodes", |v| {
        for (i, code) in outlier.outlier_detection_http_error_codes.iter().enumerate() {
            if !(100..=599).contains(code) {
                v.item(i, |v| v.error(format!("HTTP status {code} is out of range; use 100 to 599")));
            }
        }
    });
}

fn check_non_negative(v: &mut Validator, field: &str, value: Option<i32>) {
    if let Some(n) = value.filter(|n| *n < 0) {
        v.error_at(field, format!("{field} must not be negative, found {n}"));
    }
}

pub(crate) fn check_connection_pool(v: &mut Validator, pool: &ConnectionPoolSettings) {
    if pool.http.is_none() && pool.tcp.is_none() {
        v.error("a connection pool must set tcp or http");
        return;
    }
    if let Some(http) = &pool.http {
        v.field("http", |v| {
            check_non_negative(v, "http1MaxPendingRequests", http.http1_max_pending_requests);
            check_non_negative(v, "http2MaxRequests", http.http2_max_requests);
            check_non_negative(v, "maxRequestsPerConnection", http.max_requests_per_connection);
            check_non_negative(v, "maxRetries", http.max_retries);
            if let Some(idle) = &http.idle_timeout {
                v.field("idleTimeout", |v| check_duration(v, idle));
            }
            if http.h2_upgrade_policy == Some(H2UpgradePolicy::Upgrade) && http.use_client_protocol == Some(true) {
                v.error_at("useClientProtocol", "useClientProtocol cannot be true when h2UpgradePolicy is UPGRADE");
            }
            check_non_negative(v, "maxConcurrentStreams", http.max_concurrent_streams);
            if let Some(keepalive) = &http.http2_keep_alive {
                v.field("http2KeepAlive", |v| {
                    match &keepalive.interval {
                        Some(interval) => v.field("interval", |v| check_duration(v, interval)),
                        None => v.error_at("interval", "an HTTP/2 keepalive needs an interval"),
                    }
                    match &keepalive.timeout {
                        Some(timeout) => v.field("timeout", |v| check_duration(v, timeout)),
                        None => v.error_at("timeout", "an HTTP/2 keepalive needs a timeout"),
                    }
                });
            }
        });
    }
    if let Some(tcp) = &pool.tcp {
        v.field("tcp", |v| {
            check_non_negative(v, "maxConnections", tcp.max_connections);
            if let Some(timeout) = &tcp.connect_timeout {
                v.field("connectTimeout", |v| check_duration(v, timeout));
            }
            if let Some(duration) = &tcp.max_connection_duration {
                v.field("maxConnectionDuration", |v| check_duration(v, duration));
            }
            // Zero (below a millisecond) turns the idle timeout off and is accepted.
            if let Some(idle) = tcp.idle_timeout.as_ref().filter(|d| d.as_nanos() / 1_000_000 != 0) {
                v.field("idleTimeout", |v| check_duration(v, idle));
            }
            if let Some(keepalive) = &tcp.tcp_keepalive {
                v.field("tcpKeepalive", |v| {
                    if let Some(time) = &keepalive.time {
                        v.field("time", |v| check_duration(v, time));
                    }
                    if let Some(interval) = &keepalive.interval {
                        v.field("interval", |v| check_duration(v, interval));
                    }
                });
            }
        });
    }
}

fn check_load_balancer(v: &mut Validator, lb: &LoadBalancerSettings, outlier: Option<&OutlierDetection>) {
    let policies: Vec<&str> = [
        lb.simple.is_some().then_some("simple"),
        lb.consistent_hash.is_some().then_some("consistentHash"),
        lb.backend_utilization.is_some().then_some("backendUtilization"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if policies.len() > 1 {
        v.error(format!("only one load-balancing policy may be set, found {}", policies.join(" and ")));
    }
    if let Some(hash) = &lb.consistent_hash {
        v.field("consistentHash", |v| check_consistent_hash(v, hash));
    }
    if lb.locality_lb_setting.is_some() && lb.zone_aware_lb_setting.is_some() {
        v.error("localityLbSetting and zoneAwareLbSetting cannot both be set; keep one of them");
    }
    if let Some(locality) = &lb.locality_lb_setting {
        v.field("localityLbSetting", |v| check_locality_lb(v, locality, outlier));
    }
    if let Some(zone_aware) = &lb.zone_aware_lb_setting {
        v.field("zoneAwareLbSetting", |v| check_zone_aware_lb(v, zone_aware, outlier));
    }
    if let Some(duration) = &lb.warmup_duration_secs {
        v.field("warmupDurationSecs", |v| check_at_least_1ms(v, duration));
    }
    if let Some(warmup) = &lb.warmup {
        v.field("warmup", |v| check_warmup(v, warmup));
    }
}

fn check_consistent_hash(v: &mut Validator, hash: &ConsistentHashLb) {
    let keys: Vec<&str> = [
        hash.http_header_name.is_some().then_some("httpHeaderName"),
        hash.http_cookie.is_some().then_some("httpCookie"),
        hash.use_source_ip.is_some().then_some("useSourceIp"),
        hash.http_query_parameter_name.is_some().then_some("httpQueryParameterName"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if keys.len() > 1 {
        v.error(format!("only one hash key may be set, found {}", keys.join(" and ")));
    }
    if hash.ring_hash.is_some() && hash.maglev.is_some() {
        v.error("only one hash algorithm may be set, found ringHash and maglev");
    }
    if let Some(cookie) = &hash.http_cookie {
        v.field("httpCookie", |v| {
            if cookie.name.is_empty() {
                v.error_at("name", "the hash cookie needs a name");
            }
            let mut seen = HashSet::new();
            v.field("attributes", |v| {
                for (i, attribute) in cookie.attributes.iter().enumerate() {
                    v.item(i, |v| {
                        if attribute.name.is_empty() {
                            v.error_at("name", "a cookie attribute needs a name");
                        } else if !seen.insert(attribute.name.as_str()) {
                            v.error_at("name", format!("cookie attribute {:?} is set more than once", attribute.name));
                        }
                    });
                }
            });
        });
    }
    if let Some(size) = hash.minimum_ring_size.filter(|n| *n != 0) {
        v.warn_at("minimumRingSize", "minimumRingSize is deprecated; use ringHash.minimumRingSize");
        if hash.ring_hash.is_some() || hash.maglev.is_some() {
            v.error_at(
                "minimumRingSize",
                format!("minimumRingSize ({size}) cannot be combined with ringHash or maglev"),
            );
        }
    }
    if let Some(maglev) = &hash.maglev {
        v.field("maglev", |v| {
            v.field("tableSize", |v| match maglev.table_size.unwrap_or(0) {
                0 => v.error("maglev needs a tableSize (a prime number, 65537 is the usual choice)"),
                size if size >= MAGLEV_TABLE_LIMIT => {
                    v.error(format!("maglev tableSize {size} must be less than {MAGLEV_TABLE_LIMIT}"));
                }
                size if !is_prime(size) => v.error(format!("maglev tableSize {size} must be a prime number")),
                _ => {}
            });
        });
    }
}

/// Envoy's primality test for Maglev table sizes (trial division by odd numbers).
fn is_prime(n: u64) -> bool {
    if n < 4 {
        return n > 1;
    }
    if n.is_multiple_of(2) {
        return false;
    }
    let mut factor = 3;
    while factor <= n / factor {
        if n.is_multiple_of(factor) {
            return false;
        }
        factor += 2;
    }
    true
}

fn check_warmup(v: &mut Validator, warmup: &WarmupConfiguration) {
    v.field("duration", |v| check_duration(v, &warmup.duration));
    if let Some(percent) = warmup.minimum_percent {
        v.field("minimumPercent", |v| check_percent(v, percent));
    }
    if let Some(aggression) = warmup.aggression.filter(|a| *a <= 0.0) {
        v.error_at("aggression", format!("aggression must be greater than 0, found {aggression}"));
    }
}

fn check_failover_regions(v: &mut Validator, what: &str, from: &Option<String>, to: &Option<String>) {
    let (from, to) = (from.as_deref().unwrap_or_default(), to.as_deref().unwrap_or_default());
    if from == to {
        v.error(format!("{what} failover must go to a different region than it comes from ({from:?})"));
    }
    if from.contains('/') || to.contains('/') {
        v.error(format!("{what} failover names regions only, without zone or subzone (no '/')"));
    }
    if from.contains('*') || to.contains('*') {
        v.error(format!("{what} failover regions cannot contain the '*' wildcard"));
    }
}

fn check_locality_lb(v: &mut Validator, lb: &LocalityLoadBalancerSetting, outlier: Option<&OutlierDetection>) {
    if !lb.distribute.is_empty() && !lb.failover.is_empty() {
        v.error("distribute and failover cannot be set together");
        return;
    }
    if !lb.failover.is_empty()
        && let Some(label) = lb.failover_priority.iter().find(|l| TOPOLOGY_LABELS.contains(&l.as_str()))
    {
        v.error_at(
            "failoverPriority",
            format!("failoverPriority cannot hold the topology label {label:?} while failover is set"),
        );
        return;
    }
    let mut sources = Vec::new();
    let stopped = v.field("distribute", |v| {
        for (i, rule) in lb.distribute.iter().enumerate() {
            sources.push(rule.from.clone().unwrap_or_default());
            let stop = v.item(i, |v| {
                v.field("to", |v| {
                    if let Some((locality, weight)) = lb_weight_out_of_range(rule) {
                        v.error_at(locality, format!("locality weight {weight} is out of range; use 1 to 100"));
                        return true;
                    }
                    let total: u64 = rule.to.values().map(|w| u64::from(*w)).sum();
                    if total != 100 {
                        v.error(format!("locality weights add up to {total}; they must add up to 100"));
                        return true;
                    }
                    let targets: Vec<&str> = rule.to.keys().map(String::as_str).collect();
                    if let Some(problem) = localities_problem(&targets) {
                        v.error(problem);
                    }
                    false
                })
            });
            if stop {
                return true;
            }
        }
        false
    });
    if stopped {
        return;
    }
    let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
    if let Some(problem) = localities_problem(&sources) {
        v.error_at("distribute", problem);
    }
    if (!lb.failover.is_empty() || !lb.failover_priority.is_empty()) && outlier.is_none() {
        v.warn("failover only takes effect with an outlierDetection policy; add one");
    }
    v.field("failover", |v| {
        for (i, failover) in lb.failover.iter().enumerate() {
            v.item(i, |v| check_failover_regions(v, "locality", &failover.from, &failover.to));
        }
    });
}

fn lb_weight_out_of_range(rule: &crate::networking::LocalityDistribute) -> Option<(&str, u32)> {
    rule.to.iter().find(|(_, w)| **w == 0 || **w > 100).map(|(l, w)| (l.as_str(), *w))
}

/// Why a list of localities (`region/zone/subzone`, with an optional trailing `*`) is refused:
/// a misplaced wildcard, an empty part, or two entries covering the same place.
fn localities_problem(localities: &[&str]) -> Option<String> {
    // region -> zone -> subzones; "*" stands for "everything below".
    let mut seen: BTreeMap<&str, BTreeMap<&str, HashSet<&str>>> = BTreeMap::new();
    for &locality in localities {
        let stars = locality.matches('*').count();
        if stars > 1 || (stars == 1 && !locality.ends_with('*')) {
            return Some(format!("locality {locality:?} may hold one '*' only, at the end"));
        }
        let overlap = || Some(format!("locality {locality:?} overlaps with one listed before"));
        if seen.contains_key("*") {
            return overlap();
        }
        let parts: Vec<&str> = locality.splitn(3, '/').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Some(format!("locality {locality:?} has an empty region, zone or subzone"));
        }
        match parts.as_slice() {
            [region] => {
                if seen.contains_key(region) {
                    return overlap();
                }
                seen.insert(region, BTreeMap::from([("*", HashSet::from(["*"]))]));
            }
            [region, zone] => {
                let zones = seen.entry(region).or_default();
                if zones.contains_key("*") || zones.contains_key(zone) {
                    return overlap();
                }
                zones.insert(zone, HashSet::from(["*"]));
            }
            [region, zone, subzone] => {
                let zones = seen.entry(region).or_default();
                if zones.contains_key("*") {
                    return overlap();
                }
                let subzones = zones.entry(zone).or_default();
                if subzones.contains("*") || !subzones.insert(subzone) {
                    return overlap();
                }
            }
            _ => {}
        }
    }
    None
}

fn check_zone_aware_lb(v: &mut Validator, lb: &ZoneAwareLoadBalancerSetting, outlier: Option<&OutlierDetection>) {
    v.field("failoverPriority", |v| {
        for (i, label) in lb.failover_priority.iter().enumerate() {
            if TOPOLOGY_LABELS.contains(&label.as_str()) {
                v.item(i, |v| {
                    v.error(format!(
                        "zone-aware failoverPriority cannot use the topology label {label:?}; \
                         region and zone ordering is automatic"
                    ));
                });
            }
        }
    });
    if (!lb.failover.is_empty() || !lb.failover_priority.is_empty()) && outlier.is_none() {
        v.warn("failover only takes effect with an outlierDetection policy; add one");
    }
    v.field("failover", |v| {
        for (i, failover) in lb.failover.iter().enumerate() {
            v.item(i, |v| check_failover_regions(v, "zone-aware", &failover.from, &failover.to));
        }
    });
    if lb.min_cluster_size == Some(0) {
        v.error_at("minClusterSize", "minClusterSize must be at least 1");
    }
}

fn check_client_tls(v: &mut Validator, namespace: &str, tls: &ClientTlsSettings) {
    let credential = tls.credential_name.as_deref().unwrap_or_default();
    if let Some(reference) = credential.strip_prefix(CONFIGMAP_PREFIX) {
        let problem = match reference.split('/').collect::<Vec<_>>().as_slice() {
            [_] => Some(format!("{credential:?} needs a namespace and a name: configmap://<namespace>/<name>")),
            ["", ..] => Some(format!("{credential:?} has an empty namespace")),
            [_, "", ..] => Some(format!("{credential:?} has an empty name")),
            [ns, ..] if *ns != namespace => {
                Some(format!("{credential:?} must name a ConfigMap in the rule's own namespace {namespace:?}"))
            }
            _ => None,
        };
        if let Some(problem) = problem {
            v.error_at("credentialName", problem);
        }
    }
    let mode = tls.mode.unwrap_or(TlsMode::Disable);
    if tls.insecure_skip_verify == Some(true) {
        let conflict = match mode {
            TlsMode::Simple => {
                !is_blank(&tls.ca_certificates) || !credential.is_empty() || !tls.subject_alt_names.is_empty()
            }
            TlsMode::Mutual => !is_blank(&tls.ca_certificates) || !tls.subject_alt_names.is_empty(),
            _ => false,
        };
        if conflict {
            v.error_at(
                "insecureSkipVerify",
                "insecureSkipVerify: true cannot be combined with caCertificates, subjectAltNames \
                 or (in SIMPLE mode) credentialName, which ask for verification",
            );
        }
    }
    if matches!(mode, TlsMode::Simple | TlsMode::Mutual) && !credential.is_empty() {
        if !is_blank(&tls.client_certificate)
            || !is_blank(&tls.ca_certificates)
            || !is_blank(&tls.private_key)
            || !is_blank(&tls.ca_crl)
        {
            v.error_at(
                "credentialName",
                "with credentialName set, clientCertificate, privateKey, caCertificates and caCrl \
                 must be left out (they come from the secret)",
            );
        }
        return;
    }
    if mode == TlsMode::Mutual {
        if is_blank(&tls.client_certificate) {
            v.error_at("clientCertificate", "MUTUAL mode needs a clientCertificate (or a credentialName)");
        }
        if is_blank(&tls.private_key) {
            v.error_at("privateKey", "MUTUAL mode needs a privateKey (or a credentialName)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    /// Validates a DestinationRule in namespace `shop` whose spec is `spec` (YAML).
    fn check(spec: &str) -> Vec<Problem> {
        let text = format!(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: rule, namespace: shop}}\nspec:\n{}",
            spec.lines().map(|l| format!("  {l}\n")).collect::<String>()
        );
        let rule: DestinationRule = serde_yaml::from_str(&text).unwrap();
        rule.validate()
    }

    /// Whether an error (or, with `warning`, a warning) was recorded at `path`.
    fn has(problems: &[Problem], level: Level, path: &str) -> bool {
        problems.iter().any(|p| p.level == level && p.path.to_string() == path)
    }

    #[track_caller]
    fn assert_error(spec: &str, path: &str) {
        let problems = check(spec);
        assert!(has(&problems, Level::Error, path), "no error at {path}; got {problems:#?}");
    }

    #[track_caller]
    fn assert_warning(spec: &str, path: &str) {
        let problems = check(spec);
        assert!(has(&problems, Level::Warning, path), "no warning at {path}; got {problems:#?}");
    }

    #[test]
    fn a_complete_rule_is_valid() {
        let problems = check(
            r"
host: reviews.shop.svc.cluster.local
exportTo: ['.']
trafficPolicy:
  loadBalancer:
    consistentHash:
      httpCookie: {name: user, ttl: 0s, attributes: [{name: SameSite, value: Strict}]}
      maglev: {tableSize: 65537}
    localityLbSetting:
      distribute:
      - from: us-west/zone1/*
        to: {us-west/zone1/*: 80, us-west/zone2/*: 20}
    warmup: {duration: 60s, minimumPercent: 10, aggression: 1.5}
  connectionPool:
    tcp: {maxConnections: 100, connectTimeout: 30ms, idleTimeout: 0s, tcpKeepalive: {time: 7200s, interval: 75s}}
    http: {http2MaxRequests: 1000, maxRequestsPerConnection: 10, http2KeepAlive: {interval: 10s, timeout: 5s}}
  outlierDetection: {consecutive5xxErrors: 7, interval: 5m, baseEjectionTime: 15m, maxEjectionPercent: 50}
  tls: {mode: MUTUAL, credentialName: client-cert, sni: reviews.example.com}
  portLevelSettings:
  - port: {number: 9080}
    loadBalancer: {simple: LEAST_REQUEST}
  retryBudget: {percent: 20, minRetryConcurrency: 3}
subsets:
- name: v1
  labels: {version: v1}
- name: v2
  labels: {version: v2}
  trafficPolicy:
    tunnel: {protocol: CONNECT, targetHost: egress.example.com, targetPort: 8443}
",
        );
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn host_must_be_a_valid_wildcard_domain() {
        assert_error("host: 'reviews..shop'", "spec.host");
        assert_error("host: 'a.*.example.com'", "spec.host");
        assert!(check("host: '*.example.com'").is_empty());
    }

    #[test]
    fn empty_traffic_policy_is_an_error() {
        assert_error("host: a\ntrafficPolicy: {}", "spec.trafficPolicy");
        assert_error("host: a\nsubsets: [{name: v1, trafficPolicy: {}}]", "spec.subsets[0].trafficPolicy");
    }

    #[test]
    fn port_level_policy_needs_a_port_and_a_setting() {
        let spec =
            "host: a\ntrafficPolicy:\n  portLevelSettings:\n  - loadBalancer: {simple: RANDOM}\n  - port: {number: 80}";
        assert_error(spec, "spec.trafficPolicy.portLevelSettings[0].port");
        assert_error(spec, "spec.trafficPolicy.portLevelSettings[1]");
    }

    #[test]
    fn subset_names_must_be_unique() {
        assert_error("host: a\nsubsets: [{name: v1}, {name: v1}]", "spec.subsets[1].name");
    }

    #[test]
    fn subset_name_must_be_a_dns_label() {
        assert_error("host: a\nsubsets: [{name: 'v1.0'}]", "spec.subsets[0].name");
        assert_error("host: a\nsubsets: [{name: ''}]", "spec.subsets[0].name");
    }

    #[test]
    fn subset_labels_must_be_valid() {
        assert_error("host: a\nsubsets: [{name: v1, labels: {'bad key!': v1}}]", "spec.subsets[0].labels.bad key!");
    }

    #[test]
    fn tunnel_and_proxy_protocol_are_exclusive() {
        assert_error(
            "host: a\ntrafficPolicy:\n  tunnel: {targetHost: example.com, targetPort: 443}\n  proxyProtocol: {version: V2}",
            "spec.trafficPolicy",
        );
    }

    #[test]
    fn tunnel_protocol_host_and_port_must_be_valid() {
        let spec = "host: a\ntrafficPolicy:\n  tunnel: {protocol: GET, targetHost: 'bad host', targetPort: 0}";
        assert_error(spec, "spec.trafficPolicy.tunnel.protocol");
        assert_error(spec, "spec.trafficPolicy.tunnel.targetHost");
        assert_error(spec, "spec.trafficPolicy.tunnel.targetPort");
        assert!(
            check("host: a\ntrafficPolicy:\n  tunnel: {protocol: POST, targetHost: 10.0.0.1, targetPort: 80}")
                .is_empty()
        );
    }

    #[test]
    fn connection_pool_needs_tcp_or_http() {
        assert_error("host: a\ntrafficPolicy: {connectionPool: {}}", "spec.trafficPolicy.connectionPool");
    }

    #[test]
    fn connection_pool_limits_must_not_be_negative() {
        let spec = "host: a\ntrafficPolicy:\n  connectionPool:\n    tcp: {maxConnections: -1}\n    http: {http1MaxPendingRequests: -1, http2MaxRequests: -1, maxRequestsPerConnection: -1, maxRetries: -1, maxConcurrentStreams: -1}";
        for field in [
            "http1MaxPendingRequests",
            "http2MaxRequests",
            "maxRequestsPerConnection",
            "maxRetries",
            "maxConcurrentStreams",
        ] {
            assert_error(spec, &format!("spec.trafficPolicy.connectionPool.http.{field}"));
        }
        assert_error(spec, "spec.trafficPolicy.connectionPool.tcp.maxConnections");
    }

    #[test]
    fn connection_pool_durations_must_be_whole_milliseconds() {
        let spec = "host: a\ntrafficPolicy:\n  connectionPool:\n    tcp: {connectTimeout: 1us, maxConnectionDuration: 0s, idleTimeout: 1500us, tcpKeepalive: {time: 0s, interval: 100us}}\n    http: {idleTimeout: 0s}";
        for path in [
            "tcp.connectTimeout",
            "tcp.maxConnectionDuration",
            "tcp.idleTimeout",
            "tcp.tcpKeepalive.time",
            "tcp.tcpKeepalive.interval",
            "http.idleTimeout",
        ] {
            assert_error(spec, &format!("spec.trafficPolicy.connectionPool.{path}"));
        }
    }

    #[test]
    fn tcp_idle_timeout_zero_turns_it_off() {
        assert!(check("host: a\ntrafficPolicy: {connectionPool: {tcp: {idleTimeout: 0s}}}").is_empty());
    }

    #[test]
    fn http2_keepalive_needs_interval_and_timeout() {
        let spec = "host: a\ntrafficPolicy: {connectionPool: {http: {http2KeepAlive: {}}}}";
        assert_error(spec, "spec.trafficPolicy.connectionPool.http.http2KeepAlive.interval");
        assert_error(spec, "spec.trafficPolicy.connectionPool.http.http2KeepAlive.timeout");
    }

    #[test]
    fn h2_upgrade_conflicts_with_use_client_protocol() {
        assert_error(
            "host: a\ntrafficPolicy: {connectionPool: {http: {h2UpgradePolicy: UPGRADE, useClientProtocol: true}}}",
            "spec.trafficPolicy.connectionPool.http.useClientProtocol",
        );
    }

    #[test]
    fn outlier_durations_and_percents_must_be_valid() {
        let spec = "host: a\ntrafficPolicy:\n  outlierDetection: {interval: 0s, baseEjectionTime: 1ns, maxEjectionPercent: 101, minHealthPercent: -1}";
        for field in ["interval", "baseEjectionTime", "maxEjectionPercent", "minHealthPercent"] {
            assert_error(spec, &format!("spec.trafficPolicy.outlierDetection.{field}"));
        }
    }

    #[test]
    fn deprecated_consecutive_errors_draws_a_warning() {
        assert_warning(
            "host: a\ntrafficPolicy: {outlierDetection: {consecutiveErrors: 5}}",
            "spec.trafficPolicy.outlierDetection.consecutiveErrors",
        );
    }

    #[test]
    fn local_origin_failures_need_split_errors() {
        assert_error(
            "host: a\ntrafficPolicy: {outlierDetection: {consecutiveLocalOriginFailures: 3}}",
            "spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures",
        );
        assert!(check("host: a\ntrafficPolicy: {outlierDetection: {consecutiveLocalOriginFailures: 3, splitExternalLocalOriginErrors: true}}").is_empty());
    }

    #[test]
    fn outlier_http_error_codes_must_be_statuses() {
        assert_error(
            "host: a\ntrafficPolicy: {outlierDetection: {outlierDetectionHttpErrorCodes: [503, 99]}}",
            "spec.trafficPolicy.outlierDetection.outlierDetectionHttpErrorCodes[1]",
        );
    }

    #[test]
    fn only_one_load_balancing_policy() {
        assert_error(
            "host: a\ntrafficPolicy: {loadBalancer: {simple: RANDOM, consistentHash: {useSourceIp: true}}}",
            "spec.trafficPolicy.loadBalancer",
        );
    }

    #[test]
    fn only_one_hash_key_and_algorithm() {
        let spec = "host: a\ntrafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, httpHeaderName: x, ringHash: {}, maglev: {tableSize: 7}}}}";
        let problems = check(spec);
        let at_hash =
            problems.iter().filter(|p| p.path.to_string() == "spec.trafficPolicy.loadBalancer.consistentHash").count();
        assert_eq!(at_hash, 2, "{problems:#?}");
    }

    #[test]
    fn hash_cookie_needs_a_name_and_unique_attributes() {
        let spec = "host: a\ntrafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: '', attributes: [{name: Secure}, {name: Secure}, {name: ''}]}}}}";
        let base = "spec.trafficPolicy.loadBalancer.consistentHash.httpCookie";
        assert_error(spec, &format!("{base}.name"));
        assert_error(spec, &format!("{base}.attributes[1].name"));
        assert_error(spec, &format!("{base}.attributes[2].name"));
    }

    #[test]
    fn deprecated_minimum_ring_size_warns_and_excludes_algorithms() {
        let spec = "host: a\ntrafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, minimumRingSize: 1024, ringHash: {minimumRingSize: 1024}}}}";
        assert_warning(spec, "spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize");
        assert_error(spec, "spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize");
    }

    #[test]
    fn maglev_table_size_must_be_a_small_prime() {
        let at = "spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize";
        let spec = |size: &str| {
            format!(
                "host: a\ntrafficPolicy: {{loadBalancer: {{consistentHash: {{useSourceIp: true, maglev: {size}}}}}}}"
            )
        };
        assert_error(&spec("{}"), at);
        assert_error(&spec("{tableSize: 65536}"), at);
        assert_error(&spec("{tableSize: 5000011}"), at);
        assert!(check(&spec("{tableSize: 65537}")).is_empty());
        assert!(is_prime(2) && is_prime(3) && is_prime(4_999_999) && !is_prime(1) && !is_prime(9));
    }

    #[test]
    fn locality_and_zone_aware_are_exclusive() {
        assert_error(
            "host: a\ntrafficPolicy: {loadBalancer: {localityLbSetting: {enabled: true}, zoneAwareLbSetting: {enabled: true}}}",
            "spec.trafficPolicy.loadBalancer",
        );
    }

    #[test]
    fn locality_distribute_and_failover_are_exclusive() {
        assert_error(
            "host: a\ntrafficPolicy: {outlierDetection: {interval: 1s}, loadBalancer: {localityLbSetting: {distribute: [{from: a/b, to: {a/b: 100}}], failover: [{from: a, to: b}]}}}",
            "spec.trafficPolicy.loadBalancer.localityLbSetting",
        );
    }

    #[test]
    fn locality_failover_priority_excludes_topology_labels() {
        assert_error(
            "host: a\ntrafficPolicy: {outlierDetection: {interval: 1s}, loadBalancer: {localityLbSetting: {failover: [{from: a, to: b}], failoverPriority: [topology.kubernetes.io/zone]}}}",
            "spec.trafficPolicy.loadBalancer.localityLbSetting.failoverPriority",
        );
    }

    #[test]
    fn locality_weights_must_be_1_to_100_and_total_100() {
        let at = "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to";
        let spec = |to: &str| {
            format!(
                "host: a\ntrafficPolicy: {{loadBalancer: {{localityLbSetting: {{distribute: [{{from: r1/*, to: {to}}}]}}}}}}"
            )
        };
        assert_error(&spec("{r1/z1/*: 0, r1/z2/*: 100}"), &format!("{at}.r1/z1/*"));
        assert_error(&spec("{r1/z1/*: 50, r1/z2/*: 40}"), at);
    }

    #[test]
    fn localities_must_not_overlap_or_misplace_wildcards() {
        let spec = |to: &str| {
            format!(
                "host: a\ntrafficPolicy: {{loadBalancer: {{localityLbSetting: {{distribute: [{{from: r1, to: {to}}}]}}}}}}"
            )
        };
        let at = "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to";
        assert_error(&spec("{r1: 50, r1/z1: 50}"), at);
        assert_error(&spec("{'*/z1': 50, r2: 50}"), at);
        assert_error(&spec("{r1//s: 50, r2: 50}"), at);
        let sources = "host: a\ntrafficPolicy: {loadBalancer: {localityLbSetting: {distribute: [{from: r1/z1, to: {r1: 100}}, {from: r1/z1/s1, to: {r1: 100}}]}}}";
        assert_error(sources, "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute");
    }

    #[test]
    fn locality_failover_needs_distinct_plain_regions_and_outlier_detection() {
        let spec = "host: a\ntrafficPolicy: {loadBalancer: {localityLbSetting: {failover: [{from: r1, to: r1}, {from: r1/z1, to: r2}, {from: '*', to: r2}]}}}";
        let at = "spec.trafficPolicy.loadBalancer.localityLbSetting";
        assert_warning(spec, at);
        assert_error(spec, &format!("{at}.failover[0]"));
        assert_error(spec, &format!("{at}.failover[1]"));
        assert_error(spec, &format!("{at}.failover[2]"));
    }

    #[test]
    fn zone_aware_failover_rules() {
        let spec = "host: a\ntrafficPolicy: {loadBalancer: {zoneAwareLbSetting: {minClusterSize: 0, failoverPriority: [topology.kubernetes.io/region], failover: [{from: r1, to: r1/z1}]}}}";
        let at = "spec.trafficPolicy.loadBalancer.zoneAwareLbSetting";
        assert_error(spec, &format!("{at}.failoverPriority[0]"));
        assert_error(spec, &format!("{at}.failover[0]"));
        assert_error(spec, &format!("{at}.minClusterSize"));
        assert_warning(spec, at);
    }

    #[test]
    fn warmup_needs_a_duration_percent_and_positive_aggression() {
        let spec = "host: a\ntrafficPolicy: {loadBalancer: {warmup: {duration: 0s, minimumPercent: 150, aggression: 0}, warmupDurationSecs: 0s}}";
        let at = "spec.trafficPolicy.loadBalancer";
        assert_error(spec, &format!("{at}.warmup.duration"));
        assert_error(spec, &format!("{at}.warmup.minimumPercent"));
        assert_error(spec, &format!("{at}.warmup.aggression"));
        assert_error(spec, &format!("{at}.warmupDurationSecs"));
    }

    #[test]
    fn retry_budget_percent_must_be_0_to_100() {
        assert_error("host: a\ntrafficPolicy: {retryBudget: {percent: 120}}", "spec.trafficPolicy.retryBudget.percent");
    }

    #[test]
    fn mutual_tls_needs_certificate_and_key_unless_credential_name() {
        let spec = "host: a\ntrafficPolicy: {tls: {mode: MUTUAL}}";
        assert_error(spec, "spec.trafficPolicy.tls.clientCertificate");
        assert_error(spec, "spec.trafficPolicy.tls.privateKey");
        assert!(
            check("host: a\ntrafficPolicy: {tls: {mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem}}")
                .is_empty()
        );
    }

    #[test]
    fn credential_name_excludes_certificate_files() {
        assert_error(
            "host: a\ntrafficPolicy: {tls: {mode: SIMPLE, credentialName: s, caCertificates: /ca.pem}}",
            "spec.trafficPolicy.tls.credentialName",
        );
    }

    #[test]
    fn insecure_skip_verify_conflicts_with_verification_settings() {
        let at = "spec.trafficPolicy.tls.insecureSkipVerify";
        assert_error(
            "host: a\ntrafficPolicy: {tls: {mode: SIMPLE, insecureSkipVerify: true, subjectAltNames: [x]}}",
            at,
        );
        assert_error("host: a\ntrafficPolicy: {tls: {mode: SIMPLE, insecureSkipVerify: true, credentialName: s}}", at);
        assert_error(
            "host: a\ntrafficPolicy: {tls: {mode: MUTUAL, insecureSkipVerify: true, caCertificates: /ca.pem, credentialName: s}}",
            at,
        );
    }

    #[test]
    fn configmap_credential_must_be_in_the_rule_namespace() {
        let at = "spec.trafficPolicy.tls.credentialName";
        assert_error("host: a\ntrafficPolicy: {tls: {mode: SIMPLE, credentialName: 'configmap://other/ca'}}", at);
        assert_error("host: a\ntrafficPolicy: {tls: {mode: SIMPLE, credentialName: 'configmap://ca'}}", at);
        assert!(
            check("host: a\ntrafficPolicy: {tls: {mode: SIMPLE, credentialName: 'configmap://shop/ca'}}").is_empty()
        );
    }

    #[test]
    fn port_level_settings_are_checked_like_the_rule_wide_ones() {
        assert_error(
            "host: a\ntrafficPolicy: {portLevelSettings: [{port: {number: 80}, tls: {mode: MUTUAL, clientCertificate: /c.pem}}]}",
            "spec.trafficPolicy.portLevelSettings[0].tls.privateKey",
        );
    }

    #[test]
    fn export_to_entries_must_be_valid_and_unique() {
        assert_error("host: a\nexportTo: ['.', shop]", "spec.exportTo[1]");
        assert_error("host: a\nexportTo: ['Bad_Namespace']", "spec.exportTo[0]");
    }

    #[test]
    fn selector_rule_is_exported_only_to_its_namespace() {
        assert_error("host: a\nworkloadSelector: {matchLabels: {app: x}}\nexportTo: ['*']", "spec.exportTo");
        assert!(check("host: a\nworkloadSelector: {matchLabels: {app: x}}\nexportTo: ['.']").is_empty());
    }

    #[test]
    fn workload_selector_labels_refuse_wildcards() {
        assert_error("host: a\nworkloadSelector: {matchLabels: {app: 'x*'}}", "spec.workloadSelector.matchLabels.app");
        assert_warning("host: a\nworkloadSelector: {}", "spec.workloadSelector.matchLabels");
    }

    #[test]
    fn metadata_is_checked() {
        let rule: DestinationRule = serde_yaml::from_str(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: Bad_Name}\nspec: {host: a}",
        )
        .unwrap();
        assert!(rule.validate().iter().any(|p| p.path.to_string() == "metadata.name"));
    }
}
