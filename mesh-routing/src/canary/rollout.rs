//! The rollout state machine: a serializable [`CanaryState`] and the [`Rollout`] that moves
//! it, handing out the objects to apply for each transition.

use mesh_api::networking::{DestinationRule, VirtualService};
use mesh_api::{Document, Object};
use serde::{Deserialize, Serialize};

use super::analysis::{CheckResult, Hooks, Metrics, NoHooks};
use super::emit::{Emitter, Traffic};
use super::verify::{StepExpectation, verify_step};
use super::{Canary, CanaryError, Step};
use crate::MeshSettings;

/// Where a rollout is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "camelCase")]
pub enum Phase {
    /// Not started; [`Rollout::advance`] starts it.
    Pending,
    /// At entry `step` of the plan ([`Canary::plan`]), analysing the canary.
    Progressing {
        /// Index into the plan.
        step: usize,
    },
    /// Holding the traffic of plan entry `at` until [`Rollout::resume`], which continues
    /// with entry `resume_at`.
    Paused {
        /// The entry whose traffic is kept.
        at: usize,
        /// The entry resuming starts at.
        resume_at: usize,
    },
    /// All traffic on the canary, waiting for the confirm-promotion hook.
    Promoting,
    /// Done: the stable subset selects the canary's pods and gets all traffic.
    Promoted,
    /// All traffic back on the stable subset; the next advance finishes the rollback.
    RollingBack {
        /// Why.
        reason: String,
    },
    /// Done: all traffic on the stable subset; [`Rollout::retry`] starts again.
    RolledBack {
        /// Why.
        reason: String,
    },
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Pending => f.write_str("pending"),
            Self::Progressing { step } => write!(f, "progressing at step {step}"),
            Self::Paused { at, .. } => write!(f, "paused at step {at}"),
            Self::Promoting => f.write_str("promoting"),
            Self::Promoted => f.write_str("promoted"),
            Self::RollingBack { reason } => write!(f, "rolling back ({reason})"),
            Self::RolledBack { reason } => write!(f, "rolled back ({reason})"),
        }
    }
}

/// A rollout's state: what a controller stores between runs (it serializes with serde)
/// and hands back to [`Rollout::from_state`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryState {
    /// The phase (written inline: `phase: progressing`, `step: 1`).
    #[serde(flatten)]
    pub phase: Phase,
    /// Failed analyses so far; at the canary's limit the rollout rolls back.
    pub failed_checks: u32,
    /// Passing analyses in a row at the current step.
    pub passed_iterations: u32,
    /// The results of the analysis that led to this state (empty when none ran).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub last_analysis: Vec<CheckResult>,
}

impl Default for CanaryState {
    fn default() -> Self {
        Self { phase: Phase::Pending, failed_checks: 0, passed_iterations: 0, last_analysis: Vec::new() }
    }
}

impl CanaryState {
    /// Whether the rollout has ended (promoted or rolled back).
    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Promoted | Phase::RolledBack { .. })
    }
}

/// The traffic a transition sets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    /// Percent of the service's traffic to the stable subset.
    pub stable: u32,
    /// Percent to the canary subset.
    pub canary: u32,
    /// Percent mirrored to the canary, if any.
    pub mirror: Option<f64>,
    /// Whether A/B users go to the canary.
    pub ab: bool,
}

/// One transition: the new state and exactly what to apply for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    /// The state after the transition (already the rollout's state).
    pub state: CanaryState,
    /// The traffic it sets.
    pub weights: Weights,
    /// The VirtualServices to apply: the user's own, with only the routes to the service
    /// re-split (and A/B rules or mirrors added), plus one for the host if none existed.
    pub virtual_services: Vec<VirtualService>,
    /// The DestinationRules to apply, with the stable and canary subsets set.
    pub destination_rules: Vec<DestinationRule>,
    /// The analysis that led here, if one ran.
    pub analysis: Vec<CheckResult>,
    /// What happened, in a sentence.
    pub note: String,
}

impl Transition {
    /// The objects to apply, DestinationRules first (subsets exist before routes use them).
    pub fn objects(&self) -> Vec<Object> {
        let drs = self.destination_rules.iter().cloned().map(Object::from);
        drs.chain(self.virtual_services.iter().cloned().map(Object::from)).collect()
    }

    /// The objects as one YAML stream.
    ///
    /// # Errors
    ///
    /// [`CanaryError::Write`] if an object cannot be written (a bug).
    pub fn to_yaml(&self) -> Result<String, CanaryError> {
        let mut docs = Vec::new();
        for object in self.objects() {
            let text = Document::new(object).to_yaml().map_err(|e| CanaryError::Write { message: e.to_string() })?;
            docs.push(text);
        }
        Ok(docs.join("---\n"))
    }
}

