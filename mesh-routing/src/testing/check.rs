//! Compares a decision with a test's `expect`, field by field (route-tests.md).

use std::collections::BTreeSet;
use std::str::FromStr;

use mesh_api::Duration;

use super::Mismatch;
use super::file::{DestinationSpec, Expect};
use crate::decision::{Decision, WeightedDestination};

/// Collects mismatches for one test.
struct Checker<'a, 'm> {
    decision: &'a Decision<'m>,
    domain: &'a str,
    out: Vec<Mismatch>,
}

fn show_opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "none".to_owned(), |v| v.to_string())
}

fn same_duration(expected: &str, actual: Option<&Duration>) -> bool {
    match (expected, actual) {
        ("none", None) => true,
        (e, Some(a)) => Duration::from_str(e).is_ok_and(|e| e.as_nanos() == a.as_nanos()),
        _ => false,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 0.01
}

/// Whether every part of `expected` is in `actual` (maps by key, lists item by item).
fn json_subset(expected: &serde_json::Value, actual: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e.iter().all(|(k, v)| a.get(k).is_some_and(|av| json_subset(v, av))),
        (Value::Array(e), Value::Array(a)) => e.len() == a.len() && e.iter().zip(a).all(|(x, y)| json_subset(x, y)),
        (Value::Number(e), Value::Number(a)) => e.as_f64() == a.as_f64(),
        (e, a) => e == a,
    }
}

impl Checker<'_, '_> {
    fn push(&mut self, field: &str, expected: String, actual: String) {
        self.out.push(Mismatch { field: field.to_owned(), expected, actual });
    }

    /// The expected host, qualified from the deciding VirtualService's namespace (or the
    /// caller's when none decided).
    fn qualify(&self, host: &str) -> String {
        let ns =
            self.decision.virtual_service().map_or(self.decision.request().source_namespace_name(), |v| v.namespace);
        crate::matchers::host::qualify(host, ns, self.domain)
    }

    fn dest_matches(&self, spec: &DestinationSpec, d: &WeightedDestination<'_>) -> bool {
        spec.host.as_deref().is_none_or(|h| self.qualify(h) == d.host)
            && spec.subset.as_deref().is_none_or(|s| Some(s) == d.subset)
            && spec.port.is_none_or(|p| p == d.port)
    }

    fn show_dest(d: &WeightedDestination<'_>) -> String {
        format!("{} {} port {}", d.host, d.subset.unwrap_or("-"), d.port)
    }

    fn show_spec(&self, s: &DestinationSpec) -> String {
        let host = s.host.as_deref().map_or_else(|| "*".to_owned(), |h| self.qualify(h));
        let mut text = format!("{host} {}", s.subset.as_deref().unwrap_or("-"));
        if let Some(p) = s.port {
            text.push_str(&format!(" port {p}"));
        }
        if let Some(w) = s.weight.or(s.percent) {
            text.push_str(&format!(" {w}%"));
        }
        text
    }

