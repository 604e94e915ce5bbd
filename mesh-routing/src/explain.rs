//! `Explanation`: a decision told step by step, for people.

use std::fmt;

use crate::decision::Decision;

/// The steps that led to a decision, built on demand by [`Decision::explain`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Explanation {
    /// One line per step, in order.
    pub steps: Vec<String>,
    /// The one-line result.
    pub summary: String,
}

impl Explanation {
    pub(crate) fn new(decision: &Decision<'_>, steps: Vec<String>) -> Self {
        let mut summary = format!("outcome: {}", decision.outcome());
        if let Some(vs) = decision.virtual_service() {
            summary.push_str(&format!(", VirtualService {vs}"));
        }
        if let Some(rule) = decision.rule() {
            summary.push_str(&format!(", rule {}", rule.index));
            if let Some(name) = rule.name {
                summary.push_str(&format!(" ({name})"));
            }
        }
        for d in decision.destinations() {
            summary.push_str(&format!(", {} {:.2}%", d.cluster(), d.weight));
        }
        Self { steps, summary }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            writeln!(f, "{}. {step}", i + 1)?;
        }
        write!(f, "{}", self.summary)
    }
}
