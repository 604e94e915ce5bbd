//! `DecisionView`: a decision as plain owned data, serializable, shaped like a route test
//! file's `expect` so that what `meshctl route -o yaml` prints can be pasted into a test.

use std::fmt;

use indexmap::IndexMap;
use mesh_api::networking::TrafficPolicy;
use serde::Serialize;

use crate::decision::{Decision, HeaderOps, RuleKind};
use crate::explain::Explanation;

/// The deciding rule: which list, its index there, and its name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleView {
    /// `http`, `tls` or `tcp`.
    pub kind: &'static str,
    /// Index in that list.
    pub index: usize,
    /// The rule's `name`, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A destination, with its share of the traffic where it is one of a split.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DestinationView {
    /// Fully qualified host.
    pub host: String,
    /// Subset, when one is named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// Port traffic goes to.
    pub port: u32,
    /// Share in percent (a split's shares sum to 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// Envoy's name for the cluster (`outbound|port|subset|host`).
    pub cluster: String,
}

/// The retry policy that takes effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetriesView {
    /// Retries after the first try.
    pub attempts: u32,
    /// Bound on each try.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_try_timeout: Option<String>,
    /// Retry conditions, numeric status codes included, comma-separated.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub retry_on: String,
}

/// A delay injected.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DelayView {
    /// How long requests are held.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_delay: Option<String>,
    /// Share of requests delayed, in percent.
    pub percent: f64,
}

/// An abort injected.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AbortView {
    /// HTTP status returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<i32>,
    /// gRPC status returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grpc_status: Option<String>,
    /// Share of requests aborted, in percent.
    pub percent: f64,
}

/// The faults a rule injects.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaultView {
    /// Delay, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<DelayView>,
    /// Abort, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abort: Option<AbortView>,
}

/// A mirror target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MirrorView {
    /// Fully qualified host.
    pub host: String,
    /// Subset, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// Port mirrored to.
    pub port: u32,
    /// Share of requests copied, in percent.
    pub percent: f64,
}

/// A redirect as sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RedirectView {
    /// Path of the Location.
    pub uri: String,
    /// Host of the Location.
    pub authority: String,
    /// Scheme of the Location.
    pub scheme: String,
    /// Port of the Location, when written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Status code.
    pub code: u32,
    /// The whole `Location` header.
    pub location: String,
}

/// What is rewritten before forwarding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RewriteView {
    /// Path forwarded, when rewritten.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Host forwarded, when rewritten.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
}

/// A direct response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DirectResponseView {
    /// Status code.
    pub status: u32,
    /// Body, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// Header operations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HeadersView {
    /// Headers overwritten.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub set: IndexMap<String, String>,
    /// Headers appended.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub add: IndexMap<String, String>,
    /// Headers removed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
}

impl HeadersView {
    fn from_ops(ops: &HeaderOps<'_>) -> Option<Self> {
        (!ops.is_empty()).then(|| Self {
            set: ops.set.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            add: ops.add.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            remove: ops.remove.iter().map(|k| (*k).to_owned()).collect(),
        })
    }
}

/// A [`Decision`] as owned, serializable data ([`Decision::view`]). Field names follow a route
/// test's `expect`; fields that do not apply are left out.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionView {
    /// `route`, `redirect`, `directResponse`, `notFound`, `blocked`, `passthrough` or `refused`.
    pub outcome: String,
    /// The HTTP status the proxy answers with itself, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u32>,
    /// `namespace/name` of the deciding VirtualService; `null` for default routing.
    pub virtual_service: Option<String>,
    /// The deciding rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleView>,
    /// The one destination taken (the only one, or the one the pinned draw picks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<DestinationView>,
    /// Every destination of the deciding rule with its share.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub split: Vec<DestinationView>,
    /// Route timeout, `none` when there is none (HTTP only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Retry policy in effect (forwarded HTTP only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<RetriesView>,
    /// Faults injected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<FaultView>,
    /// Mirror targets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mirror: Vec<MirrorView>,
    /// Redirect sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect: Option<RedirectView>,
    /// Rewrite applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<RewriteView>,
    /// Direct response sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direct_response: Option<DirectResponseView>,
    /// Operations on the request forwarded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_headers: Option<HeadersView>,
    /// Operations on the response returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_headers: Option<HeadersView>,
    /// `namespace/name` of the DestinationRule in force for the destination taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_rule: Option<String>,
    /// Its traffic policy as it takes effect (subset over port level over top level).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<TrafficPolicy>,
    /// Pods the destination taken selects.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<String>,
    /// Why the request may not behave as configured.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The steps that led to the decision.
    pub explanation: Explanation,
}

