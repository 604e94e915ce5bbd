//! Canary analysis: metrics the caller supplies, the checks run over them, and the hooks a
//! rollout calls at its milestones.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::Canary;

/// Metrics of one subset over the last analysis interval, supplied by the caller (from
/// Prometheus, a load test, or [`crate::TrafficReport`]). `None` means no data, which fails
/// the check that asks.
pub trait Metrics {
    /// Share of requests that succeeded, in percent.
    fn success_rate(&self, subset: &str) -> Option<f64>;
    /// The `percentile` (such as 99.0) of request latency, in milliseconds.
    fn latency_ms(&self, subset: &str, percentile: f64) -> Option<f64>;
    /// Any other metric by name.
    fn metric(&self, _name: &str, _subset: &str) -> Option<f64> {
        None
    }
}

/// Metrics given as fixed values, for tests and simple callers.
///
/// # Examples
///
/// ```
/// use mesh_routing::canary::{Metrics, StaticMetrics};
///
/// let m = StaticMetrics::new().success_rate("v2", 99.5).latency("v2", 99.0, 120.0);
/// assert_eq!(m.latency_ms("v2", 99.0), Some(120.0));
/// assert_eq!(Metrics::success_rate(&m, "v1"), None);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StaticMetrics {
    success: HashMap<String, f64>,
    latency: HashMap<(String, String), f64>,
    named: HashMap<(String, String), f64>,
}

impl StaticMetrics {
    /// No metrics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a subset's success rate (percent).
    pub fn success_rate(mut self, subset: &str, percent: f64) -> Self {
        self.success.insert(subset.to_owned(), percent);
        self
    }

    /// Sets a subset's latency percentile (milliseconds).
    pub fn latency(mut self, subset: &str, percentile: f64, ms: f64) -> Self {
        self.latency.insert((subset.to_owned(), percentile.to_string()), ms);
        self
    }

    /// Sets a named metric of a subset.
    pub fn metric(mut self, name: &str, subset: &str, value: f64) -> Self {
        self.named.insert((name.to_owned(), subset.to_owned()), value);
        self
    }
}

impl Metrics for StaticMetrics {
    fn success_rate(&self, subset: &str) -> Option<f64> {
        self.success.get(subset).copied()
    }

    fn latency_ms(&self, subset: &str, percentile: f64) -> Option<f64> {
        self.latency.get(&(subset.to_owned(), percentile.to_string())).copied()
    }

    fn metric(&self, name: &str, subset: &str) -> Option<f64> {
        self.named.get(&(name.to_owned(), subset.to_owned())).copied()
    }
}

/// A bound a metric must respect.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Threshold {
    /// The value must be at least this.
    AtLeast(f64),
    /// The value must be at most this.
    AtMost(f64),
}

impl Threshold {
    fn holds(self, value: f64) -> bool {
        match self {
            Self::AtLeast(min) => value >= min,
            Self::AtMost(max) => value <= max,
        }
    }
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::AtLeast(v) => write!(f, ">= {v}"),
            Self::AtMost(v) => write!(f, "<= {v}"),
        }
    }
}

/// One analysis check, run on the canary subset's metrics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Check {
    /// The success rate (percent) must be at least `min`.
    SuccessRate {
        /// Lowest acceptable success rate.
        min: f64,
    },
    /// The latency percentile must be at most `max_ms`.
    Latency {
        /// Which percentile (99.0 for p99).
        percentile: f64,
        /// Highest acceptable value, in milliseconds.
        max_ms: f64,
    },
    /// A named metric must respect a threshold.
    Metric {
        /// The metric's name, as [`Metrics::metric`] knows it.
        name: String,
        /// The bound.
        threshold: Threshold,
    },
}

impl Check {
    /// Success rate of at least `min` percent.
    pub fn success_rate(min: f64) -> Self {
        Self::SuccessRate { min }
    }

    /// Latency percentile `percentile` of at most `max_ms` milliseconds.
    pub fn latency(percentile: f64, max_ms: f64) -> Self {
        Self::Latency { percentile, max_ms }
    }

    /// A named metric within `threshold`.
    pub fn metric(name: &str, threshold: Threshold) -> Self {
        Self::Metric { name: name.to_owned(), threshold }
    }

    /// Runs the check on `subset`'s metrics.
    pub fn run(&self, metrics: &dyn Metrics, subset: &str) -> CheckResult {
        let (value, passed) = match self {
            Self::SuccessRate { min } => {
                let v = metrics.success_rate(subset);
                (v, v.is_some_and(|v| v >= *min))
            }
            Self::Latency { percentile, max_ms } => {
                let v = metrics.latency_ms(subset, *percentile);
                (v, v.is_some_and(|v| v <= *max_ms))
            }
            Self::Metric { name, threshold } => {
                let v = metrics.metric(name, subset);
                (v, v.is_some_and(|v| threshold.holds(v)))
            }
        };
        CheckResult { check: self.to_string(), value, passed }
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SuccessRate { min } => write!(f, "success rate >= {min}%"),
            Self::Latency { percentile, max_ms } => write!(f, "p{percentile} latency <= {max_ms} ms"),
            Self::Metric { name, threshold } => write!(f, "{name} {threshold}"),
        }
    }
}

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    /// The check, as text.
    pub check: String,
    /// The value read; `None` when the metric had no data.
    pub value: Option<f64>,
    /// Whether it passed.
    pub passed: bool,
}

/// Calls a rollout makes at its milestones; every method has a default that does nothing
/// (or agrees), so implement only those you need. Hooks run only when a transition is
/// handed out, never for a step that fails its self-check.
pub trait Hooks {
    /// Before the first step. An error counts as a failed check and the rollout stays
    /// pending (or rolls back at the limit).
    fn pre_rollout(&mut self, _canary: &Canary) -> Result<(), String> {
        Ok(())
    }

    /// On entering step `index` of the plan, with the canary's weight there. An error
    /// counts as a failed check and the rollout stays where it was.
    fn step(&mut self, _canary: &Canary, _index: usize, _weight: u32) -> Result<(), String> {
        Ok(())
    }

    /// Before a promoting rollout is finalised; `false` keeps it promoting (asked again at
    /// the next [`super::Rollout::advance`]).
    fn confirm_promotion(&mut self, _canary: &Canary) -> bool {
        true
    }

    /// After the rollout ends, promoted or rolled back.
    fn post_rollout(&mut self, _canary: &Canary) {}

    /// When the rollout starts rolling back, with the reason.
    fn rollback(&mut self, _canary: &Canary, _reason: &str) {}
}

/// Hooks that do nothing and confirm every promotion.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoHooks;

impl Hooks for NoHooks {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_data_fails_a_check() {
        let r = Check::success_rate(99.0).run(&StaticMetrics::new(), "v2");
        assert!(!r.passed);
        assert_eq!(r.value, None);
    }

    #[test]
    fn latency_check_passes_at_or_under_the_bound() {
        let m = StaticMetrics::new().latency("v2", 99.0, 500.0);
        assert!(Check::latency(99.0, 500.0).run(&m, "v2").passed);
        assert!(!Check::latency(99.0, 499.0).run(&m, "v2").passed);
    }

    #[test]
    fn named_metric_uses_its_threshold() {
        let m = StaticMetrics::new().metric("errors", "v2", 3.0);
        assert!(Check::metric("errors", Threshold::AtMost(5.0)).run(&m, "v2").passed);
        assert!(!Check::metric("errors", Threshold::AtLeast(5.0)).run(&m, "v2").passed);
    }
}
