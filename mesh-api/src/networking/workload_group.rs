//! `WorkloadGroup`: a template for the WorkloadEntries of VMs that join the mesh on their own.

use indexmap::IndexMap;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::WorkloadEntrySpec;
use super::workload_entry::EntryUse;
use crate::validation::rules;
use crate::{IstioStatus, Labels, Problem, Validate, Validator};

/// What every workload of a group shares, much as a Deployment's pod template does: Istio
/// creates a WorkloadEntry from it for each VM that registers.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "networking.istio.io",
    version = "v1",
    kind = "WorkloadGroup",
    printcolumn = r#"{"name":"Age","type":"date","description":"When the object was created.","jsonPath":".metadata.creationTimestamp"}"#,
    namespaced,
    status = "IstioStatus",
    shortname = "wg",
    category = "istio-io",
    category = "networking-istio-io",
    derive = "PartialEq",
    doc = "An Istio `WorkloadGroup` (`networking.istio.io`): a template for auto-registered workloads."
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadGroupSpec {
    /// Labels and annotations given to every WorkloadEntry of the group; put workload labels
    /// here rather than in the template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<WorkloadGroupMetadata>,
    /// The WorkloadEntry each workload starts from. Leave `address` and `labels` out: Istio
    /// fills them in. An empty `serviceAccount` means `default`.
    pub template: WorkloadEntrySpec,
    /// How the proxy checks that a workload is ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<ReadinessProbe>,
}

/// The metadata copied onto each generated WorkloadEntry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadGroupMetadata {
    /// Labels to set.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: Labels,
    /// Annotations to set.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub annotations: IndexMap<String, String>,
}

/// A readiness check run by the proxy next to a workload, as in a Kubernetes pod. Exactly one of
/// `httpGet`, `tcpSocket`, `exec` and `grpc` should be set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReadinessProbe {
    /// Seconds to wait after start before the first check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_delay_seconds: Option<i32>,
    /// Seconds after which a check times out (1 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<i32>,
    /// Seconds between checks (10 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_seconds: Option<i32>,
    /// Successes in a row needed to become ready again after a failure (1 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_threshold: Option<i32>,
    /// Failures in a row that make the workload not ready (3 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<i32>,
    /// Check by sending an HTTP GET; a success status means ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_get: Option<HttpHealthCheckConfig>,
    /// Check by opening a TCP connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_socket: Option<TcpHealthCheckConfig>,
    /// Check by running a command; exit status 0 means ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecHealthCheckConfig>,
    /// Check with the gRPC health-checking protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc: Option<GrpcHealthCheckConfig>,
}

/// An HTTP GET readiness check.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpHealthCheckConfig {
    /// The request path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The port to connect to (1 to 65535).
    pub port: u32,
    /// The host to connect to, the workload's IP by default; to set the `Host` header use
    /// `httpHeaders` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `HTTP` (the default) or `HTTPS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// Headers sent with the request; a name may repeat.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http_headers: Vec<HttpHeader>,
}

/// A header sent by an HTTP readiness check.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpHeader {
    /// The header name (letters, digits, `-` and `_`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The header value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A TCP connect readiness check.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TcpHealthCheckConfig {
    /// The host to connect to, `localhost` by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The port to connect to (1 to 65535).
    pub port: u32,
}

/// A command readiness check.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExecHealthCheckConfig {
    /// The command and its arguments; exit status 0 means ready.
    pub command: Vec<String>,
}

/// A gRPC health-check readiness check.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GrpcHealthCheckConfig {
    /// The port to call (1 to 65535).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// The service name sent in the health-check request; empty asks about the server as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// Whether `name` is a header name a probe may send: letters, digits and `-` (Istio's rule; the
/// CRD also allows `_`, Istio's webhook does not).
fn is_probe_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl ReadinessProbe {
    fn check(&self, v: &mut Validator) {
        let counts = [
            ("initialDelaySeconds", self.initial_delay_seconds),
            ("timeoutSeconds", self.timeout_seconds),
            ("periodSeconds", self.period_seconds),
            ("successThreshold", self.success_threshold),
            ("failureThreshold", self.failure_threshold),
        ];
        for (field, value) in counts {
            if value.is_some_and(|n| n < 0) {
                v.error_at(field, format!("{field} must not be negative"));
            }
        }
        let methods = [self.http_get.is_some(), self.tcp_socket.is_some(), self.exec.is_some(), self.grpc.is_some()];
        if methods.iter().filter(|m| **m).count() > 1 {
            v.error("set only one of httpGet, tcpSocket, exec and grpc");
        }
        if let Some(http) = &self.http_get {
            v.field("httpGet", |v| {
                v.field("port", |v| rules::check_port(v, http.port));
                if let Some(scheme) = http.scheme.as_deref()
                    && !matches!(scheme, "" | "HTTP" | "HTTPS")
                {
                    v.error_at("scheme", format!("scheme {scheme:?} must be HTTP or HTTPS"));
                }
                v.field("httpHeaders", |v| {
                    for (i, header) in http.http_headers.iter().enumerate() {
                        let name = header.name.as_deref().unwrap_or_default();
                        if !is_probe_header_name(name) {
                            v.item(i, |v| {
                                v.error_at(
                                    "name",
                                    format!("header name {name:?} is invalid: use letters, digits and '-'"),
                                )
                            });
                        }
                    }
                });
            });
        } else if let Some(tcp) = &self.tcp_socket {
            v.field("tcpSocket", |v| v.field("port", |v| rules::check_port(v, tcp.port)));
        } else if let Some(exec) = &self.exec {
            v.field("exec", |v| {
                v.field("command", |v| {
                    if exec.command.is_empty() {
                        v.error("exec needs a command");
                    }
                    for (i, part) in exec.command.iter().enumerate() {
                        if part.is_empty() {
                            v.item(i, |v| v.error("command words must not be empty"));
                        }
                    }
                });
            });
        } else if let Some(grpc) = &self.grpc {
            v.field("grpc", |v| {
                if let Some(port) = grpc.port {
                    v.field("port", |v| rules::check_port(v, port));
                }
                v.error("Istio's admission webhook does not accept grpc readiness probes yet; use httpGet, tcpSocket or exec");
            });
        } else {
            v.error("a probe needs one of httpGet, tcpSocket or exec");
        }
    }
}

