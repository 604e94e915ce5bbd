//! Property: any generated VirtualService, DestinationRule or Gateway writes to YAML and
//! reads back equal, whatever its strings hold (YAML keywords, numbers, indicators, line
//! breaks, control characters, non-ASCII text).

use mesh_api::networking::{DestinationRule, Gateway, VirtualService};
use mesh_api::{Document, Kind};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Text that YAML writers must quote or escape, mixed with arbitrary strings.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z][a-z0-9-]{0,12}",
        2 => prop::sample::select(vec![
            "", "yes", "no", "on", "off", "true", "False", "null", "~", "NULL", "0", "-1", "1e3", "0x1F", "0o17",
            ".inf", "-.Inf", ".nan", "1_000", "12:30", "2001-12-14", "- a", "? b", ": c", "a: b", "a #b", "#x", "&a",
            "*a", "!tag", "|", ">", "%x", "@x", "`x", "'q'", "\"q\"", " lead", "trail ", "a\nb", "a\tb", "\u{85}",
            "\u{feff}x", "é", "日本", "---", "...", "[x]", "{x}", "\\", "\r", "\u{7f}", "\u{2028}",
        ]).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn string_match() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(|s| json!({"exact": s})),
        text().prop_map(|s| json!({"prefix": s})),
        text().prop_map(|s| json!({"regex": s})),
    ]
}

fn destination() -> impl Strategy<Value = Value> {
    (text(), prop::option::of(text()), prop::option::of(1u32..65536), prop::option::of(any::<i32>())).prop_map(
        |(host, subset, port, weight)| {
            let mut d = json!({"destination": {"host": host}});
            if let Some(s) = subset {
                d["destination"]["subset"] = json!(s);
            }
            if let Some(p) = port {
                d["destination"]["port"] = json!({"number": p});
            }
            if let Some(w) = weight {
                d["weight"] = json!(w);
            }
            d
        },
    )
}

fn http_route() -> impl Strategy<Value = Value> {
    (
        prop::option::of(text()),
        prop::collection::vec(
            (prop::option::of(string_match()), prop::collection::vec((text(), string_match()), 0..3)),
            0..3,
        ),
        prop::collection::vec(destination(), 0..4),
        prop::option::of((0u32..10_000, prop::sample::select(vec!["ms", "s", "m", "h"]))),
        prop::option::of((any::<i32>(), text())),
        prop::option::of(any::<f64>().prop_filter("finite", |f| f.is_finite())),
    )
        .prop_map(|(name, matches, route, timeout, retries, mirror)| {
            let mut r = json!({});
            if let Some(n) = name {
                r["name"] = json!(n);
            }
            if !matches.is_empty() {
                r["match"] = Value::Array(
                    matches
                        .into_iter()
                        .map(|(uri, headers)| {
                            let mut m = json!({});
                            if let Some(u) = uri {
                                m["uri"] = u;
                            }
                            if !headers.is_empty() {
                                m["headers"] = Value::Object(headers.into_iter().collect());
                            }
                            m
                        })
                        .collect(),
                );
            }
            if !route.is_empty() {
                r["route"] = json!(route);
            }
            if let Some((n, unit)) = timeout {
                r["timeout"] = json!(format!("{n}{unit}"));
            }
            if let Some((attempts, on)) = retries {
                r["retries"] = json!({"attempts": attempts, "retryOn": on});
            }
            if let Some(p) = mirror {
                r["mirrorPercentage"] = json!({"value": p});
            }
            r
        })
}

fn metadata() -> impl Strategy<Value = Value> {
    (text(), prop::option::of(text()), prop::collection::vec((text(), text()), 0..3)).prop_map(
        |(name, namespace, labels)| {
            let mut m = json!({"name": name});
            if let Some(ns) = namespace {
                m["namespace"] = json!(ns);
            }
            if !labels.is_empty() {
                m["labels"] = Value::Object(labels.into_iter().map(|(k, v)| (k, json!(v))).collect());
            }
            m
        },
    )
}

fn virtual_service() -> impl Strategy<Value = Value> {
    (
        metadata(),
        prop::collection::vec(text(), 0..3),
        prop::collection::vec(text(), 0..2),
        prop::collection::vec(http_route(), 0..3),
        prop::collection::vec(text(), 0..2),
    )
        .prop_map(|(metadata, hosts, gateways, http, export_to)| {
            json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": metadata,
                   "spec": {"hosts": hosts, "gateways": gateways, "http": http, "exportTo": export_to}})
        })
}

