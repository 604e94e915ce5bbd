//! `AuthorizationPolicy`: which requests and connections a workload lets through.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::selection::check_selection;
use crate::validation::rules;
use crate::{IstioStatus, LabelSelector, PolicyTargetReference, Problem, Validate, Validator};

/// Access control for the selected workloads: allow, deny or audit requests that match any of
/// the rules, or hand them to an external authorizer (`CUSTOM`).
///
/// Istio evaluates `CUSTOM` policies first, then `DENY`, then `ALLOW`: a request is denied when
/// any `DENY` policy matches, and when `ALLOW` policies exist it must match one of them.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "security.istio.io",
    version = "v1",
    kind = "AuthorizationPolicy",
    namespaced,
    derive = "PartialEq",
    status = "IstioStatus",
    shortname = "ap",
    category = "istio-io",
    category = "security-istio-io",
    doc = "An Istio `AuthorizationPolicy` (`security.istio.io/v1`): access control for workloads.",
    printcolumn = r#"{"name":"Action","type":"string","description":"What the policy does with matching requests.","jsonPath":".spec.action"}"#,
    printcolumn = r#"{"name":"Age","type":"date","description":"When the object was created.","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthorizationPolicySpec {
    /// The workloads the policy applies to, by labels; absent (and no target references), it
    /// applies to every workload in the namespace, or the mesh in the root namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// A single resource (such as a Gateway API `Gateway` or a `Service`) the policy attaches
    /// to instead of a selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<PolicyTargetReference>,
    /// Resources the policy attaches to instead of a selector (at most 16).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_refs: Vec<PolicyTargetReference>,
    /// The rules; a request matching any one of them triggers the action. Absent with `ALLOW`,
    /// nothing is allowed; a rule `{}` matches every request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// What happens to matching requests; `ALLOW` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<AuthorizationAction>,
    /// The external authorizer that decides for a `CUSTOM` policy; names an extension
    /// provider of the mesh config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ExtensionProvider>,
}

/// What an [`AuthorizationPolicy`] does with the requests its rules match.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorizationAction {
    /// Let matching requests through (and, once any ALLOW policy applies, only those).
    #[default]
    Allow,
    /// Reject matching requests.
    Deny,
    /// Record matching requests for auditing without changing the decision.
    Audit,
    /// Ask the external authorizer named by `provider`.
    Custom,
}

/// The extension provider a `CUSTOM` policy delegates to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExtensionProvider {
    /// Name of an extension provider defined in the mesh config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One rule: it matches when the request comes from one of `from`, goes to one of `to`, and
/// meets every `when` condition. Absent parts match anything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rule {
    /// Who sends the request; any entry may match (at most 512).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<RuleFrom>,
    /// What the request asks for; any entry may match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<RuleTo>,
    /// Further conditions on request attributes; all must hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<Condition>,
}

/// One entry of a rule's `from` list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleFrom {
    /// The source the request must come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// One entry of a rule's `to` list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleTo {
    /// The operation the request must perform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
}

/// Where a request comes from. All set fields must match (AND); within a list any value may
/// match (OR), and a `not*` list excludes. Values may use one `*` as prefix, suffix or alone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Source {
    /// Peer identities from the mTLS certificate, as `<trust domain>/ns/<namespace>/sa/<account>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<String>,
    /// Peer identities that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_principals: Vec<String>,
    /// Request identities from a validated JWT, as `<issuer>/<subject>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_principals: Vec<String>,
    /// Request identities that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_request_principals: Vec<String>,
    /// Namespaces of the peer, from its mTLS certificate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Peer namespaces that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_namespaces: Vec<String>,
    /// Kubernetes service accounts of the peer, as `<namespace>/<account>` or `<account>` (the
    /// policy's namespace); no wildcards, at most 16, and not together with `principals` or
    /// `namespaces`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_accounts: Vec<String>,
    /// Service accounts that must not match; same form and limits as `serviceAccounts`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_service_accounts: Vec<String>,
    /// Source IP addresses or CIDR blocks of the packet (`203.0.113.4`, `203.0.113.0/24`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_blocks: Vec<String>,
    /// Source IP addresses or blocks that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ip_blocks: Vec<String>,
    /// Original client addresses or blocks, taken from `X-Forwarded-For` or the PROXY protocol.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remote_ip_blocks: Vec<String>,
    /// Original client addresses or blocks that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_remote_ip_blocks: Vec<String>,
    /// Trust domains of the peer identity; no `/` allowed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trust_domains: Vec<String>,
    /// Trust domains that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_trust_domains: Vec<String>,
}

