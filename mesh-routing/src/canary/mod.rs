//! Canary rollouts of one service over DestinationRule subsets, as a library: a [`Canary`]
//! describes the rollout, a [`Rollout`] walks its state machine ([`CanaryState`]) and hands
//! out, for each transition, the exact VirtualServices and DestinationRules to apply, built on
//! the objects the user already has and checked against the compiled mesh first.
//!
//! ```
//! use mesh_routing::canary::{Canary, Check, Phase, Rollout, StaticMetrics};
//!
//! let loaded = mesh_api::load_str(r#"
//! apiVersion: v1
//! kind: Service
//! metadata: {name: reviews, namespace: shop}
//! spec: {ports: [{name: http, port: 9080}], selector: {app: reviews}}
//! ---
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata: {name: reviews, namespace: shop}
//! spec:
//!   hosts: [reviews]
//!   http:
//!   - match: [{uri: {prefix: /admin}}]
//!     route: [{destination: {host: admin}}]
//!   - route: [{destination: {host: reviews, subset: v1}}]
//! "#);
//! let objects: Vec<_> = loaded.objects().cloned().collect();
//! let canary = Canary::builder("reviews.shop")
//!     .stable("v1", [("version", "v1")])
//!     .canary("v2", [("version", "v2")])
//!     .steps([10, 50, 100])
//!     .check(Check::success_rate(99.0))
//!     .build()
//!     .unwrap();
//! let mut rollout = Rollout::new(canary);
//! let healthy = StaticMetrics::new().success_rate("v2", 99.9);
//! let step = rollout.advance(&objects, &healthy).unwrap();
//! assert_eq!(step.state.phase, Phase::Progressing { step: 0 });
//! assert_eq!(step.weights.canary, 10);
//! assert_eq!(step.virtual_services[0].spec.http.len(), 2); // the /admin rule is kept
//! ```

mod analysis;
mod apply;
#[cfg(feature = "kube")]
mod cluster;
mod emit;
mod rollout;
mod verify;

use std::fmt;

use indexmap::IndexMap;
use mesh_api::StringMatch;
use serde::{Deserialize, Serialize};

pub use analysis::{Check, CheckResult, Hooks, Metrics, NoHooks, StaticMetrics, Threshold};
pub use apply::{Applier, InMemoryApplier};
#[cfg(feature = "kube")]
#[cfg_attr(docsrs, doc(cfg(feature = "kube")))]
pub use cluster::{BlockingKubeApplier, FIELD_MANAGER, KubeApplier, SNAPSHOT_KINDS, Scope};
pub use rollout::{CanaryState, Phase, Rollout, Transition, Weights};
pub use verify::{StepExpectation, verify_step};

/// A subset of the service's pods, picked by labels, as it appears in the DestinationRule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SubsetSpec {
    /// The subset name routes refer to (`v1`).
    pub name: String,
    /// The pod labels that select it (`version: v1`).
    pub labels: IndexMap<String, String>,
}

/// One entry of a rollout's plan.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Step {
    /// Send this percentage of the service's traffic to the canary, then run the analysis.
    Weight(u32),
    /// Keep the previous weight and wait for [`Rollout::resume`].
    Pause,
    /// Keep all traffic on the stable subset and copy this percentage of it to the canary
    /// (only as the first step, from [`CanaryBuilder::mirror`]).
    Mirror(f64),
}

/// How chosen users are sent to the canary ahead of everyone else (A/B routing).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AbMatch {
    /// Requests whose header `name` matches.
    Header {
        /// The header name (lower case).
        name: String,
        /// How its value must match.
        value: StringMatch,
    },
    /// Requests carrying the cookie `name=value`.
    Cookie {
        /// The cookie name.
        name: String,
        /// Its value.
        value: String,
    },
}

impl AbMatch {
    /// The header condition this match adds to a route's matches.
    pub(crate) fn header(&self) -> (String, StringMatch) {
        match self {
            Self::Header { name, value } => (name.to_ascii_lowercase(), value.clone()),
            Self::Cookie { name, value } => {
                let pair = regex::escape(&format!("{name}={value}"));
                ("cookie".to_owned(), StringMatch::regex(format!("^(.*?;\\s*)?({pair})(;.*)?$")))
            }
        }
    }