fn kind_name(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Http => "http",
        RuleKind::Tls => "tls",
        RuleKind::Tcp => "tcp",
    }
}

impl DecisionView {
    pub(crate) fn new(d: &Decision<'_>) -> Self {
        let dest = |w: crate::decision::WeightedDestination<'_>, weight: Option<f64>| DestinationView {
            host: w.host.to_owned(),
            subset: w.subset.map(str::to_owned),
            port: w.port,
            weight,
            cluster: w.cluster(),
        };
        let split: Vec<_> = d.destinations().map(|w| dest(w, Some(w.weight))).collect();
        let http = d.request().protocol().is_http();
        Self {
            outcome: d.outcome().to_string(),
            status: d.status(),
            virtual_service: d.virtual_service().map(|v| v.to_string()),
            rule: d.rule().map(|r| RuleView {
                kind: kind_name(r.kind),
                index: r.index,
                name: r.name.map(str::to_owned),
            }),
            destination: d.destination().map(|w| dest(w, None)),
            split: if split.len() > 1 { split } else { Vec::new() },
            timeout: (http && d.outcome() == crate::Outcome::Route)
                .then(|| d.timeout().map_or_else(|| "none".to_owned(), ToString::to_string)),
            retries: d.retries().map(|r| {
                let mut on: Vec<String> = r
                    .retry_on
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty() && *p != "retriable-status-codes")
                    .map(str::to_owned)
                    .collect();
                on.extend(r.retriable_status_codes.iter().map(u32::to_string));
                RetriesView {
                    attempts: r.attempts,
                    per_try_timeout: r.per_try_timeout.map(ToString::to_string),
                    retry_on: on.join(","),
                }
            }),
            fault: d.fault().map(|f| FaultView {
                delay: f
                    .delay
                    .map(|(fixed, percent)| DelayView { fixed_delay: fixed.map(ToString::to_string), percent }),
                abort: f.abort.map(|(http_status, grpc, percent)| AbortView {
                    http_status,
                    grpc_status: grpc.map(str::to_owned),
                    percent,
                }),
            }),
            mirror: d
                .mirrors()
                .map(|m| MirrorView {
                    host: m.host.to_owned(),
                    subset: m.subset.map(str::to_owned),
                    port: m.port,
                    percent: m.percent,
                })
                .collect(),
            redirect: d.redirect().map(|r| RedirectView {
                location: r.location(),
                uri: r.uri,
                authority: r.authority,
                scheme: r.scheme,
                port: r.port,
                code: r.code,
            }),
            rewrite: d.rewrite().map(|r| RewriteView { uri: r.uri, authority: r.authority }),
            direct_response: d
                .direct_response()
                .map(|r| DirectResponseView { status: r.status, body: r.body.map(str::to_owned) }),
            request_headers: HeadersView::from_ops(&d.request_headers()),
            response_headers: HeadersView::from_ops(&d.response_headers()),
            destination_rule: d.destination_rule().map(|r| r.to_string()),
            traffic_policy: d.traffic_policy(),
            endpoints: d.endpoints().into_iter().map(str::to_owned).collect(),
            warnings: d.warnings().to_vec(),
            explanation: d.explain(),
        }
    }
}

fn show_dest(d: &DestinationView) -> String {
    let mut text = format!("{} {} port {}", d.host, d.subset.as_deref().unwrap_or("-"), d.port);
    if let Some(w) = d.weight {
        text.push_str(&format!(" {w:.2}%"));
    }
    text
}

