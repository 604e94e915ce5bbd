//! `RequestAuthentication`: which JSON Web Tokens a workload accepts.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::selection::check_selection;
use super::url::http_url_problem;
use crate::validation::rules;
use crate::{Duration, IstioStatus, LabelSelector, PolicyTargetReference, Problem, Validate, Validator};

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
        self.jwks_uri.as_deref().or(self.jwks_uri_snake_case.as_deref())
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

/// Most JWT rules in one policy.
const MAX_JWT_RULES: usize = 4096;
/// Longest key set URL.
const MAX_JWKS_URI_LEN: usize = 2048;
/// Most space-delimited claims in one rule.
const MAX_SPACE_DELIMITED_CLAIMS: usize = 64;

impl Validate for RequestAuthentication {
    fn validate(&self) -> Vec<Problem> {
        let mut v = Validator::new();
        rules::check_metadata(&mut v, "RequestAuthentication", &self.metadata);
        v.field("spec", |v| {
            let spec = &self.spec;
            check_selection(v, spec.selector.as_ref(), spec.target_ref.as_ref(), &spec.target_refs);
            v.field("jwtRules", |v| {
                if spec.jwt_rules.len() > MAX_JWT_RULES {
                    v.error(format!("{} JWT rules given; at most {MAX_JWT_RULES} are allowed", spec.jwt_rules.len()));
                }
                for (i, rule) in spec.jwt_rules.iter().enumerate() {
                    v.item(i, |v| rule.check(v));
                }
            });
        });
        v.finish()
    }
}

impl JwtRule {
    fn check(&self, v: &mut Validator) {
        if self.issuer.as_deref().is_some_and(str::is_empty) {
            v.error_at("issuer", "the issuer must not be empty");
        }
        let uri = self.effective_jwks_uri().unwrap_or_default();
        if self.issuer.as_deref().unwrap_or_default().is_empty() && uri.is_empty() {
            v.error("a JWT rule needs an issuer or a jwksUri");
        }
        let key_sources = [self.jwks.is_some(), self.jwks_uri.is_some(), self.jwks_uri_snake_case.is_some()];
        if key_sources.iter().filter(|set| **set).count() > 1 {
            v.error("set only one of jwks, jwksUri and jwks_uri");
        }
        for (name, uri) in [("jwksUri", &self.jwks_uri), ("jwks_uri", &self.jwks_uri_snake_case)] {
            if let Some(uri) = uri {
                v.field(name, |v| check_jwks_uri(v, uri));
            }
        }
        if let Some(jwks) = &self.jwks {
            v.field("jwks", |v| match parse_jwks(jwks) {
                Err(problem) => v.error(format!("the key set cannot be read: {problem}")),
                Ok(keys) => {
                    for (i, key) in keys.iter().enumerate() {
                        if key.private {
                            v.warn(format!(
                                "key {i} holds private key material; only public keys are needed to verify tokens"
                            ));
                        }
                    }
                }
            });
        }
        non_empty_items(v, "audiences", &self.audiences, "audiences must not be empty");
        v.field("fromHeaders", |v| {
            for (i, header) in self.from_headers.iter().enumerate() {
                if header.name.is_empty() {
                    v.item(i, |v| v.error_at("name", "a header name must not be empty"));
                }
            }
        });
        non_empty_items(v, "fromParams", &self.from_params, "query parameter names must not be empty");
        non_empty_items(v, "fromCookies", &self.from_cookies, "cookie names must not be empty");
        v.field("outputClaimToHeaders", |v| {
            for (i, copy) in self.output_claim_to_headers.iter().enumerate() {
                v.item(i, |v| {
                    if copy.claim.is_empty() {
                        v.error_at("claim", "the claim must not be empty");
                    }
                    v.field("header", |v| rules::check_strict_header_name(v, &copy.header));
                });
            }
        });
        if let Some(timeout) = &self.timeout {
            v.field("timeout", |v| rules::check_duration(v, timeout));
        }
        v.field("spaceDelimitedClaims", |v| {
            if self.space_delimited_claims.len() > MAX_SPACE_DELIMITED_CLAIMS {
                v.error(format!(
                    "{} claims given; at most {MAX_SPACE_DELIMITED_CLAIMS} are allowed",
                    self.space_delimited_claims.len()
                ));
            }
        });
        non_empty_items(v, "spaceDelimitedClaims", &self.space_delimited_claims, "claim names must not be empty");
    }
}

/// Records `message` at each empty entry of the list `field`.
fn non_empty_items(v: &mut Validator, field: &str, values: &[String], message: &str) {
    v.field(field, |v| {
        for (i, value) in values.iter().enumerate() {
            if value.is_empty() {
                v.item(i, |v| v.error(message));
            }
        }
    });
}