    /// A header that satisfies the match, when one can be written down (not for regexes).
    pub(crate) fn sample(&self) -> Option<(String, String)> {
        match self {
            Self::Header { name, value } => {
                let v = match value {
                    StringMatch::Exact(v) | StringMatch::Prefix(v) => v.clone(),
                    StringMatch::Any => "yes".to_owned(),
                    StringMatch::Regex(_) => return None,
                };
                Some((name.to_ascii_lowercase(), v))
            }
            Self::Cookie { name, value } => Some(("cookie".to_owned(), format!("session=1; {name}={value}"))),
        }
    }
}

/// The description of one service's canary rollout. Build it with [`Canary::builder`]; it
/// serializes, so a controller can store it next to the [`CanaryState`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Canary {
    service: String,
    namespace: String,
    cluster_domain: String,
    stable: SubsetSpec,
    canary: SubsetSpec,
    plan: Vec<Step>,
    max_weight: u32,
    iterations: u32,
    checks: Vec<Check>,
    failed_check_limit: u32,
    ab: Option<AbMatch>,
}

impl Canary {
    /// Starts describing the rollout of `host`, written with its namespace: `reviews.shop`
    /// or `reviews.shop.svc.cluster.local`.
    pub fn builder(host: &str) -> CanaryBuilder {
        CanaryBuilder { host: host.to_owned(), ..CanaryBuilder::default() }
    }

    /// The service's short name (`reviews`).
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The service's namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The fully qualified host (`reviews.shop.svc.cluster.local`).
    pub fn host(&self) -> String {
        format!("{}.{}.svc.{}", self.service, self.namespace, self.cluster_domain)
    }

    /// The stable subset.
    pub fn stable(&self) -> &SubsetSpec {
        &self.stable
    }

    /// The canary subset.
    pub fn canary(&self) -> &SubsetSpec {
        &self.canary
    }

    /// The plan: the mirror step (if any), then the weights and pauses in order.
    pub fn plan(&self) -> &[Step] {
        &self.plan
    }

    /// The highest weight the canary gets before promotion.
    pub fn max_weight(&self) -> u32 {
        self.max_weight
    }

    /// How many analyses in a row must pass at a step before the next one.
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// The analysis run at each step.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// How many failed analyses (in total) roll the canary back.
    pub fn failed_check_limit(&self) -> u32 {
        self.failed_check_limit
    }

    /// The A/B match, if any.
    pub fn ab(&self) -> Option<&AbMatch> {
        self.ab.as_ref()
    }
}

/// Builds a [`Canary`]; [`CanaryBuilder::build`] checks it.
#[derive(Clone, Debug, Default)]
pub struct CanaryBuilder {
    host: String,
    cluster_domain: Option<String>,
    stable: Option<SubsetSpec>,
    canary: Option<SubsetSpec>,
    steps: Vec<Step>,
    step_weight: Option<u32>,
    max_weight: Option<u32>,
    iterations: Option<u32>,
    checks: Vec<Check>,
    failed_check_limit: Option<u32>,
    ab: Option<AbMatch>,
    mirror: Option<f64>,
}

fn subset<'a>(name: &str, labels: impl IntoIterator<Item = (&'a str, &'a str)>) -> SubsetSpec {
    SubsetSpec {
        name: name.to_owned(),
        labels: labels.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
    }
}