/// Runs a [`Canary`]: each call moves the state and returns the [`Transition`] to apply,
/// built on the snapshot of objects passed in (the mesh as it is now) and self-checked
/// against it. A call that fails changes nothing.
#[derive(Debug)]
pub struct Rollout<H: Hooks = NoHooks> {
    canary: Canary,
    state: CanaryState,
    settings: MeshSettings,
    hooks: H,
}

impl Rollout<NoHooks> {
    /// A rollout of `canary` that has not started.
    pub fn new(canary: Canary) -> Self {
        Self::from_state(canary, CanaryState::default())
    }

    /// A rollout resuming from a stored state.
    pub fn from_state(canary: Canary, state: CanaryState) -> Self {
        let settings = MeshSettings::default().cluster_domain(canary.cluster_domain.clone());
        Self { canary, state, settings, hooks: NoHooks }
    }
}

impl<H: Hooks> Rollout<H> {
    /// The same rollout calling `hooks`.
    pub fn with_hooks<H2: Hooks>(self, hooks: H2) -> Rollout<H2> {
        Rollout { canary: self.canary, state: self.state, settings: self.settings, hooks }
    }

    /// Uses these mesh settings for the self-check.
    pub fn with_settings(mut self, settings: MeshSettings) -> Self {
        self.settings = settings;
        self
    }

    /// The canary.
    pub fn canary(&self) -> &Canary {
        &self.canary
    }

    /// The current state (store it to resume later).
    pub fn state(&self) -> &CanaryState {
        &self.state
    }

    /// The hooks.
    pub fn hooks(&self) -> &H {
        &self.hooks
    }

    fn step_traffic(&self, index: usize) -> (u32, Option<f64>) {
        for step in self.canary.plan[..=index.min(self.canary.plan.len().saturating_sub(1))].iter().rev() {
            match *step {
                Step::Weight(w) => return (w, None),
                Step::Mirror(p) => return (0, Some(p)),
                Step::Pause => {}
            }
        }
        (0, None)
    }

    fn traffic(&self, phase: &Phase) -> Traffic {
        let idle = Traffic { canary_weight: 0, mirror: None, ab: false, promoted: false };
        let ab = self.canary.ab.is_some();
        match phase {
            Phase::Pending | Phase::RollingBack { .. } | Phase::RolledBack { .. } => idle,
            Phase::Progressing { step } | Phase::Paused { at: step, .. } => {
                let (canary_weight, mirror) = self.step_traffic(*step);
                Traffic { canary_weight, mirror, ab, promoted: false }
            }
            Phase::Promoting => Traffic { canary_weight: 100, ..idle },
            Phase::Promoted => Traffic { promoted: true, ..idle },
        }
    }

    /// Builds and self-checks the transition to `next` without committing it.
    fn prepare(&self, snapshot: &[Object], next: CanaryState, note: String) -> Result<Transition, CanaryError> {
        let traffic = self.traffic(&next.phase);
        let emitter = Emitter::new(&self.canary);
        let virtual_services = emitter.virtual_services(snapshot, traffic);
        let destination_rules = emitter.destination_rules(snapshot, traffic);
        let weights = Weights {
            stable: 100 - traffic.canary_weight,
            canary: traffic.canary_weight,
            mirror: traffic.mirror,
            ab: traffic.ab,
        };
        let analysis = next.last_analysis.clone();
        let t = Transition { state: next, weights, virtual_services, destination_rules, analysis, note };
        let expected = StepExpectation::new(&self.canary, traffic.canary_weight)
            .mirror(traffic.mirror)
            .ab(if traffic.ab { self.canary.ab.clone() } else { None });
        verify_step(snapshot, &t.objects(), &expected, &self.settings).map_err(|e| match e {
            CanaryError::SelfCheck { message, .. } => {
                CanaryError::SelfCheck { step: t.state.phase.to_string(), message }
            }
            other => other,
        })?;
        Ok(t)
    }

    fn commit(&mut self, t: Transition) -> Transition {
        self.state = t.state.clone();
        t
    }

