//! `RequestAuthentication`: which JSON Web Tokens a workload accepts.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Duration, IstioStatus, LabelSelector, PolicyTargetReference};

/// The JWT issuers the selected workloads accept. A request carrying an invalid token is
/// rejected; a request with no token is accepted but has no request identity (pair this with an
/// [`AuthorizationPolicy`](crate::security::AuthorizationPolicy) to require one).
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "security.istio.io",
    version = "v1",
    kind = "RequestAuthentication",
    namespaced,
    derive = "PartialEq",
    status = "IstioStatus",
    shortname = "ra",
    category = "istio-io",
    category = "security-istio-io",
    doc = "An Istio `RequestAuthentication` (`security.istio.io/v1`): JWT validation for workloads."
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestAuthenticationSpec {
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
    /// The accepted token issuers and how to validate their tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jwt_rules: Vec<JwtRule>,
}

/// How to find and validate the tokens of one issuer.
///
/// The key set comes from `jwks` (inline), from `jwksUri` (fetched; `jwks_uri` is the same field
/// spelled as in the proto, kept apart so documents write back as they were), or, when neither is
/// set, from the issuer's OpenID discovery document. At most one of the three may be set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JwtRule {
    /// The issuer the token's `iss` claim must equal, usually a URL or an e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Accepted values of the token's `aud` claim; absent, the audience is not checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
    /// URL (`http://` or `https://`) of the issuer's public key set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// The same as `jwksUri`, in the proto's snake-case spelling (`jwks_uri`).
    #[serde(default, rename = "jwks_uri", skip_serializing_if = "Option::is_none")]
    pub jwks_uri_snake_case: Option<String>,
    /// The public key set itself, as a JSON Web Key Set document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks: Option<String>,
    /// Headers to read the token from; absent (with no params and cookies), the token is read
    /// from `Authorization: Bearer <token>` and the `access_token` query parameter.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_headers: Vec<JwtHeader>,
    /// Query parameters to read the token from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_params: Vec<String>,
    /// Header that receives the verified token payload, base64-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_payload_to_header: Option<String>,
    /// Cookies to read the token from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_cookies: Vec<String>,
    /// Whether the original token is kept in the request sent upstream (it is removed by
    /// default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_original_token: Option<bool>,
    /// Claims copied into request headers after validation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output_claim_to_headers: Vec<ClaimToHeader>,
    /// How long to wait for the key set to be fetched (at least 1ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Claims whose string value holds space-separated items (like `scope`), so that each item
    /// can be matched on its own; at most 64.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub space_delimited_claims: Vec<String>,
    /// Whether a token from this issuer must be present in the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<JwtPresence>,
}

impl JwtRule {
    /// The key set URL, whichever of `jwksUri` and `jwks_uri` carries it.
    pub fn effective_jwks_uri(&self) -> Option<&str> {
        self.jwks_uri
            .as_deref()
            .or(self.jwks_uri_snake_case.as_deref())
    }
}

/// Whether a request must carry a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JwtPresence {
    /// A request without a token is let through, unauthenticated.
    Optional,
    /// A request without a token is rejected.
    Required,
}

/// A header a token is read from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JwtHeader {
    /// The header name.
    pub name: String,
    /// Text before the token in the header value, such as `"Bearer "`; it is stripped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

/// Copies a claim of a validated token into a request header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimToHeader {
    /// The header to set; letters, digits, `-` and `_` only.
    pub header: String,
    /// The claim to copy; nested claims are written with dots.
    pub claim: String,
}