/// The explanation's steps, then one `field: value` line per field that applies.
impl fmt::Display for DecisionView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.explanation.steps.iter().enumerate() {
            writeln!(f, "{}. {step}", i + 1)?;
        }
        if !self.explanation.steps.is_empty() {
            writeln!(f)?;
        }
        writeln!(f, "outcome:         {}", self.outcome)?;
        if let Some(s) = self.status {
            writeln!(f, "status:          {s}")?;
        }
        writeln!(f, "virtualService:  {}", self.virtual_service.as_deref().unwrap_or("none (default routing)"))?;
        if let Some(r) = &self.rule {
            match &r.name {
                Some(n) => writeln!(f, "rule:            {}[{}] ({n})", r.kind, r.index)?,
                None => writeln!(f, "rule:            {}[{}]", r.kind, r.index)?,
            }
        }
        for d in &self.split {
            writeln!(f, "split:           {}", show_dest(d))?;
        }
        if let Some(d) = &self.destination {
            writeln!(f, "destination:     {}", show_dest(d))?;
        } else if !self.split.is_empty() {
            writeln!(f, "destination:     one of the split (pin one with --random)")?;
        }
        if let Some(t) = &self.timeout {
            writeln!(f, "timeout:         {t}")?;
        }
        if let Some(r) = &self.retries {
            write!(f, "retries:         {} attempts", r.attempts)?;
            if let Some(t) = &r.per_try_timeout {
                write!(f, ", {t} per try")?;
            }
            if !r.retry_on.is_empty() {
                write!(f, ", on {}", r.retry_on)?;
            }
            writeln!(f)?;
        }
        if let Some(x) = &self.fault {
            if let Some(d) = &x.delay {
                writeln!(f, "fault:           delay {} for {}%", d.fixed_delay.as_deref().unwrap_or("-"), d.percent)?;
            }
            if let Some(a) = &x.abort {
                let status = a.http_status.map_or_else(|| a.grpc_status.clone().unwrap_or_default(), |s| s.to_string());
                writeln!(f, "fault:           abort {status} for {}%", a.percent)?;
            }
        }
        for m in &self.mirror {
            writeln!(
                f,
                "mirror:          {} {} port {} {}%",
                m.host,
                m.subset.as_deref().unwrap_or("-"),
                m.port,
                m.percent
            )?;
        }
        if let Some(r) = &self.redirect {
            writeln!(f, "redirect:        {} ({})", r.location, r.code)?;
        }
        if let Some(r) = &self.rewrite {
            if let Some(u) = &r.uri {
                writeln!(f, "rewrite uri:     {u}")?;
            }
            if let Some(a) = &r.authority {
                writeln!(f, "rewrite host:    {a}")?;
            }
        }
        if let Some(r) = &self.direct_response {
            writeln!(f, "directResponse:  {} {}", r.status, r.body.as_deref().unwrap_or(""))?;
        }
        for (label, ops) in
            [("requestHeaders:  ", &self.request_headers), ("responseHeaders: ", &self.response_headers)]
        {
            let Some(ops) = ops else { continue };
            for (k, v) in &ops.set {
                writeln!(f, "{label}set {k}: {v}")?;
            }
            for (k, v) in &ops.add {
                writeln!(f, "{label}add {k}: {v}")?;
            }
            for k in &ops.remove {
                writeln!(f, "{label}remove {k}")?;
            }
        }
        if let Some(r) = &self.destination_rule {
            writeln!(f, "destinationRule: {r}")?;
        }
        if !self.endpoints.is_empty() {
            writeln!(f, "endpoints:       {}", self.endpoints.join(", "))?;
        }
        for w in &self.warnings {
            writeln!(f, "warning:         {w}")?;
        }
        Ok(())
    }
}

impl Decision<'_> {
    /// The decision as owned, serializable data, its explanation included.
    pub fn view(&self) -> DecisionView {
        DecisionView::new(self)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Mesh, MeshSettings, Request};

    fn mesh() -> Mesh {
        let loaded = mesh_api::load_str(
            r"
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec: {ports: [{name: http, port: 9080}], selector: {app: reviews}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - name: split
    timeout: 3s
    route:
    - {destination: {host: reviews, subset: v1}, weight: 75}
    - {destination: {host: reviews, subset: v2}, weight: 25}
",
        );
        let objects: Vec<_> = loaded.objects().cloned().collect();
        Mesh::compile(&objects, &MeshSettings::default())
    }

    #[test]
    fn view_serializes_in_the_shape_of_expect() {
        let mesh = mesh();
        let view = mesh.route(&Request::http("reviews").port(9080).random(80.0)).view();
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(json["outcome"], "route");
        assert_eq!(json["virtualService"], "default/reviews");
        assert_eq!(json["rule"]["name"], "split");
        assert_eq!(json["timeout"], "3s");
        assert_eq!(json["destination"]["subset"], "v2");
        assert_eq!(json["split"].as_array().unwrap().len(), 2);
        assert_eq!(json["split"][0]["weight"], 75.0);
        assert_eq!(json["retries"]["attempts"], 2);
        assert!(json["explanation"]["steps"].as_array().is_some_and(|s| !s.is_empty()));
    }

    #[test]
    fn default_routing_serializes_a_null_virtual_service() {
        let mesh = mesh();
        let json = serde_json::to_value(mesh.route(&Request::http("ratings").port(9080)).view()).unwrap();
        assert!(json["virtualService"].is_null());
        assert!(json.get("rule").is_none());
    }

    #[test]
    fn text_lists_each_field_after_the_explanation() {
        let mesh = mesh();
        let text = mesh.route(&Request::http("reviews").port(9080)).view().to_string();
        assert!(text.contains("outcome:         route"), "{text}");
        assert!(text.contains("split:           reviews.default.svc.cluster.local v1 port 9080 75.00%"), "{text}");
        assert!(text.contains("pin one with --random"), "{text}");
    }
}
