//! `security.istio.io`: AuthorizationPolicy, PeerAuthentication, RequestAuthentication
//! (`v1`, also read as `v1beta1`).

mod authorization_policy;
mod peer_authentication;
mod request_authentication;
pub(crate) mod selection;

pub use authorization_policy::{
    AuthorizationAction, AuthorizationPolicy, AuthorizationPolicySpec, Condition, ExtensionProvider, Operation, Rule,
    RuleFrom, RuleTo, Source,
};
pub use peer_authentication::{MtlsMode, MutualTls, PeerAuthentication, PeerAuthenticationSpec};
pub use request_authentication::{
    ClaimToHeader, JwtHeader, JwtPresence, JwtRule, RequestAuthentication, RequestAuthenticationSpec,
};