/// A key set URL: 1 to 2048 characters, `http` or `https`, and well formed.
fn check_jwks_uri(v: &mut Validator, uri: &str) {
    if uri.is_empty() {
        v.error("the key set URL must not be empty");
    } else if uri.len() > MAX_JWKS_URI_LEN {
        v.error(format!("the key set URL is {} characters long; at most {MAX_JWKS_URI_LEN} are allowed", uri.len()));
    } else if let Some(problem) = http_url_problem(uri) {
        v.error(problem);
    }
}

/// What validation needs to know about one key of a key set.
#[derive(Debug, PartialEq)]
struct JwkSummary {
    /// Whether the key carries private (or symmetric) key material.
    private: bool,
}

/// Reads a JSON Web Key Set (`{"keys": [...]}`) or a single key, checking each key's type and
/// the members that type requires.
fn parse_jwks(text: &str) -> Result<Vec<JwkSummary>, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let object = value.as_object().ok_or("a key set is a JSON object")?;
    let keys: Vec<&serde_json::Value> = match object.get("keys") {
        Some(serde_json::Value::Array(keys)) => keys.iter().collect(),
        Some(_) => return Err("\"keys\" must be a list".to_owned()),
        None => vec![&value],
    };
    keys.into_iter()
        .enumerate()
        .map(|(i, key)| {
            let key = key.as_object().ok_or_else(|| format!("key {i} is not a JSON object"))?;
            let kty =
                key.get("kty").and_then(serde_json::Value::as_str).ok_or_else(|| format!("key {i} has no \"kty\""))?;
            let required: &[&str] = match kty {
                "RSA" => &["n", "e"],
                "EC" => &["crv", "x", "y"],
                "OKP" => &["crv", "x"],
                "oct" => &["k"],
                other => return Err(format!("key {i} has unsupported type {other:?}")),
            };
            if let Some(missing) = required.iter().find(|m| !key.get(**m).is_some_and(serde_json::Value::is_string)) {
                return Err(format!("key {i} ({kty}) lacks \"{missing}\""));
            }
            Ok(JwkSummary { private: kty == "oct" || key.contains_key("d") })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    fn check(spec: &str) -> Vec<(String, Level)> {
        let yaml = format!(
            "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {{name: r}}\nspec: {spec}"
        );
        let policy: RequestAuthentication = serde_yaml::from_str(&yaml).expect("test input loads");
        policy.validate().into_iter().map(|p| (p.path.to_string(), p.level)).collect()
    }

    fn error_at(spec: &str, path: &str) {
        let found = check(spec);
        assert!(found.contains(&(path.to_owned(), Level::Error)), "expected an error at {path}, found {found:?}");
    }

    fn rule(fields: &str) -> String {
        format!("{{jwtRules: [{{{fields}}}]}}")
    }

    const RSA_PUBLIC: &str = r#"{"keys":[{"kty":"RSA","e":"AQAB","n":"xAE7eB6qugXyCAG3yhh7pkDkT65pHymX"}]}"#;

    #[test]
    fn presence_values_are_istios() {
        let names: Vec<String> = [JwtPresence::Optional, JwtPresence::Required]
            .iter()
            .map(|m| serde_json::to_value(m).unwrap().as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["OPTIONAL", "REQUIRED"]);
    }

    #[test]
    fn a_rule_needs_an_issuer_or_a_jwks_uri() {
        error_at(&rule("audiences: [a]"), "spec.jwtRules[0]");
        assert!(check(&rule("jwksUri: 'https://example.com/keys'")).is_empty());
        assert!(check(&rule("jwks_uri: 'https://example.com/keys'")).is_empty());
    }

    #[test]
    fn issuer_must_not_be_empty() {
        error_at(&rule("issuer: '', jwksUri: 'https://example.com/keys'"), "spec.jwtRules[0].issuer");
    }

    #[test]
    fn audiences_must_not_be_empty() {
        error_at(&rule("issuer: i, audiences: [a, '']"), "spec.jwtRules[0].audiences[1]");
    }

    #[test]
    fn jwks_uri_must_be_http_or_https() {
        error_at(&rule(r"issuer: i, jwksUri: 'hTPp\blah'"), "spec.jwtRules[0].jwksUri");
        error_at(&rule("issuer: i, jwks_uri: 'ftp://example.com/keys'"), "spec.jwtRules[0].jwks_uri");
        error_at(&rule("issuer: i, jwksUri: ''"), "spec.jwtRules[0].jwksUri");
        error_at(&rule("issuer: i, jwksUri: foo.com"), "spec.jwtRules[0].jwksUri");
        error_at(&rule("issuer: i, jwksUri: 'https://foo.com:not-a-number'"), "spec.jwtRules[0].jwksUri");
        let long = format!("https://example.com/{}", "k".repeat(2040));
        error_at(&rule(&format!("issuer: i, jwksUri: '{long}'")), "spec.jwtRules[0].jwksUri");
    }

    #[test]
    fn only_one_key_source_is_allowed() {
        let both = format!("issuer: i, jwksUri: 'https://e/k', jwks: '{RSA_PUBLIC}'");
        error_at(&rule(&both), "spec.jwtRules[0]");
        error_at(&rule("issuer: i, jwksUri: 'https://e/k', jwks_uri: 'https://e/k'"), "spec.jwtRules[0]");
    }

    #[test]
    fn inline_jwks_must_be_a_key_set() {
        assert!(check(&rule(&format!("issuer: i, jwks: '{RSA_PUBLIC}'"))).is_empty());
        for bad in
            ["not json", r#"{"keys":[{"kty":"RSA"}]}"#, r#"{"keys":[{"n":"x"}]}"#, r#"{"keys":{}}"#, r#"{"kty":"XYZ"}"#]
        {
            error_at(&rule(&format!("issuer: i, jwks: '{bad}'")), "spec.jwtRules[0].jwks");
        }
    }

    #[test]
    fn private_keys_in_jwks_warn() {
        let private = r#"{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b","d":"c"},{"kty":"oct","k":"s"}]}"#;
        let found = check(&rule(&format!("issuer: i, jwks: '{private}'")));
        let warnings = found.iter().filter(|(p, l)| p == "spec.jwtRules[0].jwks" && *l == Level::Warning).count();
        assert_eq!(warnings, 2, "{found:?}");
    }

    #[test]
    fn token_locations_must_be_named() {
        error_at(&rule("issuer: i, fromHeaders: [{name: ''}]"), "spec.jwtRules[0].fromHeaders[0].name");
        error_at(&rule("issuer: i, fromParams: ['']"), "spec.jwtRules[0].fromParams[0]");
        error_at(&rule("issuer: i, fromCookies: [c, '']"), "spec.jwtRules[0].fromCookies[1]");
    }

    #[test]
    fn claim_to_header_needs_a_claim_and_a_plain_header_name() {
        error_at(
            &rule("issuer: i, outputClaimToHeaders: [{claim: '', header: h}]"),
            "spec.jwtRules[0].outputClaimToHeaders[0].claim",
        );
        error_at(
            &rule("issuer: i, outputClaimToHeaders: [{claim: c, header: ''}]"),
            "spec.jwtRules[0].outputClaimToHeaders[0].header",
        );
        error_at(
            &rule("issuer: i, outputClaimToHeaders: [{claim: c, header: ':authority'}]"),
            "spec.jwtRules[0].outputClaimToHeaders[0].header",
        );
        assert!(check(&rule("issuer: i, outputClaimToHeaders: [{claim: c, header: x-user_id}]")).is_empty());
    }

    #[test]
    fn timeout_is_at_least_a_millisecond_in_whole_milliseconds() {
        error_at(&rule("issuer: i, timeout: 500us"), "spec.jwtRules[0].timeout");
        error_at(&rule("issuer: i, timeout: 1500us"), "spec.jwtRules[0].timeout");
        assert!(check(&rule("issuer: i, timeout: 5s")).is_empty());
    }

    #[test]
    fn space_delimited_claims_are_named_and_at_most_64() {
        error_at(&rule("issuer: i, spaceDelimitedClaims: ['']"), "spec.jwtRules[0].spaceDelimitedClaims[0]");
        let claims = (0..65).map(|i| format!("c{i}")).collect::<Vec<_>>().join(",");
        error_at(
            &rule(&format!("issuer: i, spaceDelimitedClaims: [{claims}]")),
            "spec.jwtRules[0].spaceDelimitedClaims",
        );
    }

    #[test]
    fn selector_and_target_ref_exclude_each_other() {
        error_at("{selector: {matchLabels: {a: b}}, targetRef: {group: '', kind: Service, name: foo}}", "spec");
    }

    #[test]
    fn target_ref_must_stay_in_the_namespace() {
        error_at("{targetRef: {group: '', kind: Service, name: foo, namespace: bar}}", "spec.targetRef.namespace");
    }

    #[test]
    fn both_spellings_of_jwks_uri_read_back_as_written() {
        for key in ["jwksUri", "jwks_uri"] {
            let json = serde_json::json!({"issuer": "i", key: "https://e/k"});
            let rule: JwtRule = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(rule.effective_jwks_uri(), Some("https://e/k"));
            assert_eq!(serde_json::to_value(&rule).unwrap(), json);
        }
    }
}