/// What a request does. All set fields must match (AND); within a list any value may match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Operation {
    /// HTTP hosts (the `Host` header), matched case-insensitively; HTTP only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Hosts that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_hosts: Vec<String>,
    /// Destination ports of the connection, written as text (`"8080"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    /// Ports that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ports: Vec<String>,
    /// HTTP methods (`GET`, ...); gRPC requests are always `POST`. HTTP only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    /// Methods that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_methods: Vec<String>,
    /// Normalized request paths; `*` as prefix or suffix, or the URI template operators `{*}`
    /// (one segment) and `{**}` (any number of segments, last operator only). HTTP only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Paths that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_paths: Vec<String>,
}

/// A condition on a named request attribute, such as `request.headers[x-user]` or `source.ip`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Condition {
    /// The attribute, one of those Istio supports (`source.ip`, `request.auth.claims[iss]`, ...).
    pub key: String,
    /// Values of which the attribute must match one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Values the attribute must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_values: Vec<String>,
}

impl Condition {
    /// A condition that `key` matches one of `values`.
    pub fn new(key: impl Into<String>, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self { key: key.into(), values: values.into_iter().map(Into::into).collect(), not_values: Vec::new() }
    }
}

/// The annotation that turns a policy into a dry run (evaluated and logged, not enforced).
const DRY_RUN_ANNOTATION: &str = "istio.io/dry-run";
/// Most rules in a policy, and most `from` entries in a rule.
const MAX_RULES: usize = 512;
/// Most service accounts in one list.
const MAX_SERVICE_ACCOUNTS: usize = 16;
/// Longest service account entry.
const MAX_SERVICE_ACCOUNT_LEN: usize = 320;

impl Validate for AuthorizationPolicy {
    fn validate(&self) -> Vec<Problem> {
        let mut v = Validator::new();
        rules::check_metadata(&mut v, "AuthorizationPolicy", &self.metadata);
        let action = self.spec.action.unwrap_or_default();
        let dry_run = self.metadata.annotations.as_ref().is_some_and(|a| a.contains_key(DRY_RUN_ANNOTATION));
        if dry_run && !matches!(action, AuthorizationAction::Allow | AuthorizationAction::Deny) {
            v.field("metadata", |v| {
                v.field("annotations", |v| {
                    v.error_at(DRY_RUN_ANNOTATION, "a dry run is only supported for ALLOW and DENY policies")
                })
            });
        }
        v.field("spec", |v| self.spec.check(v));
        v.finish()
    }
}

impl AuthorizationPolicySpec {
    fn check(&self, v: &mut Validator) {
        check_selection(v, self.selector.as_ref(), self.target_ref.as_ref(), &self.target_refs);
        let action = self.action.unwrap_or_default();
        match action {
            AuthorizationAction::Custom if self.rules.is_empty() => v.error_at(
                "rules",
                "a CUSTOM policy without rules never applies; add an empty rule {} to apply it to every request",
            ),
            AuthorizationAction::Custom
                if self.provider.as_ref().and_then(|p| p.name.as_deref()).unwrap_or_default().is_empty() =>
            {
                v.field("provider", |v| v.error_at("name", "a CUSTOM policy needs the name of its provider"));
            }
            AuthorizationAction::Deny if self.rules.is_empty() => v.error_at(
                "rules",
                "a DENY policy without rules never applies; add an empty rule {} to deny every request",
            ),
            _ => {}
        }
        if self.provider.is_some() && action != AuthorizationAction::Custom {
            v.error_at("provider", "a provider is only allowed with action CUSTOM");
        }
        v.field("rules", |v| {
            if self.rules.len() > MAX_RULES {
                v.error(format!("{} rules given; at most {MAX_RULES} are allowed", self.rules.len()));
            }
            for (i, rule) in self.rules.iter().enumerate() {
                v.item(i, |v| rule.check(v, action));
            }
        });
    }
}