impl CanaryBuilder {
    /// The stable subset: its name and the labels of its pods.
    pub fn stable<'a>(mut self, name: &str, labels: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        self.stable = Some(subset(name, labels));
        self
    }

    /// The canary subset: its name and the labels of its pods.
    pub fn canary<'a>(mut self, name: &str, labels: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        self.canary = Some(subset(name, labels));
        self
    }

    /// Appends weight steps (percent of the service's traffic to the canary).
    pub fn steps(mut self, weights: impl IntoIterator<Item = u32>) -> Self {
        self.steps.extend(weights.into_iter().map(Step::Weight));
        self
    }

    /// Appends a pause: the rollout waits at the previous weight for [`Rollout::resume`].
    pub fn pause(mut self) -> Self {
        self.steps.push(Step::Pause);
        self
    }

    /// Without explicit steps, weights grow by `weight` up to the max weight (10 gives 10,
    /// 20, ... 100).
    pub fn step_weight(mut self, weight: u32) -> Self {
        self.step_weight = Some(weight);
        self
    }

    /// The highest canary weight (default 100); promotion follows it.
    pub fn max_weight(mut self, weight: u32) -> Self {
        self.max_weight = Some(weight);
        self
    }

    /// How many passing analyses in a row each step needs (default 1).
    pub fn iterations(mut self, iterations: u32) -> Self {
        self.iterations = Some(iterations);
        self
    }

    /// Adds an analysis check.
    pub fn check(mut self, check: Check) -> Self {
        self.checks.push(check);
        self
    }

    /// How many failed analyses roll back (default 1).
    pub fn failed_check_limit(mut self, limit: u32) -> Self {
        self.failed_check_limit = Some(limit);
        self
    }

    /// Sends requests whose header `name` matches `value` to the canary at every step.
    pub fn ab_header(mut self, name: &str, value: StringMatch) -> Self {
        self.ab = Some(AbMatch::Header { name: name.to_owned(), value });
        self
    }

    /// Sends requests carrying the cookie `name=value` to the canary at every step.
    pub fn ab_cookie(mut self, name: &str, value: &str) -> Self {
        self.ab = Some(AbMatch::Cookie { name: name.to_owned(), value: value.to_owned() });
        self
    }

    /// Before the first weight, copies `percent` of the stable traffic to the canary (its
    /// answers are dropped) and analyses the canary on that.
    pub fn mirror(mut self, percent: f64) -> Self {
        self.mirror = Some(percent);
        self
    }

    /// The cluster's DNS domain (default `cluster.local`).
    pub fn cluster_domain(mut self, domain: &str) -> Self {
        self.cluster_domain = Some(domain.to_owned());
        self
    }

    /// Checks the description and returns the [`Canary`].
    ///
    /// # Errors
    ///
    /// [`CanaryError::Invalid`] when the host is not namespace-qualified, a subset is
    /// missing or unlabelled, both subsets share a name, weights are not increasing within
    /// 1..=max weight, there are no steps (and no A/B match), or a count is zero.
    pub fn build(self) -> Result<Canary, CanaryError> {
        let invalid = |message: String| CanaryError::Invalid { message };
        let domain = self.cluster_domain.unwrap_or_else(|| "cluster.local".to_owned());
        let host = self.host.to_ascii_lowercase();
        let trimmed = host.strip_suffix(&format!(".svc.{domain}")).unwrap_or(&host);
        let Some((service, namespace)) = trimmed.split_once('.').filter(|(_, ns)| !ns.contains('.') && !ns.is_empty())
        else {
            return Err(invalid(format!(
                "host {:?} must name its namespace, as `service.namespace` or `service.namespace.svc.{domain}`",
                self.host
            )));
        };
        let stable = self.stable.ok_or_else(|| invalid("no stable subset; call `stable(name, labels)`".into()))?;
        let canary = self.canary.ok_or_else(|| invalid("no canary subset; call `canary(name, labels)`".into()))?;
        for s in [&stable, &canary] {
            if s.name.is_empty() || s.labels.is_empty() {
                return Err(invalid(format!("subset {:?} needs a name and at least one label", s.name)));
            }
        }
        if stable.name == canary.name || stable.labels == canary.labels {
            return Err(invalid("the stable and canary subsets must differ in name and labels".into()));
        }
        let max_weight = self.max_weight.unwrap_or(100);
        if !(1..=100).contains(&max_weight) {
            return Err(invalid(format!("max weight {max_weight} is outside 1..=100")));
        }
        let mut steps = self.steps;
        if !steps.iter().any(|s| matches!(s, Step::Weight(_))) {
            match self.step_weight {
                Some(0) => return Err(invalid("step weight must be at least 1".into())),
                Some(w) => {
                    let mut at = 0;
                    while at < max_weight {
                        at = (at + w).min(max_weight);
                        steps.push(Step::Weight(at));
                    }
                }
                None if self.ab.is_some() => steps.push(Step::Weight(0)),
                None => return Err(invalid("no steps; call `steps([..])` or `step_weight(n)`".into())),
            }
        }
        let mut last = 0;
        for step in &steps {
            if let Step::Weight(w) = *step {
                let ab_only = w == 0 && self.ab.is_some();
                if (w <= last && !ab_only) || w > max_weight {
                    return Err(invalid(format!(
                        "step weights must increase within 1..={max_weight}; {w} follows {last}"
                    )));
                }
                last = w;
            }
        }
        let mut plan = Vec::new();
        if let Some(p) = self.mirror {
            if !(p > 0.0 && p <= 100.0) {
                return Err(invalid(format!("mirror percentage {p} is outside (0, 100]")));
            }
            plan.push(Step::Mirror(p));
        }
        plan.extend(steps);
        let iterations = self.iterations.unwrap_or(1);
        let failed_check_limit = self.failed_check_limit.unwrap_or(1);
        if iterations == 0 || failed_check_limit == 0 {
            return Err(invalid("iterations and the failed-check limit must be at least 1".into()));
        }
        Ok(Canary {
            service: service.to_owned(),
            namespace: namespace.to_owned(),
            cluster_domain: domain,
            stable,
            canary,
            plan,
            max_weight,
            iterations,
            checks: self.checks,
            failed_check_limit,
            ab: self.ab,
        })
    }
}