fn destination_rule() -> impl Strategy<Value = Value> {
    (
        metadata(),
        text(),
        prop::collection::vec((text(), prop::collection::vec((text(), text()), 0..3)), 0..3),
        prop::option::of(prop::sample::select(vec!["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "PASSTHROUGH"])),
        prop::option::of((any::<i32>(), prop::option::of(any::<u32>()))),
    )
        .prop_map(|(metadata, host, subsets, lb, pool)| {
            let subsets: Vec<Value> = subsets
                .into_iter()
                .map(|(name, labels)| {
                    json!({"name": name, "labels": Value::Object(labels.into_iter().map(|(k, v)| (k, json!(v))).collect())})
                })
                .collect();
            let mut spec = json!({"host": host, "subsets": subsets});
            if let Some(lb) = lb {
                spec["trafficPolicy"] = json!({"loadBalancer": {"simple": lb}});
            }
            if let Some((max, ejection)) = pool {
                spec["trafficPolicy"]["connectionPool"] = json!({"tcp": {"maxConnections": max}});
                if let Some(e) = ejection {
                    spec["trafficPolicy"]["outlierDetection"] = json!({"maxEjectionPercent": e % 101});
                }
            }
            json!({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": metadata, "spec": spec})
        })
}

fn gateway() -> impl Strategy<Value = Value> {
    (
        metadata(),
        prop::collection::vec((text(), text()), 0..3),
        prop::collection::vec(
            (
                any::<u32>(),
                text(),
                prop::sample::select(vec!["HTTP", "HTTPS", "GRPC", "HTTP2", "MONGO", "TCP", "TLS"]),
                prop::collection::vec(text(), 0..3),
                prop::option::of((prop::sample::select(vec!["SIMPLE", "MUTUAL", "PASSTHROUGH"]), text())),
            ),
            0..3,
        ),
    )
        .prop_map(|(metadata, selector, servers)| {
            let servers: Vec<Value> = servers
                .into_iter()
                .map(|(number, name, protocol, hosts, tls)| {
                    let mut s = json!({"port": {"number": number, "name": name, "protocol": protocol}, "hosts": hosts});
                    if let Some((mode, credential)) = tls {
                        s["tls"] = json!({"mode": mode, "credentialName": credential});
                    }
                    s
                })
                .collect();
            let selector = Value::Object(selector.into_iter().map(|(k, v)| (k, json!(v))).collect());
            json!({"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": metadata,
                   "spec": {"selector": selector, "servers": servers}})
        })
}

/// Writes the typed object, loads the text back, and returns what was read.
fn write_and_read<K: Kind + Clone + Into<mesh_api::Object>>(object: &K) -> Result<K, String> {
    let yaml = Document::new(object.clone()).to_yaml().map_err(|e| format!("write: {e}"))?;
    let loaded = mesh_api::load_str(&yaml);
    if let Some(e) = loaded.errors.first() {
        return Err(format!("read back: {e}\n{yaml}"));
    }
    let [document] = &loaded.documents[..] else {
        return Err(format!("{} documents read back\n{yaml}", loaded.documents.len()));
    };
    document.object.clone().downcast::<K>().ok_or_else(|| format!("another kind read back\n{yaml}"))
}

proptest! {
    #[test]
    fn any_virtual_service_writes_and_reads_back_equal(value in virtual_service()) {
        let vs: VirtualService = mesh_api::from_value(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = write_and_read(&vs).map_err(TestCaseError::fail)?;
        prop_assert_eq!(back, vs);
    }

    #[test]
    fn any_destination_rule_writes_and_reads_back_equal(value in destination_rule()) {
        let dr: DestinationRule = mesh_api::from_value(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = write_and_read(&dr).map_err(TestCaseError::fail)?;
        prop_assert_eq!(back, dr);
    }

    #[test]
    fn any_gateway_writes_and_reads_back_equal(value in gateway()) {
        let gw: Gateway = mesh_api::from_value(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = write_and_read(&gw).map_err(TestCaseError::fail)?;
        prop_assert_eq!(back, gw);
    }
}