impl Rule {
    fn check(&self, v: &mut Validator, action: AuthorizationAction) {
        let custom = action == AuthorizationAction::Custom;
        let (mut has_source, mut tcp_source) = (false, false);
        v.field("from", |v| {
            if self.from.len() > MAX_RULES {
                v.error(format!("{} sources given; at most {MAX_RULES} are allowed", self.from.len()));
            }
            for (i, from) in self.from.iter().enumerate() {
                v.item(i, |v| match &from.source {
                    None => v.error("each entry of from needs a source"),
                    Some(source) => {
                        has_source = true;
                        tcp_source |= source.has_tcp_fields();
                        v.field("source", |v| source.check(v, custom));
                    }
                });
            }
        });
        let (mut has_operation, mut tcp_operation) = (false, false);
        v.field("to", |v| {
            for (i, to) in self.to.iter().enumerate() {
                v.item(i, |v| match &to.operation {
                    None => v.error("each entry of to needs an operation"),
                    Some(operation) => {
                        has_operation = true;
                        tcp_operation |= !operation.ports.is_empty() || !operation.not_ports.is_empty();
                        v.field("operation", |v| operation.check(v));
                    }
                });
            }
        });
        v.field("when", |v| {
            for (i, condition) in self.when.iter().enumerate() {
                v.item(i, |v| condition.check(v, custom));
            }
        });
        let http_only = (has_source && !has_operation && !tcp_source) || (has_operation && !tcp_operation);
        if http_only && action == AuthorizationAction::Deny {
            v.warn(
                "this DENY rule uses only HTTP attributes, so it denies all traffic to TCP ports the policy \
                 covers; name the ports explicitly",
            );
        }
    }
}

impl Source {
    /// Whether any field that applies to plain TCP connections is set.
    fn has_tcp_fields(&self) -> bool {
        [
            &self.principals,
            &self.not_principals,
            &self.namespaces,
            &self.not_namespaces,
            &self.service_accounts,
            &self.not_service_accounts,
            &self.ip_blocks,
            &self.not_ip_blocks,
            &self.remote_ip_blocks,
            &self.not_remote_ip_blocks,
        ]
        .iter()
        .any(|list| !list.is_empty())
    }

