//! CustomResourceDefinitions with every served version, as Istio publishes them.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

/// Kinds whose CRD makes `spec` required; kube's derive requires it for every kind, Istio only
/// for these.
const SPEC_REQUIRED: &[&str] = &["ServiceEntry", "WorkloadEntry", "WorkloadGroup", "WasmPlugin", "TrafficExtension"];

/// Copies the single version the derive produced into one entry per served version, marks
/// the storage version, and adds Istio's categories so `kubectl get istio-io` finds the kind.
pub(crate) fn with_versions(
    mut crd: CustomResourceDefinition,
    served: &[&str],
    storage: &str,
) -> CustomResourceDefinition {
    let Some(template) = crd.spec.versions.first().cloned() else {
        return crd;
    };
    let mut template = template;
    if !SPEC_REQUIRED.contains(&crd.spec.names.kind.as_str())
        && let Some(schema) = template.schema.as_mut().and_then(|s| s.open_api_v3_schema.as_mut())
    {
        schema.required = None;
    }
    crd.spec.versions = served
        .iter()
        .map(|name| {
            let mut version = template.clone();
            version.name = (*name).to_owned();
            version.served = true;
            version.storage = *name == storage;
            version
        })
        .collect();
    if crd.spec.names.list_kind.is_none() {
        crd.spec.names.list_kind = Some(format!("{}List", crd.spec.names.kind));
    }
    let group_category = crd.spec.group.replace('.', "-");
    let categories = crd.spec.names.categories.get_or_insert_with(Vec::new);
    for category in ["istio-io".to_owned(), group_category] {
        if !categories.contains(&category) {
            categories.push(category);
        }
    }
    crd
}
