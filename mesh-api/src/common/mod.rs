//! Value types shared by every API group.

mod duration;
mod selector;
mod status;
mod string_match;

pub use duration::{Duration, DurationError};
pub use selector::{LabelSelector, Labels, PolicyTargetReference, PortSelector, WorkloadSelector};
pub use status::{
    AnalysisMessageBase, AnalysisMessageLevel, AnalysisMessageType, IntOrString, IstioCondition, IstioStatus,
};
pub use string_match::StringMatch;
