//! Which VirtualService rules and weighted destinations the tests of a file reached.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::decision::{Decision, RuleKind};
use crate::mesh::Mesh;

/// One rule or weighted destination, and whether a test reached it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CoverageItem {
    /// `ns/name http[2] (name)`, or that followed by `-> host subset` for a destination.
    pub target: String,
    /// Whether a test's decision reached it.
    pub reached: bool,
}

/// Coverage of a file's tests over the mesh's VirtualServices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Every rule, and every destination of a rule with several, in mesh order.
    pub items: Vec<CoverageItem>,
}

impl Coverage {
    /// Percentage of items reached (100 when there is nothing to reach).
    pub fn percent(&self) -> f64 {
        if self.items.is_empty() {
            return 100.0;
        }
        self.items.iter().filter(|i| i.reached).count() as f64 * 100.0 / self.items.len() as f64
    }

    /// The items no test reached.
    pub fn unreached(&self) -> impl Iterator<Item = &str> {
        self.items.iter().filter(|i| !i.reached).map(|i| i.target.as_str())
    }
}

impl Serialize for Coverage {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let unreached: Vec<&str> = self.unreached().collect();
        let mut s = serializer.serialize_struct("Coverage", 3)?;
        s.serialize_field("percent", &self.percent())?;
        s.serialize_field("unreached", &unreached)?;
        s.serialize_field("items", &self.items)?;
        s.end()
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for target in self.unreached() {
            writeln!(f, "not reached: {target}")?;
        }
        write!(f, "coverage: {:.1}% of {} rules and weighted destinations", self.percent(), self.items.len())
    }
}

fn kind_name(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Http => "http",
        RuleKind::Tls => "tls",
        RuleKind::Tcp => "tcp",
    }
}

fn rule_key(ns: &str, name: &str, kind: RuleKind, index: usize, rule_name: Option<&str>) -> String {
    match rule_name {
        Some(n) => format!("{ns}/{name} {}[{index}] ({n})", kind_name(kind)),
        None => format!("{ns}/{name} {}[{index}]", kind_name(kind)),
    }
}

fn dest_key(rule: &str, host: &str, subset: Option<&str>) -> String {
    format!("{rule} -> {host} {}", subset.unwrap_or("-"))
}

/// Records what decisions reached.
#[derive(Default)]
pub(crate) struct Tracker(HashSet<String>);

impl Tracker {
    pub(crate) fn record(&mut self, d: &Decision<'_>) {
        let (Some(vs), Some(rule)) = (d.virtual_service(), d.rule()) else { return };
        let key = rule_key(vs.namespace, vs.name, rule.kind, rule.index, rule.name);
        let taken: Vec<_> = match (d.request().draw(), d.destination()) {
            (Some(_), Some(one)) => vec![one],
            _ => d.destinations().collect(),
        };
        for t in taken {
            self.0.insert(dest_key(&key, t.host, t.subset));
        }
        self.0.insert(key);
    }

    pub(crate) fn finish(self, mesh: &Mesh) -> Coverage {
        let mut items: Vec<CoverageItem> = Vec::new();
        let mut push = |target: String| {
            if !items.iter().any(|i| i.target == target) {
                let reached = self.0.contains(&target);
                items.push(CoverageItem { target, reached });
            }
        };
        for vs in mesh.virtual_services.iter().filter(|v| !v.is_delegate) {
            let lists = vs
                .http
                .iter()
                .map(|r| (RuleKind::Http, r.index, r.name.as_deref(), &r.action.destinations))
                .chain(vs.tls.iter().map(|r| (RuleKind::Tls, r.index, None, &r.action.destinations)))
                .chain(vs.tcp.iter().map(|r| (RuleKind::Tcp, r.index, None, &r.action.destinations)));
            for (kind, index, name, dests) in lists {
                let key = rule_key(&vs.namespace, &vs.name, kind, index, name);
                push(key.clone());
                if dests.len() > 1 {
                    for d in dests {
                        push(dest_key(&key, &d.host, d.subset.as_deref()));
                    }
                }
            }
        }
        Coverage { items }
    }
}
