//! `security.istio.io`: AuthorizationPolicy, PeerAuthentication, RequestAuthentication
//! (`v1`, also read as `v1beta1`).
//!
//! - [`AuthorizationPolicy`]: allow, deny or audit requests, or ask an external authorizer.
//! - [`PeerAuthentication`]: the mutual TLS mode of workloads, per workload and per port.
//! - [`RequestAuthentication`]: which JWT issuers workloads accept, and where tokens are found.
//!
//! # Examples
//!
//! ```
//! use mesh_api::security::{AuthorizationAction, AuthorizationPolicy};
//! use mesh_api::{Level, Validate};
//!
//! let policy: AuthorizationPolicy = serde_yaml::from_str(r#"
//! apiVersion: security.istio.io/v1
//! kind: AuthorizationPolicy
//! metadata: {name: deny-admin, namespace: shop}
//! spec:
//!   selector: {matchLabels: {app: frontend}}
//!   action: DENY
//!   rules:
//!   - to: [{operation: {paths: ["/admin/{**}"], ports: ["8080"]}}]
//!     when: [{key: "request.headers[x-user]", values: [""]}]
//! "#)?;
//! assert_eq!(policy.spec.action, Some(AuthorizationAction::Deny));
//! let problems = policy.validate();
//! assert_eq!(problems.len(), 1);
//! assert_eq!(problems[0].level, Level::Error);
//! assert_eq!(problems[0].path.to_string(), "spec.rules[0].when[0].values[0]");
//! # Ok::<(), serde_yaml::Error>(())
//! ```

mod authorization_policy;
mod peer_authentication;
mod request_authentication;
pub(crate) mod selection;
pub(crate) mod url;

pub use authorization_policy::{
    AuthorizationAction, AuthorizationPolicy, AuthorizationPolicySpec, Condition, ExtensionProvider, Operation, Rule,
    RuleFrom, RuleTo, Source,
};
pub use peer_authentication::{MtlsMode, MutualTls, PeerAuthentication, PeerAuthenticationSpec};
pub use request_authentication::{
    ClaimToHeader, JwtHeader, JwtPresence, JwtRule, RequestAuthentication, RequestAuthenticationSpec,
};