impl Validate for WorkloadGroup {
    fn validate(&self) -> Vec<Problem> {
        let mut v = Validator::new();
        rules::check_metadata(&mut v, "WorkloadGroup", &self.metadata);
        let spec = &self.spec;
        v.field("spec", |v| {
            if let Some(meta) = &spec.metadata {
                v.field("metadata", |v| v.field("labels", |v| rules::check_labels(v, &meta.labels)));
            }
            v.field("template", |v| spec.template.check(v, EntryUse::Template));
            if let Some(probe) = &spec.probe {
                v.field("probe", |v| probe.check(v));
            }
        });
        v.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    fn problems(spec: &str) -> Vec<Problem> {
        let yaml = format!(
            "apiVersion: networking.istio.io/v1\nkind: WorkloadGroup\nmetadata: {{name: reviews, namespace: shop}}\nspec: {spec}\n"
        );
        let wg: WorkloadGroup = serde_yaml::from_str(&yaml).expect("test YAML must load");
        wg.validate()
    }

    fn has(problems: &[Problem], level: Level, path: &str) -> bool {
        problems.iter().any(|p| p.level == level && p.path.to_string() == path)
    }

    #[test]
    fn valid_groups_pass() {
        let p = problems(
            "{metadata: {labels: {app: reviews}}, template: {serviceAccount: sa, ports: {http: 8080}}, \
             probe: {periodSeconds: 5, httpGet: {path: /ready, port: 8080, scheme: HTTPS, httpHeaders: [{name: X-Check, value: v}]}}}",
        );
        assert!(p.is_empty(), "{p:?}");
        assert!(problems("{template: {}, probe: {exec: {command: [cat, /tmp/ready]}}}").is_empty());
    }

    #[test]
    fn template_is_required() {
        let yaml = "metadata: {name: wg}\nspec: {metadata: {labels: {a: b}}}";
        assert!(serde_yaml::from_str::<WorkloadGroup>(yaml).is_err());
    }

    #[test]
    fn template_may_leave_out_the_address_but_not_break_socket_rules() {
        assert!(problems("{template: {serviceAccount: sa}}").is_empty());
        let p = problems("{template: {address: 'unix://@sock', ports: {http: 80}}}");
        assert!(has(&p, Level::Error, "spec.template.ports"), "{p:?}");
    }

    #[test]
    fn metadata_labels_must_be_valid() {
        let p = problems("{metadata: {labels: {'bad key!': v}}, template: {}}");
        assert!(
            p.iter().any(|p| p.level == Level::Error && p.path.to_string().starts_with("spec.metadata.labels")),
            "{p:?}"
        );
    }

    #[test]
    fn probe_counts_must_not_be_negative() {
        let p = problems("{template: {}, probe: {periodSeconds: -1, failureThreshold: -2, tcpSocket: {port: 80}}}");
        assert!(has(&p, Level::Error, "spec.probe.periodSeconds"), "{p:?}");
        assert!(has(&p, Level::Error, "spec.probe.failureThreshold"), "{p:?}");
    }

    #[test]
    fn probe_ports_must_be_in_range() {
        let p = problems("{template: {}, probe: {tcpSocket: {port: 65536}}}");
        assert!(has(&p, Level::Error, "spec.probe.tcpSocket.port"), "{p:?}");
        let p = problems("{template: {}, probe: {httpGet: {port: 0}}}");
        assert!(has(&p, Level::Error, "spec.probe.httpGet.port"), "{p:?}");
    }

    #[test]
    fn http_probe_scheme_is_http_or_https() {
        let p = problems("{template: {}, probe: {httpGet: {port: 80, scheme: FTP}}}");
        assert!(has(&p, Level::Error, "spec.probe.httpGet.scheme"), "{p:?}");
    }

    #[test]
    fn http_probe_header_names_are_tokens() {
        let p = problems("{template: {}, probe: {httpGet: {port: 80, httpHeaders: [{name: '**'}, {value: v}]}}}");
        assert!(has(&p, Level::Error, "spec.probe.httpGet.httpHeaders[0].name"), "{p:?}");
        assert!(has(&p, Level::Error, "spec.probe.httpGet.httpHeaders[1].name"), "{p:?}");
    }

    #[test]
    fn exec_probe_needs_a_command() {
        let p = problems("{template: {}, probe: {exec: {command: []}}}");
        assert!(has(&p, Level::Error, "spec.probe.exec.command"), "{p:?}");
    }

    #[test]
    fn probe_needs_exactly_one_method() {
        let p = problems("{template: {}, probe: {periodSeconds: 3}}");
        assert!(has(&p, Level::Error, "spec.probe"), "{p:?}");
        let p = problems("{template: {}, probe: {tcpSocket: {port: 80}, exec: {command: [true]}}}");
        assert!(has(&p, Level::Error, "spec.probe"), "{p:?}");
    }

    #[test]
    fn grpc_probes_are_refused_as_istio_does() {
        let p = problems("{template: {}, probe: {grpc: {port: 9000}}}");
        assert!(has(&p, Level::Error, "spec.probe.grpc"), "{p:?}");
    }
}
