//! The `status` block every Istio resource shares (`istio.meta.v1alpha1.IstioStatus`).

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

/// What Istio's controllers report about a resource. Unknown keys are kept, since the CRD lets
/// controllers add their own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
pub struct IstioStatus {
    /// Current service state of the resource.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<IstioCondition>,
    /// Errors and warnings found by Istio's analyzers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validation_messages: Vec<AnalysisMessageBase>,
    /// The generation of the resource this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<IntOrString>,
    /// Keys the schema does not name, kept as they were.
    #[serde(flatten, default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(skip)]
    pub other: IndexMap<String, serde_json::Value>,
}

/// One condition of an [`IstioStatus`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IstioCondition {
    /// The type of the condition.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// The status of the condition (`True`, `False`, `Unknown`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When the condition was last probed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub last_probe_time: Option<String>,
    /// When the condition last changed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub last_transition_time: Option<String>,
    /// A one-word CamelCase reason for the last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A human-readable account of the last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The generation of the resource the condition refers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<IntOrString>,
}

/// An analyzer message recorded in a status.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnalysisMessageBase {
    /// The message type (code and name).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<AnalysisMessageType>,
    /// How severe the message is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<AnalysisMessageLevel>,
    /// Where the message is documented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
}

/// The code and name of an analyzer message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnalysisMessageType {
    /// A human-readable name, such as `ReferencedResourceNotFound`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A code such as `IST0101`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// Severity of an analyzer message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AnalysisMessageLevel {
    /// Not set.
    Unknown,
    /// A problem that breaks something.
    Error,
    /// A probable problem.
    Warning,
    /// Information only.
    Info,
}

/// A value the schema allows as an integer or a string (`x-kubernetes-int-or-string`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// An integer.
    Int(i64),
    /// A string.
    String(String),
}

impl JsonSchema for IntOrString {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IntOrString".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "x-kubernetes-int-or-string": true,
            "anyOf": [{ "type": "integer" }, { "type": "string" }]
        })
    }
}
