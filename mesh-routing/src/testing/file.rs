//! The route test file format (route-tests.md), as serde types.

use indexmap::IndexMap;
use serde::Deserialize;

/// A whole route test file.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct TestFile {
    #[serde(default)]
    pub(crate) config: Vec<String>,
    #[serde(default)]
    pub(crate) resources: Vec<serde_json::Value>,
    #[serde(default)]
    pub(crate) mesh_config: MeshConfigSection,
    #[serde(default)]
    pub(crate) tests: Vec<TestCase>,
}

/// `meshConfig`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct MeshConfigSection {
    pub(crate) root_namespace: Option<String>,
    pub(crate) cluster_domain: Option<String>,
    pub(crate) outbound_traffic_policy: Option<String>,
}

/// One test.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TestCase {
    pub(crate) name: String,
    pub(crate) request: RequestSpec,
    #[serde(default)]
    pub(crate) expect: Expect,
}

/// `request`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestSpec {
    pub(crate) host: String,
    pub(crate) port: Option<u32>,
    pub(crate) protocol: Option<String>,
    pub(crate) method: Option<String>,
    pub(crate) path: Option<String>,
    pub(crate) scheme: Option<String>,
    #[serde(default)]
    pub(crate) headers: IndexMap<String, String>,
    pub(crate) sni: Option<String>,
    #[serde(default)]
    pub(crate) source: SourceSpec,
    pub(crate) random: Option<f64>,
}

/// `request.source`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SourceSpec {
    pub(crate) namespace: Option<String>,
    #[serde(default)]
    pub(crate) labels: IndexMap<String, String>,
    pub(crate) gateway: Option<String>,
}

/// A destination as a test writes it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DestinationSpec {
    pub(crate) host: Option<String>,
    pub(crate) subset: Option<String>,
    pub(crate) port: Option<u32>,
    pub(crate) weight: Option<f64>,
    pub(crate) percent: Option<f64>,
}

/// `expect`: every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Expect {
    pub(crate) outcome: Option<String>,
    /// Present-and-null means "no VirtualService decided".
    #[serde(default, deserialize_with = "present")]
    pub(crate) virtual_service: Option<Option<String>>,
    pub(crate) rule: Option<serde_json::Value>,
    pub(crate) destination: Option<DestinationSpec>,
    pub(crate) split: Option<Vec<DestinationSpec>>,
    pub(crate) timeout: Option<String>,
    pub(crate) retries: Option<RetriesSpec>,
    pub(crate) fault: Option<FaultSpec>,
    pub(crate) mirror: Option<Vec<DestinationSpec>>,
    pub(crate) redirect: Option<RedirectSpec>,
    pub(crate) rewrite: Option<RewriteSpec>,
    pub(crate) direct_response: Option<DirectSpec>,
    pub(crate) request_headers: Option<HeadersSpec>,
    pub(crate) traffic_policy: Option<serde_json::Value>,
    pub(crate) endpoints: Option<Vec<String>>,
    pub(crate) warnings: Option<Vec<String>>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// `expect.retries`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RetriesSpec {
    pub(crate) attempts: Option<u32>,
    pub(crate) per_try_timeout: Option<String>,
    pub(crate) retry_on: Option<String>,
}

/// `expect.fault`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultSpec {
    pub(crate) delay: Option<DelaySpec>,
    pub(crate) abort: Option<AbortSpec>,
}

/// `expect.fault.delay`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct DelaySpec {
    pub(crate) fixed_delay: Option<String>,
    pub(crate) percent: Option<f64>,
}

/// `expect.fault.abort`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct AbortSpec {
    pub(crate) http_status: Option<i32>,
    pub(crate) percent: Option<f64>,
}

/// `expect.redirect`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RedirectSpec {
    pub(crate) uri: Option<String>,
    pub(crate) authority: Option<String>,
    pub(crate) scheme: Option<String>,
    pub(crate) port: Option<u32>,
    pub(crate) code: Option<u32>,
}

/// `expect.rewrite`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RewriteSpec {
    pub(crate) uri: Option<String>,
    pub(crate) authority: Option<String>,
}

/// `expect.directResponse`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DirectSpec {
    pub(crate) status: Option<u32>,
    pub(crate) body: Option<String>,
}

/// `expect.requestHeaders`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HeadersSpec {
    #[serde(default)]
    pub(crate) set: IndexMap<String, String>,
    #[serde(default)]
    pub(crate) add: IndexMap<String, String>,
    #[serde(default)]
    pub(crate) remove: Vec<String>,
}