/// Why a canary could not be described, moved or applied.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum CanaryError {
    /// The [`Canary`] description is inconsistent; the message says what to change.
    Invalid {
        /// What is wrong.
        message: String,
    },
    /// The transition is not allowed from the current phase (resuming a rollout that is not
    /// paused, say). Nothing changed.
    Transition {
        /// The action asked for.
        action: &'static str,
        /// The phase the rollout is in.
        phase: String,
    },
    /// The step's config, compiled with the rest of the mesh, would not do what the step
    /// says; it was not handed out and the state did not change. The message names the
    /// request and what differs: fix the conflicting object, then try again.
    SelfCheck {
        /// The step, as its phase.
        step: String,
        /// What went wrong, with the request that shows it.
        message: String,
    },
    /// An emitted object could not be written as YAML. This is a bug; please report it.
    Write {
        /// The serializer's message.
        message: String,
    },
    /// An [`Applier`] failed to apply the objects.
    Apply {
        /// The applier's message.
        message: String,
    },
    /// The objects a rollout starts from could not be read (from a cluster, say); the
    /// message names the kind or object and the reason.
    Read {
        /// What failed.
        message: String,
    },
}

impl fmt::Display for CanaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid { message } => write!(f, "invalid canary: {message}"),
            Self::Transition { action, phase } => write!(f, "cannot {action} a rollout that is {phase}"),
            Self::SelfCheck { step, message } => write!(f, "step {step} fails its self-check: {message}"),
            Self::Write { message } => write!(f, "cannot write the objects as YAML: {message}"),
            Self::Apply { message } => write!(f, "apply failed: {message}"),
            Self::Read { message } => write!(f, "cannot read the objects: {message}"),
        }
    }
}

impl fmt::Debug for CanaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for CanaryError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> CanaryBuilder {
        Canary::builder("reviews.shop").stable("v1", [("version", "v1")]).canary("v2", [("version", "v2")])
    }

    #[test]
    fn host_must_name_its_namespace() {
        let err = Canary::builder("reviews").steps([10]).build().unwrap_err();
        assert!(err.to_string().contains("must name its namespace"), "{err}");
        let c = base().steps([10]).build().unwrap();
        assert_eq!(c.host(), "reviews.shop.svc.cluster.local");
        let c = Canary::builder("reviews.shop.svc.cluster.local")
            .stable("v1", [("version", "v1")])
            .canary("v2", [("version", "v2")])
            .steps([10])
            .build()
            .unwrap();
        assert_eq!((c.service(), c.namespace()), ("reviews", "shop"));
    }

    #[test]
    fn weights_must_increase_up_to_max_weight() {
        assert!(base().steps([10, 5]).build().is_err());
        assert!(base().steps([10, 60]).max_weight(50).build().is_err());
        assert!(base().steps([10, 50]).max_weight(50).build().is_ok());
    }

    #[test]
    fn step_weight_generates_steps_up_to_max_weight() {
        let c = base().step_weight(20).max_weight(50).build().unwrap();
        assert_eq!(c.plan(), &[Step::Weight(20), Step::Weight(40), Step::Weight(50)]);
    }

    #[test]
    fn mirror_comes_first_in_the_plan() {
        let c = base().steps([50]).mirror(100.0).build().unwrap();
        assert_eq!(c.plan(), &[Step::Mirror(100.0), Step::Weight(50)]);
    }

    #[test]
    fn subsets_must_differ() {
        let err = Canary::builder("reviews.shop")
            .stable("v1", [("version", "v1")])
            .canary("v1", [("version", "v2")])
            .steps([10])
            .build()
            .unwrap_err();
        assert!(matches!(err, CanaryError::Invalid { .. }));
    }

    #[test]
    fn cookie_match_is_a_cookie_header_regex() {
        let ab = AbMatch::Cookie { name: "canary".into(), value: "always".into() };
        let (name, value) = ab.header();
        assert_eq!(name, "cookie");
        let StringMatch::Regex(re) = value else { panic!("not a regex") };
        let re = regex::Regex::new(&re).unwrap();
        assert!(re.is_match("a=1; canary=always"));
        assert!(re.is_match(&ab.sample().unwrap().1));
        assert!(!re.is_match("canary=never"));
    }
}