    /// Counts a failed check from the current state: stays, or rolls back at the limit.
    fn fail(
        &mut self,
        snapshot: &[Object],
        analysis: Vec<CheckResult>,
        reason: String,
    ) -> Result<Transition, CanaryError> {
        let mut next = self.state.clone();
        next.failed_checks += 1;
        next.passed_iterations = 0;
        next.last_analysis = analysis;
        if next.failed_checks >= self.canary.failed_check_limit {
            next.phase = Phase::RollingBack { reason: reason.clone() };
            let t = self.prepare(snapshot, next, format!("rolling back: {reason}"))?;
            self.hooks.rollback(&self.canary, &reason);
            return Ok(self.commit(t));
        }
        let note =
            format!("{reason}; {} of {} failed checks allowed", next.failed_checks, self.canary.failed_check_limit);
        let t = self.prepare(snapshot, next, note)?;
        Ok(self.commit(t))
    }

    /// Moves to plan entry `index` from `next` (a pause pauses; past the end promotes).
    fn go_to(&mut self, snapshot: &[Object], mut next: CanaryState, index: usize) -> Result<Transition, CanaryError> {
        next.passed_iterations = 0;
        match self.canary.plan.get(index) {
            None => {
                next.phase = Phase::Promoting;
                let t = self.prepare(snapshot, next, "all steps passed; all traffic on the canary".to_owned())?;
                Ok(self.commit(t))
            }
            Some(Step::Pause) => {
                next.phase = Phase::Paused { at: index, resume_at: index + 1 };
                let t = self.prepare(snapshot, next, "paused by the plan; call resume".to_owned())?;
                Ok(self.commit(t))
            }
            Some(step) => {
                next.phase = Phase::Progressing { step: index };
                let note = match step {
                    Step::Mirror(p) => format!("mirroring {p}% to the canary"),
                    _ => format!("canary at {}%", self.step_traffic(index).0),
                };
                let t = self.prepare(snapshot, next, note)?;
                let weight = t.weights.canary;
                if let Err(message) = self.hooks.step(&self.canary, index, weight) {
                    let analysis = t.state.last_analysis.clone();
                    return self.fail(snapshot, analysis, format!("step hook failed: {message}"));
                }
                Ok(self.commit(t))
            }
        }
    }

    fn refused(&self, action: &'static str) -> CanaryError {
        CanaryError::Transition { action, phase: self.state.phase.to_string() }
    }

    /// The next transition. Pending: runs the pre-rollout hook and enters the first step.
    /// Progressing: runs the analysis on the canary subset's `metrics`; when it passes
    /// (enough iterations), moves to the next step, pause or promotion; when it fails,
    /// counts the failure and rolls back at the limit. Promoting: asks the
    /// confirm-promotion hook, then finalises. Rolling back: finishes. Paused and finished
    /// rollouts stay as they are.
    ///
    /// # Errors
    ///
    /// [`CanaryError::SelfCheck`] when the step's config would not do what it says.
    pub fn advance(&mut self, snapshot: &[Object], metrics: &dyn Metrics) -> Result<Transition, CanaryError> {
        let state = self.state.clone();
        match &state.phase {
            Phase::Pending => self.start(snapshot),
            Phase::Progressing { step } => {
                let analysis: Vec<CheckResult> =
                    self.canary.checks.iter().map(|c| c.run(metrics, &self.canary.canary.name)).collect();
                let failed: Vec<&str> = analysis.iter().filter(|r| !r.passed).map(|r| r.check.as_str()).collect();
                if !failed.is_empty() {
                    let reason = format!("analysis failed: {}", failed.join(", "));
                    return self.fail(snapshot, analysis, reason);
                }
                let mut next = state.clone();
                next.last_analysis = analysis;
                next.passed_iterations += 1;
                if next.passed_iterations < self.canary.iterations {
                    let note = format!("analysis passed ({} of {})", next.passed_iterations, self.canary.iterations);
                    let t = self.prepare(snapshot, next, note)?;
                    return Ok(self.commit(t));
                }
                self.go_to(snapshot, next, step + 1)
            }
            Phase::Promoting => {
                let state = CanaryState { last_analysis: Vec::new(), ..state };
                if !self.hooks.confirm_promotion(&self.canary) {
                    let t = self.prepare(snapshot, state, "waiting for promotion to be confirmed".to_owned())?;
                    return Ok(self.commit(t));
                }
                let next = CanaryState { phase: Phase::Promoted, ..state };
                let t =
                    self.prepare(snapshot, next, "promoted: the stable subset now selects the new version".into())?;
                self.hooks.post_rollout(&self.canary);
                Ok(self.commit(t))
            }
            Phase::RollingBack { reason } => {
                let next = CanaryState {
                    phase: Phase::RolledBack { reason: reason.clone() },
                    last_analysis: Vec::new(),
                    ..state.clone()
                };
                let t = self.prepare(snapshot, next, "rolled back".to_owned())?;
                self.hooks.post_rollout(&self.canary);
                Ok(self.commit(t))
            }
            Phase::Paused { .. } | Phase::Promoted | Phase::RolledBack { .. } => {
                let note = format!("{}; nothing to do", state.phase);
                let t = self.prepare(snapshot, CanaryState { last_analysis: Vec::new(), ..state }, note)?;
                Ok(self.commit(t))
            }
        }
    }