    /// Every list, with its field name.
    fn lists(&self) -> [(&'static str, &[String]); 14] {
        [
            ("principals", &self.principals),
            ("notPrincipals", &self.not_principals),
            ("requestPrincipals", &self.request_principals),
            ("notRequestPrincipals", &self.not_request_principals),
            ("namespaces", &self.namespaces),
            ("notNamespaces", &self.not_namespaces),
            ("serviceAccounts", &self.service_accounts),
            ("notServiceAccounts", &self.not_service_accounts),
            ("ipBlocks", &self.ip_blocks),
            ("notIpBlocks", &self.not_ip_blocks),
            ("remoteIpBlocks", &self.remote_ip_blocks),
            ("notRemoteIpBlocks", &self.not_remote_ip_blocks),
            ("trustDomains", &self.trust_domains),
            ("notTrustDomains", &self.not_trust_domains),
        ]
    }

    fn check(&self, v: &mut Validator, custom: bool) {
        if self.lists().iter().all(|(_, list)| list.is_empty()) {
            v.error("a source must set at least one field");
        }
        let identities = [&self.principals, &self.not_principals, &self.namespaces, &self.not_namespaces];
        let accounts = [&self.service_accounts, &self.not_service_accounts];
        if identities.iter().any(|l| !l.is_empty()) && accounts.iter().any(|l| !l.is_empty()) {
            v.error("serviceAccounts cannot be combined with principals or namespaces (or their not* forms)");
        }
        for (name, list) in self.lists() {
            v.field(name, |v| {
                let ip_list = matches!(name, "ipBlocks" | "notIpBlocks" | "remoteIpBlocks" | "notRemoteIpBlocks");
                if custom && !ip_list && !list.is_empty() {
                    v.error(format!("{name} is not supported with action CUSTOM"));
                }
                match name {
                    "serviceAccounts" | "notServiceAccounts" => check_service_accounts(v, list),
                    "trustDomains" | "notTrustDomains" => check_trust_domains(v, list),
                    "ipBlocks" | "notIpBlocks" | "remoteIpBlocks" | "notRemoteIpBlocks" => check_ips(v, list),
                    _ => check_not_empty(v, list),
                }
            });
        }
    }
}

impl Operation {
    fn lists(&self) -> [(&'static str, &[String]); 8] {
        [
            ("hosts", &self.hosts),
            ("notHosts", &self.not_hosts),
            ("ports", &self.ports),
            ("notPorts", &self.not_ports),
            ("methods", &self.methods),
            ("notMethods", &self.not_methods),
            ("paths", &self.paths),
            ("notPaths", &self.not_paths),
        ]
    }

    fn check(&self, v: &mut Validator) {
        if self.lists().iter().all(|(_, list)| list.is_empty()) {
            v.error("an operation must set at least one field");
        }
        for (name, list) in self.lists() {
            v.field(name, |v| match name {
                "ports" | "notPorts" => check_ports(v, list),
                "paths" | "notPaths" => {
                    check_not_empty(v, list);
                    for (i, path) in list.iter().enumerate() {
                        if let Some(problem) = path_template_problem(path) {
                            v.item(i, |v| v.error(problem));
                        }
                    }
                }
                _ => check_not_empty(v, list),
            });
        }
    }
}

/// What kind of values an attribute of a `when` condition takes.
enum AttributeValues {
    /// Any non-empty text.
    Text,
    /// IP addresses or CIDR blocks.
    Ips,
    /// Port numbers.
    Ports,
    /// Service accounts (`ns/name` or `name`).
    ServiceAccounts,
    /// Text with at most one `*`, at the start or the end.
    Wildcards,
}

/// How Istio reads the attribute `key`, or why it does not accept it.
fn attribute(key: &str) -> Result<AttributeValues, String> {
    let map_key = |key: &str| {
        let open = key.find('[');
        if key.ends_with(']') && open.is_some_and(|open| open > 0 && open + 2 < key.len()) {
            Ok(AttributeValues::Text)
        } else {
            Err(format!("attribute {key:?} needs a name in brackets, like request.headers[x-user]"))
        }
    };
    match key {
        _ if key.starts_with("request.headers") => map_key(key),
        "source.ip" | "remote.ip" | "destination.ip" => Ok(AttributeValues::Ips),
        "source.namespace"
        | "source.principal"
        | "request.auth.principal"
        | "request.auth.audiences"
        | "request.auth.presenter"
        | "connection.sni" => Ok(AttributeValues::Text),
        "source.serviceAccount" => Ok(AttributeValues::ServiceAccounts),
        "source.trustDomain" => Ok(AttributeValues::Wildcards),
        _ if key.starts_with("request.auth.claims") => map_key(key),
        "destination.port" => Ok(AttributeValues::Ports),
        _ if key.starts_with("experimental.envoy.filters.") => map_key(key),
        "destination.namespace" => Err(format!("attribute {key} is not supported; the policy's namespace decides it")),
        _ if key.starts_with("destination.labels") => {
            Err(format!("attribute {key} is not supported; use the policy's selector instead"))
        }
        "destination.name" | "destination.user" => Err(format!("attribute {key} was removed after v1alpha1")),
        _ => Err(format!("unknown attribute {key:?}")),
    }
}

impl Condition {
    fn check(&self, v: &mut Validator, custom: bool) {
        if self.key.is_empty() {
            v.error_at("key", "a condition needs a key");
            return;
        }
        let key = self.key.as_str();
        let source_identity =
            matches!(key, "source.namespace" | "source.serviceAccount" | "source.trustDomain" | "source.principal");
        if custom && (source_identity || key.starts_with("request.auth.")) {
            v.error_at("key", format!("attribute {key} is not supported with action CUSTOM"));
        }
        if self.values.is_empty() && self.not_values.is_empty() {
            v.error(format!("the condition on {key} needs values or notValues"));
            return;
        }
        let kind = match attribute(key) {
            Ok(kind) => kind,
            Err(problem) => return v.error_at("key", problem),
        };
        for (name, list) in [("values", &self.values), ("notValues", &self.not_values)] {
            v.field(name, |v| match kind {
                AttributeValues::Text => check_not_empty(v, list),
                AttributeValues::Ips => {
                    check_not_empty(v, list);
                    check_ips(v, list);
                }
                AttributeValues::Ports => {
                    check_not_empty(v, list);
                    check_ports(v, list);
                }
                AttributeValues::ServiceAccounts => check_service_accounts(v, list),
                AttributeValues::Wildcards => check_wildcards(v, list),
            });
        }
    }
}

/// Records an error at each empty value.
fn check_not_empty(v: &mut Validator, values: &[String]) {
    for (i, value) in values.iter().enumerate() {
        if value.is_empty() {
            v.item(i, |v| v.error("values must not be empty"));
        }
    }
}

/// Each value is an IP address or a CIDR block.
fn check_ips(v: &mut Validator, values: &[String]) {
    for (i, value) in values.iter().enumerate() {
        v.item(i, |v| rules::check_ip_or_cidr(v, value));
    }
}

/// Each value is a port number from 0 to 65535, written in decimal.
fn check_ports(v: &mut Validator, values: &[String]) {
    for (i, value) in values.iter().enumerate() {
        let ok = !value.is_empty()
            && value.bytes().all(|b| b.is_ascii_digit())
            && value.parse::<u32>().is_ok_and(|p| p <= 65535);
        if !ok {
            v.item(i, |v| v.error(format!("{value:?} is not a port number (0 to 65535)")));
        }
    }
}

/// Values may hold one `*`, as a prefix, a suffix, or alone.
fn check_wildcards(v: &mut Validator, values: &[String]) {
    for (i, value) in values.iter().enumerate() {
        v.item(i, |v| {
            let stars = value.matches('*').count();
            if value.is_empty() {
                v.error("values must not be empty");
            } else if stars > 1 {
                v.error(format!("{value:?} holds more than one '*'"));
            } else if stars == 1 && !value.starts_with('*') && !value.ends_with('*') {
                v.error(format!("{value:?} has a '*' in the middle; it may only start or end a value"));
            }
        });
    }
}

/// Trust domains are wildcard values without `/`.
fn check_trust_domains(v: &mut Validator, values: &[String]) {
    check_wildcards(v, values);
    for (i, value) in values.iter().enumerate() {
        if value.contains('/') {
            v.item(i, |v| v.error(format!("trust domain {value:?} must not contain '/'")));
        }
    }
}

/// Service accounts: `name` or `namespace/name`, no wildcard, at most 320 characters, at most 16.
fn check_service_accounts(v: &mut Validator, values: &[String]) {
    if values.len() > MAX_SERVICE_ACCOUNTS {
        v.error(format!("{} service accounts given; at most {MAX_SERVICE_ACCOUNTS} are allowed", values.len()));
    }
    for (i, value) in values.iter().enumerate() {
        v.item(i, |v| {
            if value.is_empty() {
                v.error("values must not be empty");
            } else if value.contains('*') {
                v.error(format!("service account {value:?} must not use wildcards"));
            } else if value.matches('/').count() > 1 {
                v.error(format!("service account {value:?} must be written 'name' or 'namespace/name'"));
            } else if value.len() > MAX_SERVICE_ACCOUNT_LEN {
                v.error(format!("service account entries are at most {MAX_SERVICE_ACCOUNT_LEN} characters long"));
            } else if let Some((namespace, account)) = value.split_once('/')
                && (namespace.is_empty() || account.is_empty())
            {
                v.error(format!("service account {value:?} has an empty namespace or name"));
            }
        });
    }
}

/// Why a path using the URI template operators `{*}` and `{**}` is malformed, or `None`.
///
/// `{*}` stands for one path segment and `{**}` for any number of them; `{**}` must be the last
/// operator, braces may appear only as those operators, and in a templated path every other
/// segment must be plain path characters.
fn path_template_problem(path: &str) -> Option<String> {
    let templated = path.contains("{*}") || path.contains("{**}");
    let mut seen_any = false;
    for segment in path.trim_matches('/').split('/') {
        match segment {
            "{*}" | "{**}" if seen_any => {
                return Some(format!("path {path:?}: {{**}} must be the last template operator"));
            }
            "{*}" => continue,
            "{**}" => {
                seen_any = true;
                continue;
            }
            _ => {}
        }
        if segment.contains(['{', '}']) {
            return Some(format!("path {path:?}: braces are only allowed as the whole segments {{*}} and {{**}}"));
        }
        let plain = |b: u8| b.is_ascii_alphanumeric() || b"-._~%!$&'()+,;:@=".contains(&b);
        if templated && (segment.is_empty() || !segment.bytes().all(plain)) {
            return Some(format!(
                "path {path:?}: segment {segment:?} of a templated path may only hold plain path characters"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    /// Validates `spec` (YAML) in a policy named `p`, with `annotations`; returns each problem as
    /// (path, level).
    fn check_with(annotations: &str, spec: &str) -> Vec<(String, Level)> {
        let yaml = format!(
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: p, namespace: ns, annotations: {{{annotations}}}}}\nspec: {spec}"
        );
        let policy: AuthorizationPolicy = serde_yaml::from_str(&yaml).expect("test input loads");
        policy.validate().into_iter().map(|p| (p.path.to_string(), p.level)).collect()
    }

    fn check(spec: &str) -> Vec<(String, Level)> {
        check_with("", spec)
    }

    fn errors(spec: &str) -> Vec<String> {
        check(spec).into_iter().filter(|(_, l)| *l == Level::Error).map(|(p, _)| p).collect()
    }

    fn error_at(spec: &str, path: &str) {
        let found = errors(spec);
        assert!(found.iter().any(|p| p == path), "expected an error at {path}, found {found:?} for {spec}");
    }

    fn accepted(spec: &str) {
        assert_eq!(errors(spec), Vec::<String>::new(), "expected no errors for {spec}");
    }

    #[test]
    fn action_values_are_istios() {
        let names: Vec<String> = [
            AuthorizationAction::Allow,
            AuthorizationAction::Deny,
            AuthorizationAction::Audit,
            AuthorizationAction::Custom,
        ]
        .iter()
        .map(|a| serde_json::to_value(a).unwrap().as_str().unwrap().to_owned())
        .collect();
        assert_eq!(names, ["ALLOW", "DENY", "AUDIT", "CUSTOM"]);
    }

    #[test]
    fn allow_policy_without_rules_is_valid() {
        accepted("{selector: {matchLabels: {app: a}}}");
        accepted("{}");
    }

    #[test]
    fn custom_action_needs_rules() {
        error_at("{action: CUSTOM, provider: {name: ext}}", "spec.rules");
    }

    #[test]
    fn custom_action_needs_a_provider_name() {
        error_at("{action: CUSTOM, rules: [{}]}", "spec.provider.name");
        error_at("{action: CUSTOM, provider: {}, rules: [{}]}", "spec.provider.name");
        accepted("{action: CUSTOM, provider: {name: ext}, rules: [{}]}");
    }

    #[test]
    fn custom_action_refuses_identity_attributes() {
        let spec = "{action: CUSTOM, provider: {name: ext}, rules: [{from: [{source: {namespaces: [a], ipBlocks: [1.2.3.4]}}], \
                    when: [{key: source.principal, values: [x]}, {key: 'request.auth.claims[a]', values: [b]}, {key: source.ip, values: [1.2.3.4]}]}]}";
        let found = errors(spec);
        assert!(found.contains(&"spec.rules[0].from[0].source.namespaces".to_owned()), "{found:?}");
        assert!(found.contains(&"spec.rules[0].when[0].key".to_owned()), "{found:?}");
        assert!(found.contains(&"spec.rules[0].when[1].key".to_owned()), "{found:?}");
        assert!(!found.iter().any(|p| p.contains("ipBlocks") || p.contains("when[2]")), "{found:?}");
    }

    #[test]
    fn provider_requires_the_custom_action() {
        error_at("{action: ALLOW, provider: {name: ext}, rules: [{}]}", "spec.provider");
        error_at("{provider: {name: ext}}", "spec.provider");
    }

    #[test]
    fn deny_action_needs_rules() {
        error_at("{action: DENY}", "spec.rules");
        accepted("{action: DENY, rules: [{to: [{operation: {ports: ['80']}}]}]}");
    }

    #[test]
    fn dry_run_is_only_for_allow_and_deny() {
        let at = "metadata.annotations.istio.io/dry-run".to_owned();
        let audit = check_with("istio.io/dry-run: 'true'", "{action: AUDIT, rules: [{}]}");
        assert!(audit.contains(&(at.clone(), Level::Error)), "{audit:?}");
        let allow = check_with("istio.io/dry-run: 'true'", "{action: ALLOW, rules: [{}]}");
        assert!(allow.is_empty(), "{allow:?}");
        let bad_value = check_with("istio.io/dry-run: maybe", "{rules: [{}]}");
        assert!(bad_value.contains(&(at, Level::Error)), "{bad_value:?}");
    }

    #[test]
    fn selector_and_target_refs_exclude_each_other() {
        error_at(
            "{selector: {matchLabels: {app: a}}, targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: g}]}",
            "spec",
        );
    }

    #[test]
    fn target_ref_must_be_a_supported_kind() {
        error_at("{targetRef: {kind: Deployment, group: apps, name: d}}", "spec.targetRef.kind");
        accepted("{targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: g}}");
    }

    #[test]
    fn rules_hold_at_most_512_entries() {
        let rules = vec!["{}"; 513].join(",");
        error_at(&format!("{{rules: [{rules}]}}"), "spec.rules");
    }

    #[test]
    fn from_entries_need_a_source() {
        error_at("{rules: [{from: [{}]}]}", "spec.rules[0].from[0]");
    }

    #[test]
    fn source_must_set_a_field() {
        error_at("{rules: [{from: [{source: {}}]}]}", "spec.rules[0].from[0].source");
    }

    #[test]
    fn service_accounts_exclude_principals_and_namespaces() {
        error_at(
            "{rules: [{from: [{source: {serviceAccounts: [sa], notPrincipals: [p]}}]}]}",
            "spec.rules[0].from[0].source",
        );
        accepted("{rules: [{from: [{source: {serviceAccounts: [ns/sa]}}, {source: {principals: [p]}}]}]}");
    }

    #[test]
    fn service_accounts_are_name_or_namespace_slash_name() {
        for bad in ["'*'", "a/b/c", "/sa", "ns/", "''"] {
            error_at(
                &format!("{{rules: [{{from: [{{source: {{serviceAccounts: [{bad}]}}}}]}}]}}"),
                "spec.rules[0].from[0].source.serviceAccounts[0]",
            );
        }
        let long = "a".repeat(321);
        error_at(
            &format!("{{rules: [{{from: [{{source: {{notServiceAccounts: [{long}]}}}}]}}]}}"),
            "spec.rules[0].from[0].source.notServiceAccounts[0]",
        );
    }

    #[test]
    fn service_accounts_hold_at_most_16_entries() {
        let accounts = (0..17).map(|i| format!("sa{i}")).collect::<Vec<_>>().join(",");
        error_at(
            &format!("{{rules: [{{from: [{{source: {{serviceAccounts: [{accounts}]}}}}]}}]}}"),
            "spec.rules[0].from[0].source.serviceAccounts",
        );
    }

    #[test]
    fn trust_domains_allow_only_edge_wildcards_and_no_slash() {
        let at = "spec.rules[0].from[0].source.trustDomains[0]";
        error_at("{rules: [{from: [{source: {trustDomains: ['a*b']}}]}]}", at);
        error_at("{rules: [{from: [{source: {trustDomains: ['*a*']}}]}]}", at);
        error_at("{rules: [{from: [{source: {trustDomains: [a/b]}}]}]}", at);
        accepted("{rules: [{from: [{source: {trustDomains: ['*.local', 'cluster*', '*']}}]}]}");
    }

    #[test]
    fn ip_blocks_are_addresses_or_cidrs() {
        error_at("{rules: [{from: [{source: {ipBlocks: [a.b.c.d]}}]}]}", "spec.rules[0].from[0].source.ipBlocks[0]");
        error_at(
            "{rules: [{from: [{source: {notRemoteIpBlocks: [1.2.3.0/33]}}]}]}",
            "spec.rules[0].from[0].source.notRemoteIpBlocks[0]",
        );
        accepted("{rules: [{from: [{source: {ipBlocks: [1.2.3.4, 10.0.0.0/8, '2001:db8::/32']}}]}]}");
    }

    #[test]
    fn list_values_must_not_be_empty() {
        error_at("{rules: [{from: [{source: {principals: [a, '']}}]}]}", "spec.rules[0].from[0].source.principals[1]");
        error_at(
            "{rules: [{from: [{source: {notRequestPrincipals: ['']}}]}]}",
            "spec.rules[0].from[0].source.notRequestPrincipals[0]",
        );
        error_at("{rules: [{to: [{operation: {hosts: ['']}}]}]}", "spec.rules[0].to[0].operation.hosts[0]");
        error_at("{rules: [{to: [{operation: {notMethods: ['']}}]}]}", "spec.rules[0].to[0].operation.notMethods[0]");
    }

    #[test]
    fn to_entries_need_an_operation() {
        error_at("{rules: [{to: [{}]}]}", "spec.rules[0].to[0]");
    }

    #[test]
    fn operation_must_set_a_field() {
        error_at("{rules: [{to: [{operation: {}}]}]}", "spec.rules[0].to[0].operation");
    }

    #[test]
    fn ports_are_numbers_up_to_65535() {
        error_at("{rules: [{to: [{operation: {ports: ['80', port1]}}]}]}", "spec.rules[0].to[0].operation.ports[1]");
        error_at("{rules: [{to: [{operation: {notPorts: ['65536']}}]}]}", "spec.rules[0].to[0].operation.notPorts[0]");
        error_at("{rules: [{to: [{operation: {ports: ['']}}]}]}", "spec.rules[0].to[0].operation.ports[0]");
    }

    #[test]
    fn path_templates_follow_envoys_uri_template_rules() {
        let at = "spec.rules[0].to[0].operation.paths[0]";
        for bad in ["/{**}/a/{*}", "/foo/{*}.txt", "/a/{b}", "/*/baz/{*}"] {
            error_at(&format!("{{rules: [{{to: [{{operation: {{paths: ['{bad}']}}}}]}}]}}"), at);
        }
        accepted(
            "{rules: [{to: [{operation: {paths: ['/foo/{*}', '/{**}/tail', '/foo/{*}/bar/{**}', '*/suffix', '/prefix/*']}}]}]}",
        );
    }

    #[test]
    fn conditions_need_a_key() {
        error_at("{rules: [{when: [{key: '', values: [a]}]}]}", "spec.rules[0].when[0].key");
    }

    #[test]
    fn conditions_need_values_or_not_values() {
        error_at("{rules: [{when: [{key: source.principal}]}]}", "spec.rules[0].when[0]");
    }

    #[test]
    fn condition_keys_must_be_known_attributes() {
        let at = "spec.rules[0].when[0].key";
        for key in [
            "key1",
            "destination.namespace",
            "'destination.labels[app]'",
            "destination.name",
            "destination.user",
            "request.headers",
            "'request.headers[]'",
        ] {
            error_at(&format!("{{rules: [{{when: [{{key: {key}, values: [a]}}]}}]}}"), at);
        }
        accepted(
            "{rules: [{when: [{key: 'request.headers[x-a]', values: [a]}, {key: 'experimental.envoy.filters.a.b[c]', values: [x]}]}]}",
        );
    }

    #[test]
    fn condition_values_follow_the_attribute() {
        error_at("{rules: [{when: [{key: source.ip, values: [a.b.c.d]}]}]}", "spec.rules[0].when[0].values[0]");
        error_at("{rules: [{when: [{key: remote.ip, notValues: [a.b.c.d]}]}]}", "spec.rules[0].when[0].notValues[0]");
        error_at("{rules: [{when: [{key: destination.port, values: [http]}]}]}", "spec.rules[0].when[0].values[0]");
        error_at("{rules: [{when: [{key: source.serviceAccount, values: ['*']}]}]}", "spec.rules[0].when[0].values[0]");
        error_at("{rules: [{when: [{key: source.trustDomain, values: ['a*b']}]}]}", "spec.rules[0].when[0].values[0]");
        error_at(
            "{rules: [{when: [{key: 'request.headers[x]', values: [v, '']}]}]}",
            "spec.rules[0].when[0].values[1]",
        );
    }

    #[test]
    fn deny_rules_with_only_http_attributes_warn() {
        let warned = |spec: &str| check(spec).contains(&("spec.rules[0]".to_owned(), Level::Warning));
        assert!(warned("{action: DENY, rules: [{from: [{source: {requestPrincipals: [a/b]}}]}]}"));
        assert!(warned("{action: DENY, rules: [{to: [{operation: {methods: [GET]}}]}]}"));
        assert!(warned(
            "{action: DENY, rules: [{from: [{source: {principals: [p]}}], to: [{operation: {methods: [GET]}}]}]}"
        ));
        assert!(!warned(
            "{action: DENY, rules: [{from: [{source: {principals: [p]}}], to: [{operation: {methods: [GET], ports: ['80']}}]}]}"
        ));
        assert!(!warned("{action: ALLOW, rules: [{to: [{operation: {methods: [GET]}}]}]}"));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let yaml = "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\nspec: {rules: [{form: []}]}";
        assert!(serde_yaml::from_str::<AuthorizationPolicy>(yaml).is_err());
    }
}