    fn run(&mut self, e: &Expect) {
        let d = self.decision;
        if let Some(o) = &e.outcome
            && o != d.outcome().as_str()
        {
            self.push("outcome", o.clone(), d.outcome().to_string());
        }
        if let Some(vs) = &e.virtual_service {
            let actual = d.virtual_service().map(|v| v.to_string());
            if *vs != actual {
                self.push("virtualService", show_opt(vs.as_ref()), show_opt(actual));
            }
        }
        if let Some(rule) = &e.rule {
            let actual = d.rule();
            let ok = match rule {
                serde_json::Value::Number(n) => actual.is_some_and(|r| n.as_u64() == Some(r.index as u64)),
                serde_json::Value::String(s) => actual.is_some_and(|r| r.name == Some(s.as_str())),
                serde_json::Value::Null => actual.is_none(),
                _ => false,
            };
            if !ok {
                let shown = actual.map(|r| r.name.map_or_else(|| r.index.to_string(), str::to_owned));
                self.push("rule", serde_json::to_string(rule).unwrap_or_default(), show_opt(shown));
            }
        }
        if let Some(spec) = &e.destination {
            match d.destination() {
                Some(actual) if self.dest_matches(spec, &actual) => {}
                actual => {
                    let shown = actual
                        .map_or_else(|| "none (a split needs request.random)".to_owned(), |a| Self::show_dest(&a));
                    self.push("destination", self.show_spec(spec), shown);
                }
            }
        }
        if let Some(split) = &e.split {
            let actual: Vec<_> = d.destinations().collect();
            let ok = split.len() == actual.len()
                && split.iter().all(|s| {
                    actual.iter().any(|a| self.dest_matches(s, a) && s.weight.is_none_or(|w| close(w, a.weight)))
                });
            if !ok {
                let exp: Vec<String> = split.iter().map(|s| self.show_spec(s)).collect();
                let act: Vec<String> = actual.iter().map(|a| format!("{} {}%", Self::show_dest(a), a.weight)).collect();
                self.push("split", exp.join(", "), act.join(", "));
            }
        }
        if let Some(t) = &e.timeout
            && !same_duration(t, d.timeout())
        {
            self.push("timeout", t.clone(), show_opt(d.timeout()));
        }
        if let Some(r) = &e.retries {
            let actual = d.retries();
            let attempts = actual.as_ref().map_or(0, |a| a.attempts);
            let items = |s: &str| -> BTreeSet<String> {
                s.split(',')
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty() && p != "retriable-status-codes")
                    .collect()
            };
            let actual_on = actual.as_ref().map_or_else(BTreeSet::new, |a| {
                let mut set = items(&a.retry_on);
                set.extend(a.retriable_status_codes.iter().map(u32::to_string));
                set
            });
            let ok = r.attempts.is_none_or(|n| n == attempts)
                && r.per_try_timeout
                    .as_deref()
                    .is_none_or(|t| same_duration(t, actual.as_ref().and_then(|a| a.per_try_timeout)))
                && r.retry_on.as_deref().is_none_or(|on| items(on) == actual_on);
            if !ok {
                let shown = actual.map_or_else(
                    || "none".to_owned(),
                    |a| {
                        format!(
                            "attempts {} perTryTimeout {} retryOn {}",
                            a.attempts,
                            show_opt(a.per_try_timeout),
                            a.retry_on
                        )
                    },
                );
                self.push("retries", format!("{r:?}"), shown);
            }
        }
        if let Some(f) = &e.fault {
            let actual = d.fault();
            let delay = actual.as_ref().and_then(|a| a.delay);
            let abort = actual.as_ref().and_then(|a| a.abort);
            let ok = f.delay.as_ref().is_none_or(|x| {
                delay.is_some_and(|(fd, pct)| {
                    x.fixed_delay.as_deref().is_none_or(|t| same_duration(t, fd))
                        && x.percent.is_none_or(|p| close(p, pct))
                })
            }) && f.abort.as_ref().is_none_or(|x| {
                abort.is_some_and(|(status, _, pct)| {
                    x.http_status.is_none_or(|s| Some(s) == status) && x.percent.is_none_or(|p| close(p, pct))
                })
            });
            if !ok {
                self.push("fault", format!("{f:?}"), format!("{actual:?}"));
            }
        }
        if let Some(mirrors) = &e.mirror {
            let actual: Vec<_> = d.mirrors().collect();
            let ok = mirrors.len() == actual.len()
                && mirrors.iter().all(|m| {
                    actual.iter().any(|a| {
                        let w = WeightedDestination { host: a.host, subset: a.subset, port: a.port, weight: 100.0 };
                        self.dest_matches(m, &w) && m.percent.is_none_or(|p| close(p, a.percent))
                    })
                });
            if !ok {
                let exp: Vec<String> = mirrors.iter().map(|s| self.show_spec(s)).collect();
                let act: Vec<String> =
                    actual.iter().map(|a| format!("{} {} {}%", a.host, a.subset.unwrap_or("-"), a.percent)).collect();
                self.push("mirror", exp.join(", "), act.join(", "));
            }
        }
        if let Some(r) = &e.redirect {
            let actual = d.redirect();
            let ok = actual.as_ref().is_some_and(|a| {
                r.uri.as_ref().is_none_or(|u| *u == a.uri)
                    && r.authority.as_ref().is_none_or(|x| *x == a.authority)
                    && r.scheme.as_ref().is_none_or(|x| *x == a.scheme)
                    && r.port.is_none_or(|p| Some(p) == a.port)
                    && r.code.is_none_or(|c| c == a.code)
            });
            if !ok {
                self.push(
                    "redirect",
                    format!("{r:?}"),
                    show_opt(actual.map(|a| format!("{} ({})", a.location(), a.code))),
                );
            }
        }
        if let Some(r) = &e.rewrite {
            let actual = d.rewrite();
            let ok = actual.as_ref().is_some_and(|a| {
                r.uri.as_ref().is_none_or(|u| Some(u) == a.uri.as_ref())
                    && r.authority.as_ref().is_none_or(|x| Some(x) == a.authority.as_ref())
            });
            if !ok {
                self.push("rewrite", format!("{r:?}"), format!("{actual:?}"));
            }
        }
        if let Some(r) = &e.direct_response {
            let actual = d.direct_response();
            let ok = actual.is_some_and(|a| {
                r.status.is_none_or(|s| s == a.status) && r.body.as_deref().is_none_or(|b| Some(b) == a.body)
            });
            if !ok {
                self.push("directResponse", format!("{r:?}"), format!("{actual:?}"));
            }
        }
        if let Some(h) = &e.request_headers {
            let actual = d.request_headers();
            let ok = h.set.iter().all(|(k, v)| actual.set.contains(&(k.as_str(), v.as_str())))
                && h.add.iter().all(|(k, v)| actual.add.contains(&(k.as_str(), v.as_str())))
                && h.remove.iter().all(|k| actual.remove.contains(&k.as_str()));
            if !ok {
                self.push("requestHeaders", format!("{h:?}"), format!("{actual:?}"));
            }
        }
        if let Some(p) = &e.traffic_policy {
            let actual = d.traffic_policy().and_then(|t| serde_json::to_value(t).ok());
            if !actual.as_ref().is_some_and(|a| json_subset(p, a)) {
                self.push("trafficPolicy", p.to_string(), show_opt(actual));
            }
        }
        if let Some(eps) = &e.endpoints {
            let actual: BTreeSet<&str> = d.endpoints().into_iter().collect();
            let expected: BTreeSet<&str> = eps.iter().map(String::as_str).collect();
            if actual != expected {
                self.push("endpoints", format!("{expected:?}"), format!("{actual:?}"));
            }
        }
        if let Some(ws) = &e.warnings {
            for w in ws {
                if !d.warnings().iter().any(|a| a.contains(w.as_str())) {
                    self.push("warnings", w.clone(), format!("{:?}", d.warnings()));
                }
            }
        }
    }
}

/// Every way `decision` differs from `expect`.
pub(crate) fn check(decision: &Decision<'_>, expect: &Expect, domain: &str) -> Vec<Mismatch> {
    let mut c = Checker { decision, domain, out: Vec::new() };
    c.run(expect);
    c.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_policy_is_checked_as_a_subset() {
        let actual = serde_json::json!({"loadBalancer": {"simple": "ROUND_ROBIN"}, "connectionPool": {"tcp": {"maxConnections": 100}}});
        assert!(json_subset(&serde_json::json!({"connectionPool": {"tcp": {"maxConnections": 100.0}}}), &actual));
        assert!(!json_subset(&serde_json::json!({"loadBalancer": {"simple": "RANDOM"}}), &actual));
    }

    #[test]
    fn durations_compare_by_value() {
        assert!(same_duration("5000ms", Some(&Duration::from_secs(5))));
        assert!(same_duration("none", None));
        assert!(!same_duration("none", Some(&Duration::from_secs(5))));
    }
}