    fn start(&mut self, snapshot: &[Object]) -> Result<Transition, CanaryError> {
        if let Err(message) = self.hooks.pre_rollout(&self.canary) {
            return self.fail(snapshot, Vec::new(), format!("pre-rollout hook failed: {message}"));
        }
        let next =
            CanaryState { phase: Phase::Progressing { step: 0 }, last_analysis: Vec::new(), ..self.state.clone() };
        self.go_to(snapshot, next, 0)
    }

    /// The objects for the current state again, to re-apply after drift.
    ///
    /// # Errors
    ///
    /// [`CanaryError::SelfCheck`] when the config no longer does what the state says.
    pub fn current(&self, snapshot: &[Object]) -> Result<Transition, CanaryError> {
        self.prepare(snapshot, self.state.clone(), format!("{}", self.state.phase))
    }

    /// Pauses a progressing rollout at its current traffic.
    ///
    /// # Errors
    ///
    /// [`CanaryError::Transition`] unless progressing; [`CanaryError::SelfCheck`].
    pub fn pause(&mut self, snapshot: &[Object]) -> Result<Transition, CanaryError> {
        let Phase::Progressing { step } = self.state.phase else { return Err(self.refused("pause")) };
        let next = CanaryState {
            phase: Phase::Paused { at: step, resume_at: step },
            last_analysis: Vec::new(),
            ..self.state.clone()
        };
        let t = self.prepare(snapshot, next, "paused; call resume".to_owned())?;
        Ok(self.commit(t))
    }

    /// Resumes a paused rollout where its pause said.
    ///
    /// # Errors
    ///
    /// [`CanaryError::Transition`] unless paused; [`CanaryError::SelfCheck`].
    pub fn resume(&mut self, snapshot: &[Object]) -> Result<Transition, CanaryError> {
        let Phase::Paused { resume_at, .. } = self.state.phase else { return Err(self.refused("resume")) };
        self.go_to(snapshot, CanaryState { last_analysis: Vec::new(), ..self.state.clone() }, resume_at)
    }

    /// Stops the rollout and sends all traffic back to the stable subset.
    ///
    /// # Errors
    ///
    /// [`CanaryError::Transition`] once finished or rolling back; [`CanaryError::SelfCheck`].
    pub fn abort(&mut self, snapshot: &[Object], reason: &str) -> Result<Transition, CanaryError> {
        if self.state.is_finished() || matches!(self.state.phase, Phase::RollingBack { .. }) {
            return Err(self.refused("abort"));
        }
        let next = CanaryState {
            phase: Phase::RollingBack { reason: reason.to_owned() },
            last_analysis: Vec::new(),
            ..self.state.clone()
        };
        let t = self.prepare(snapshot, next, format!("aborted: {reason}"))?;
        self.hooks.rollback(&self.canary, reason);
        Ok(self.commit(t))
    }

    /// Skips the remaining steps, pauses and analyses: all traffic to the canary, then
    /// promotion at the next advance.
    ///
    /// # Errors
    ///
    /// [`CanaryError::Transition`] unless pending, progressing or paused;
    /// [`CanaryError::SelfCheck`].
    pub fn promote_full(&mut self, snapshot: &[Object]) -> Result<Transition, CanaryError> {
        if !matches!(self.state.phase, Phase::Pending | Phase::Progressing { .. } | Phase::Paused { .. }) {
            return Err(self.refused("promote"));
        }
        let next = CanaryState { phase: Phase::Promoting, last_analysis: Vec::new(), ..self.state.clone() };
        let t = self.prepare(snapshot, next, "promoted in full by request".to_owned())?;
        Ok(self.commit(t))
    }

    /// Starts a rolled-back rollout again from its first step, with counters reset.
    ///
    /// # Errors
    ///
    /// [`CanaryError::Transition`] unless rolled back (or rolling back);
    /// [`CanaryError::SelfCheck`].
    pub fn retry(&mut self, snapshot: &[Object]) -> Result<Transition, CanaryError> {
        if !matches!(self.state.phase, Phase::RolledBack { .. } | Phase::RollingBack { .. }) {
            return Err(self.refused("retry"));
        }
        let saved = std::mem::take(&mut self.state);
        let result = self.start(snapshot);
        if result.is_err() {
            self.state = saved;
        }
        result
    }
}
