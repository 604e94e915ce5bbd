//! The pilot component: istiod's Deployment, Service, RBAC, webhooks, ConfigMaps and
//! autoscaling objects.

use serde_json::{Map, Value, json};

use super::base::{chart_labels, helm_labels, meta, rule, stable_policy, validation_rules, with};
use super::k8s::Targets;
use super::values::{Values, truthy};

const CHART: &str = "istiod";

/// A name with `-<revision>` appended when the revision is set.
fn revisioned(name: &str, revision: &str) -> String {
    if revision.is_empty() { name.to_owned() } else { format!("{name}-{revision}") }
}

/// The mesh config istiod reads: the chart's defaults with `values.meshConfig` merged over.
pub(crate) fn mesh_config(values: &Values, namespace: &str) -> Value {
    let revision = values.revision();
    let mut mesh = json!({
        "defaultConfig": {
            "discoveryAddress": format!("{}.{namespace}.svc:15012", revisioned("istiod", &revision))
        },
        "defaultProviders": {"metrics": ["prometheus"]},
        "enablePrometheusMerge": true,
        "rootNamespace": values.text("global.istioNamespace", "istio-system"),
        "trustDomain": "cluster.local"
    });
    let mesh_id = values.text("global.meshID", "");
    if !mesh_id.is_empty() {
        mesh["defaultConfig"]["meshId"] = json!(mesh_id);
    }
    if let Some(user) = values.get("meshConfig").filter(|v| v.is_object()) {
        merge(&mut mesh, user);
    }
    mesh
}

fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (key, value) in over {
                match base.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => merge(existing, value),
                    _ => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, over) => *base = over.clone(),
    }
}

fn yaml(value: &Value) -> String {
    let text = mesh_api::to_yaml(&super::sorted(value.clone())).unwrap_or_default();
    text.trim_end_matches('\n').to_owned()
}

/// Renders istiod's objects into `namespace`, with the settings targets for `k8s`.
pub(crate) fn render(values: &Values, namespace: &str) -> (Vec<Value>, Targets) {
    let revision = values.revision();
    let rev_label = values.revision_label();
    let istio_namespace = values.text("global.istioNamespace", "istio-system");
    let name = revisioned("istiod", &revision);
    let scoped = |base: &str| format!("{}-{namespace}", revisioned(base, &revision));
    let app = with(chart_labels("istiod", CHART), &[("app", "istiod")]);
    let owned = |labels: Map<String, Value>| {
        with(
            labels,
            &[
                ("install.operator.istio.io/owning-resource", "unknown"),
                ("istio.io/rev", &rev_label),
                ("operator.istio.io/component", "Pilot"),
            ],
        )
    };
    let selector = if revision.is_empty() {
        json!({"istio": "pilot"})
    } else {
        json!({"app": "istiod", "istio.io/rev": revision})
    };
    let mut out = Vec::new();

    out.push(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(&name, namespace, app.clone())}));

    let istio_groups = [
        "config.istio.io",
        "security.istio.io",
        "networking.istio.io",
        "authentication.istio.io",
        "rbac.istio.io",
        "telemetry.istio.io",
        "extensions.istio.io",
    ];
    let all = ["get", "watch", "list", "update", "patch", "create", "delete"];
    let read = ["get", "list", "watch"];
    let gateway_status = [
        "backendtlspolicies/status",
        "gatewayclasses/status",
        "gateways/status",
        "grpcroutes/status",
        "httproutes/status",
        "referencegrants/status",
        "tcproutes/status",
        "tlsroutes/status",
        "udproutes/status",
        "listenersets/status",
    ];
    let istiod_rules = vec![
        rule(
            &["admissionregistration.k8s.io"],
            &["mutatingwebhookconfigurations"],
            &["get", "list", "watch", "update", "patch"],
        ),
        rule(
            &["admissionregistration.k8s.io"],
            &["validatingwebhookconfigurations"],
            &["get", "list", "watch", "update"],
        ),
        rule(&istio_groups, &["*"], &["get", "watch", "list"]),
        rule(&["networking.istio.io"], &["workloadentries"], &all),
        rule(&["networking.istio.io"], &["workloadentries/status", "serviceentries/status"], &all),
        rule(&["security.istio.io"], &["authorizationpolicies/status"], &all),
        rule(&[""], &["services/status"], &all),
        rule(&["apiextensions.k8s.io"], &["customresourcedefinitions"], &read),
        rule(&[""], &["pods", "nodes", "services", "namespaces", "endpoints"], &read),
        rule(&["discovery.k8s.io"], &["endpointslices"], &read),
        rule(&["networking.k8s.io"], &["ingresses", "ingressclasses"], &read),
        rule(&["networking.k8s.io"], &["ingresses/status"], &["*"]),
        rule(&[""], &["configmaps"], &["create", "get", "list", "watch", "update"]),
        rule(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
        rule(&["authorization.k8s.io"], &["subjectaccessreviews"], &["create"]),
        rule(&["gateway.networking.k8s.io", "gateway.networking.x-k8s.io"], &["*"], &["get", "watch", "list"]),
        rule(&["gateway.networking.x-k8s.io"], &["xbackendtrafficpolicies/status"], &["update", "patch"]),
        rule(&["gateway.networking.k8s.io"], &gateway_status, &["update", "patch"]),
        rule(&["gateway.networking.k8s.io"], &["gatewayclasses"], &["create", "update", "patch", "delete"]),
        rule(&["inference.networking.k8s.io"], &["inferencepools"], &["get", "watch", "list"]),
        rule(&["inference.networking.k8s.io"], &["inferencepools/status"], &["update", "patch"]),
        rule(&[""], &["secrets"], &["get", "watch", "list"]),
        rule(&["multicluster.x-k8s.io"], &["serviceexports"], &["get", "watch", "list", "create", "delete"]),
        rule(&["multicluster.x-k8s.io"], &["serviceimports"], &["get", "watch", "list"]),
    ];
    let controller_rules = vec![
        rule(&["apps"], &["deployments"], &all),
        rule(&["autoscaling"], &["horizontalpodautoscalers"], &all),
        rule(&["policy"], &["poddisruptionbudgets"], &all),
        rule(&[""], &["services"], &all),
        rule(&[""], &["serviceaccounts"], &all),
    ];
    let reader_rules = vec![
        rule(&istio_groups, &["*"], &read),
        rule(
            &[""],
            &[
                "endpoints",
                "pods",
                "services",
                "nodes",
                "replicationcontrollers",
                "namespaces",
                "secrets",
                "configmaps",
            ],
            &read,
        ),
        rule(&["networking.istio.io"], &["workloadentries"], &["get", "watch", "list"]),
        rule(&["networking.x-k8s.io", "gateway.networking.k8s.io"], &["gateways"], &["get", "watch", "list"]),
        rule(&["apiextensions.k8s.io"], &["customresourcedefinitions"], &read),
        rule(&["discovery.k8s.io"], &["endpointslices"], &read),
        rule(&["multicluster.x-k8s.io"], &["serviceexports"], &["get", "list", "watch", "create", "delete"]),
        rule(&["multicluster.x-k8s.io"], &["serviceimports"], &read),
        rule(&["apps"], &["replicasets"], &read),
        rule(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
        rule(&["authorization.k8s.io"], &["subjectaccessreviews"], &["create"]),
    ];
    let reader = with(chart_labels("istio-reader", CHART), &[("app", "istio-reader")]);
    for (role, labels, rules, account) in [
        (scoped("istio-reader-clusterrole"), reader, reader_rules, "istio-reader-service-account".to_owned()),
        (scoped("istiod-clusterrole"), app.clone(), istiod_rules, name.clone()),
        (scoped("istiod-gateway-controller"), app.clone(), controller_rules, name.clone()),
    ] {
        out.push(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": meta(&role, "", labels.clone()),
            "rules": rules
        }));
        out.push(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": meta(&role, "", labels),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
            "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": namespace}]
        }));
    }

    if values.truthy("global.configValidation") {
        let labels = with(app.clone(), &[("istio", "istiod"), ("istio.io/rev", &rev_label)]);
        // `base.validationURL` replaces the service (a remote cluster validating through its
        // primary); with `base.validationCABundle` the webhook fails closed from the start.
        let url = values.text("base.validationURL", "");
        let mut validation_client = if url.is_empty() {
            json!({"service": {"name": name, "namespace": istio_namespace, "path": "/validate"}})
        } else {
            json!({"url": url})
        };
        let ca = values.text("base.validationCABundle", "");
        let failure_policy = if ca.is_empty() {
            values.text("base.validationFailurePolicy", "Ignore")
        } else {
            validation_client["caBundle"] = json!(ca);
            "Fail".to_owned()
        };
        out.push(json!({
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration",
            "metadata": meta(&format!("{}-{istio_namespace}", revisioned("istio-validator", &revision)), "", labels),
            "webhooks": [{
                "name": "rev.validation.istio.io",
                "clientConfig": validation_client,
                "rules": validation_rules(),
                "objectSelector": {"matchExpressions": [{"key": "istio.io/rev", "operator": "In", "values": [rev_label]}]},
                "failurePolicy": failure_policy,
                "sideEffects": "None",
                "admissionReviewVersions": ["v1"]
            }]
        }));
    }

    let config_labels = owned(chart_labels("istiod", CHART));
    if values.truthy("pilot.configMap") {
        out.push(json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta(&revisioned("istio", &revision), namespace, config_labels.clone()),
            "data": {
                "mesh": yaml(&mesh_config(values, namespace)),
                "meshNetworks": yaml(&json!({"networks": values.get("global.meshNetworks").cloned().unwrap_or(json!({}))}))
            }
        }));
    }
    if !values.truthy("global.omitSidecarInjectorConfigMap") {
        let injector = json!({
            "defaultTemplates": values.get("sidecarInjectorWebhook.defaultTemplates").filter(|v| truthy(v)).cloned().unwrap_or(json!(["sidecar"])),
            "policy": values.text("global.proxy.autoInject", "enabled"),
            "alwaysInjectSelector": values.value("sidecarInjectorWebhook.alwaysInjectSelector"),
            "neverInjectSelector": values.value("sidecarInjectorWebhook.neverInjectSelector"),
            "injectedAnnotations": values.value("sidecarInjectorWebhook.injectedAnnotations"),
        });
        out.push(json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta(&revisioned("istio-sidecar-injector", &revision), namespace, config_labels.clone()),
            "data": {
                "config": yaml(&injector),
                "values": serde_json::to_string_pretty(&super::sorted(values.value(""))).unwrap_or_default()
            }
        }));
    }
    let mut values_meta = meta(&revisioned("values", &revision), namespace, config_labels);
    values_meta["annotations"] = json!({
        "kubernetes.io/description": "The Helm values used to render this installation, kept for debugging and tooling; editing them changes nothing."
    });
    out.push(json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": values_meta,
        "data": {"original-values": "{}", "merged-values": serde_json::to_string_pretty(&super::sorted(values.value(""))).unwrap_or_default()}
    }));

    out.push(mutating_webhook(
        values,
        namespace,
        &name,
        owned(with(chart_labels("istiod", CHART), &[("app", "sidecar-injector")])),
    ));

    let workload_labels = owned(with(app.clone(), &[("istio", "pilot")]));
    out.push(deployment(values, namespace, &name, &workload_labels, &selector));

    out.push(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": meta(&name, namespace, app.clone()),
        "rules": [
            rule(&["networking.istio.io"], &["gateways"], &["create"]),
            rule(&[""], &["secrets"], &["create", "get", "watch", "list", "update", "delete"]),
            rule(&[""], &["configmaps"], &["delete"]),
            rule(&["coordination.k8s.io"], &["leases"], &["get", "update", "patch", "create"])
        ]
    }));
    out.push(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": meta(&name, namespace, app.clone()),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
        "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}]
    }));

    let autoscale = values.truthy("pilot.autoscaleEnabled");
    let (min, max) = (values.int("pilot.autoscaleMin", 0), values.int("pilot.autoscaleMax", 0));
    if autoscale && min != 0 && max != 0 {
        out.push(hpa(values, "pilot", namespace, &name, owned(app.clone())));
    }
    let replicas = values.int("pilot.replicaCount", 1);
    if values.truthy("global.defaultPodDisruptionBudget.enabled")
        && ((autoscale && min > 1) || (!autoscale && replicas > 1))
    {
        let mut pdb_selector = json!({"app": "istiod"});
        if revision.is_empty() {
            pdb_selector["istio"] = json!("pilot");
        } else {
            pdb_selector["istio.io/rev"] = json!(revision);
        }
        out.push(json!({
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": meta(&name, namespace, workload_labels.clone()),
            "spec": {"minAvailable": 1, "selector": {"matchLabels": pdb_selector}}
        }));
    }

    let mut service_selector = json!({"app": "istiod"});
    if revision.is_empty() {
        service_selector["istio"] = json!("pilot");
    } else {
        service_selector["istio.io/rev"] = json!(revision);
    }
    out.push(json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(&name, namespace, workload_labels.clone()),
        "spec": {
            "ports": [
                {"port": 15010, "name": "grpc-xds", "protocol": "TCP"},
                {"port": 15012, "name": "https-dns", "protocol": "TCP"},
                {"port": 443, "name": "https-webhook", "targetPort": 15017, "protocol": "TCP"},
                {"port": 15014, "name": "http-monitoring", "protocol": "TCP"}
            ],
            "selector": service_selector
        }
    }));

    if values.truthy("global.networkPolicy.enabled") {
        let labels = with(
            Map::new(),
            &[
                ("app", "istiod"),
                ("install.operator.istio.io/owning-resource", "unknown"),
                ("istio", "pilot"),
                ("istio.io/rev", &rev_label),
                ("operator.istio.io/component", "Pilot"),
                ("release", "istio"),
            ],
        );
        let ports = |list: &[i64]| json!({"ports": list.iter().map(|p| json!({"port": p, "protocol": "TCP"})).collect::<Vec<_>>()});
        out.push(json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta(&name, namespace, with(chart_labels("istiod", CHART), &[]).into_iter().chain(labels).collect()),
            "spec": {
                "podSelector": {"matchLabels": {"app": "istiod", "istio.io/rev": rev_label}},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [ports(&[15017]), ports(&[15010, 15011, 15012, 8080, 15014])],
                "egress": [{}]
            }
        }));
    }

    // A remote istiod (profile `remote`) leaves out the control plane itself, and its RBAC
    // unless this is the config cluster; `global.resourceScope` keeps only cluster-scoped or
    // only namespaced objects.
    let remote = values.truthy("istiodRemote.enabled");
    let local_injector = values.truthy("istiodRemote.enabledLocalInjectorIstiod");
    let full = !remote || local_injector;
    let rbac = full || values.truthy("global.configCluster");
    let scope = values.text("global.resourceScope", "all");
    out.retain(|object| {
        let kind = object["kind"].as_str().unwrap_or_default();
        let object_name = object["metadata"]["name"].as_str().unwrap_or_default();
        let cluster_scoped = object["metadata"]["namespace"].is_null();
        let in_scope = scope == "all" || (scope == "cluster") == cluster_scoped;
        let control_plane =
            matches!(kind, "Deployment" | "Service" | "HorizontalPodAutoscaler" | "PodDisruptionBudget");
        let is_rbac = matches!(kind, "ServiceAccount" | "Role" | "RoleBinding" | "ValidatingWebhookConfiguration")
            || (matches!(kind, "ClusterRole" | "ClusterRoleBinding") && !object_name.starts_with("istio-reader"));
        in_scope && (full || !control_plane) && (rbac || !is_rbac)
    });
    out.extend(extra_objects(values, namespace, &workload_labels));
    (out, Targets::workload("Deployment", &name))
}

/// Where the injector webhooks call: `istiodRemote.injectionURL` when set, else istiod's
/// service at `istiodRemote.injectionPath`; with `istiodRemote.injectionCABundle` as CA.
fn client_config(values: &Values, namespace: &str, service: &str) -> Value {
    let url = values.text("istiodRemote.injectionURL", "");
    let mut client = if url.is_empty() {
        let path = values.text("istiodRemote.injectionPath", "/inject");
        json!({"service": {"name": service, "namespace": namespace, "path": path, "port": 443}})
    } else {
        json!({"url": url})
    };
    let ca = values.text("istiodRemote.injectionCABundle", "");
    if !ca.is_empty() {
        client["caBundle"] = json!(ca);
    }
    client
}

/// Whether `address` is an IP address (the chart's test: dotted digits, or hex groups with
/// colons).
fn is_ip(address: &str) -> bool {
    address.parse::<std::net::IpAddr>().is_ok()
}

/// The objects of istiod's chart that the retained set above does not cover: revision tags
/// (`values.revisionTags`: a MutatingWebhookConfiguration `istio-revision-tag-<tag>` and a
/// Service `istiod-revision-tag-<tag>` each, as `istioctl tag set` makes them), the remote
/// istiod's Service and EndpointSlice (`istiodRemote.enabled` with
/// `global.remotePilotAddress`), and the `stable` channel's ValidatingAdmissionPolicy
/// (`experimental.stableValidationPolicy`).
fn extra_objects(values: &Values, namespace: &str, service_labels: &Map<String, Value>) -> Vec<Value> {
    let revision = values.revision();
    let rev_label = values.revision_label();
    let scope = values.text("global.resourceScope", "all");
    let (cluster, namespaced) = (scope != "namespace", scope != "cluster");
    let remote = values.truthy("istiodRemote.enabled");
    let local_injector = values.truthy("istiodRemote.enabledLocalInjectorIstiod");
    let mut out = Vec::new();
    let tags: Vec<String> = values
        .get("revisionTags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| t.as_str().map_or_else(|| t.to_string(), str::to_owned))
        .collect();
    let istiod = revisioned("istiod", &revision);
    for tag in &tags {
        if cluster && !values.truthy("global.operatorManageWebhooks") {
            let labels = with(
                with(chart_labels("istiod", CHART), &[("app", "sidecar-injector")]),
                &[
                    ("istio.io/tag", tag),
                    ("istio.io/rev", &rev_label),
                    ("install.operator.istio.io/owning-resource", "unknown"),
                    ("operator.istio.io/component", "Pilot"),
                ],
            );
            let mut webhook = tag_webhook(values, namespace, &istiod, tag);
            let name = if namespace == "istio-system" {
                format!("istio-revision-tag-{tag}")
            } else {
                format!("istio-revision-tag-{tag}-{namespace}")
            };
            webhook["metadata"] = meta(&name, "", labels);
            out.push(webhook);
        }
        if namespaced {
            let labels = with(service_labels.clone(), &[("istio.io/tag", tag)]);
            let mut selector = json!({"app": "istiod"});
            if revision.is_empty() {
                selector["istio"] = json!("pilot");
            } else {
                selector["istio.io/rev"] = json!(revision);
            }
            out.push(json!({
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": meta(&format!("istiod-revision-tag-{tag}"), namespace, labels),
                "spec": {
                    "ports": [
                        {"port": 15010, "name": "grpc-xds", "protocol": "TCP"},
                        {"port": 15012, "name": "https-dns", "protocol": "TCP"},
                        {"port": 443, "name": "https-webhook", "targetPort": 15017, "protocol": "TCP"},
                        {"port": 15014, "name": "http-monitoring", "protocol": "TCP"}
                    ],
                    "selector": selector
                }
            }));
        }
    }
    let address = values.text("global.remotePilotAddress", "");
    if namespaced && remote && !address.is_empty() {
        let name = if local_injector { format!("{istiod}-remote") } else { istiod.clone() };
        let labels = with(chart_labels("istiod", CHART), &[("istio.io/rev", &rev_label)]);
        let mut labels = labels;
        labels.remove("release");
        let mut spec = json!({"ports": [
            {"port": 15012, "name": "tcp-istiod", "protocol": "TCP"},
            {"port": 443, "targetPort": 15017, "name": "tcp-webhook", "protocol": "TCP"}
        ]});
        if !is_ip(&address) {
            spec["type"] = json!("ExternalName");
            spec["externalName"] = json!(address);
        }
        out.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": meta(&name, namespace, labels.clone()), "spec": spec}));
        if is_ip(&address) {
            let mut slice_labels = with(labels, &[("kubernetes.io/service-name", &name)]);
            slice_labels.remove("istio.io/rev");
            slice_labels.insert("endpointslice.kubernetes.io/managed-by".into(), json!("Helm"));
            let family = if address.contains(':') { "IPv6" } else { "IPv4" };
            out.push(json!({
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": meta(&name, namespace, slice_labels),
                "addressType": family,
                "endpoints": [{"addresses": [address]}],
                "ports": [
                    {"port": 15012, "name": "tcp-istiod", "protocol": "TCP"},
                    {"port": 15017, "name": "tcp-webhook", "protocol": "TCP"}
                ]
            }));
        }
    }
    let extra_ca = values.text("pilot.jwksResolverExtraRootCA", "");
    if namespaced && (!remote || local_injector) && !extra_ca.is_empty() {
        let labels = with(
            chart_labels("istiod", CHART),
            &[
                ("istio.io/rev", &rev_label),
                ("install.operator.istio.io/owning-resource", "unknown"),
                ("operator.istio.io/component", "Pilot"),
            ],
        );
        out.push(json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta(&revisioned("pilot-jwks-extra-cacerts", &revision), namespace, labels),
            "data": {"extra.pem": extra_ca}
        }));
    }
    let control = !remote || values.truthy("global.configCluster") || local_injector;
    if namespaced && control && values.truthy("experimental.stableValidationPolicy") {
        let istio_namespace = values.text("global.istioNamespace", "istio-system");
        let name = format!("{}-{istio_namespace}", revisioned("stable-channel-policy", &revision));
        let labels = with(helm_labels(CHART), &[("app.kubernetes.io/name", "istiod")]);
        out.extend(stable_policy(&name, labels, Some(&rev_label)));
    }
    out
}

/// The webhooks of a revision tag: the `rev.*` pair selecting the tag, and for the tag
/// `default` also the legacy pair (and `auto.*` with `enableNamespacesByDefault`).
fn tag_webhook(values: &Values, namespace: &str, service: &str, tag: &str) -> Value {
    let expr = |key: &str, op: &str, vals: &[&str]| {
        if vals.is_empty() {
            json!({"key": key, "operator": op})
        } else {
            json!({"key": key, "operator": op, "values": vals})
        }
    };
    let not_false = expr("sidecar.istio.io/inject", "NotIn", &["false"]);
    let client = client_config(values, namespace, service);
    let hook = |name: &str, namespaces: Value, objects: Value| {
        json!({
            "name": name,
            "clientConfig": client,
            "sideEffects": "None",
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
            "failurePolicy": "Fail",
            "reinvocationPolicy": values.text("sidecarInjectorWebhook.reinvocationPolicy", "Never"),
            "admissionReviewVersions": ["v1"],
            "namespaceSelector": {"matchExpressions": namespaces},
            "objectSelector": {"matchExpressions": objects}
        })
    };
    let mut hooks = vec![
        hook(
            "rev.namespace.sidecar-injector.istio.io",
            json!([expr("istio.io/rev", "In", &[tag]), expr("istio-injection", "DoesNotExist", &[])]),
            json!([not_false.clone()]),
        ),
        hook(
            "rev.object.sidecar-injector.istio.io",
            json!([expr("istio.io/rev", "DoesNotExist", &[]), expr("istio-injection", "DoesNotExist", &[])]),
            json!([not_false.clone(), expr("istio.io/rev", "In", &[tag])]),
        ),
    ];
    if tag == "default" {
        hooks.push(hook(
            "namespace.sidecar-injector.istio.io",
            json!([expr("istio-injection", "In", &["enabled"])]),
            json!([not_false]),
        ));
        hooks.push(hook(
            "object.sidecar-injector.istio.io",
            json!([expr("istio-injection", "DoesNotExist", &[]), expr("istio.io/rev", "DoesNotExist", &[])]),
            json!([expr("sidecar.istio.io/inject", "In", &["true"]), expr("istio.io/rev", "DoesNotExist", &[])]),
        ));
        if values.truthy("sidecarInjectorWebhook.enableNamespacesByDefault") {
            hooks.push(hook(
                "auto.sidecar-injector.istio.io",
                json!([
                    expr("istio-injection", "DoesNotExist", &[]),
                    expr("istio.io/rev", "DoesNotExist", &[]),
                    expr(
                        "kubernetes.io/metadata.name",
                        "NotIn",
                        &["kube-system", "kube-public", "kube-node-lease", "local-path-storage"]
                    )
                ]),
                json!([
                    expr("sidecar.istio.io/inject", "DoesNotExist", &[]),
                    expr("istio.io/rev", "DoesNotExist", &[])
                ]),
            ));
        }
    }
    json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration", "webhooks": hooks})
}

/// The sidecar injector webhooks: the `rev.*` pair always, the legacy pair for the default
/// revision only.
fn mutating_webhook(values: &Values, namespace: &str, service: &str, labels: Map<String, Value>) -> Value {
    let revision = values.revision();
    let rev_label = values.revision_label();
    let expr = |key: &str, op: &str, vals: &[&str]| {
        if vals.is_empty() {
            json!({"key": key, "operator": op})
        } else {
            json!({"key": key, "operator": op, "values": vals})
        }
    };
    let not_false = expr("sidecar.istio.io/inject", "NotIn", &["false"]);
    let client = client_config(values, namespace, service);
    let hook = |name: &str, namespaces: Value, objects: Value| {
        json!({
            "name": name,
            "clientConfig": client,
            "sideEffects": "None",
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
            "failurePolicy": "Fail",
            "reinvocationPolicy": values.text("sidecarInjectorWebhook.reinvocationPolicy", "Never"),
            "admissionReviewVersions": ["v1"],
            "namespaceSelector": {"matchExpressions": namespaces},
            "objectSelector": {"matchExpressions": objects}
        })
    };
    let mut hooks = vec![
        hook(
            "rev.namespace.sidecar-injector.istio.io",
            json!([expr("istio.io/rev", "In", &[&rev_label]), expr("istio-injection", "DoesNotExist", &[])]),
            json!([not_false.clone()]),
        ),
        hook(
            "rev.object.sidecar-injector.istio.io",
            json!([expr("istio.io/rev", "DoesNotExist", &[]), expr("istio-injection", "DoesNotExist", &[])]),
            json!([not_false.clone(), expr("istio.io/rev", "In", &[&rev_label])]),
        ),
    ];
    if revision.is_empty() {
        hooks.push(hook(
            "namespace.sidecar-injector.istio.io",
            json!([expr("istio-injection", "In", &["enabled"])]),
            json!([not_false]),
        ));
        hooks.push(hook(
            "object.sidecar-injector.istio.io",
            json!([expr("istio-injection", "DoesNotExist", &[]), expr("istio.io/rev", "DoesNotExist", &[])]),
            json!([expr("sidecar.istio.io/inject", "In", &["true"]), expr("istio.io/rev", "DoesNotExist", &[])]),
        ));
    }
    let mut name = revisioned("istio-sidecar-injector", &revision);
    if namespace != "istio-system" {
        name = format!("{name}-{namespace}");
    }
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": meta(&name, "", labels),
        "webhooks": hooks
    })
}

/// An autoscaler for the Deployment `name`, from the values under `root`.
pub(crate) fn hpa(values: &Values, root: &str, namespace: &str, name: &str, labels: Map<String, Value>) -> Value {
    let metric = |resource: &str, target: i64| json!({"type": "Resource", "resource": {"name": resource, "target": {"type": "Utilization", "averageUtilization": target}}});
    let mut metrics = vec![metric("cpu", values.int(&format!("{root}.cpu.targetAverageUtilization"), 80))];
    let memory = values.int(&format!("{root}.memory.targetAverageUtilization"), 0);
    if memory != 0 {
        metrics.push(metric("memory", memory));
    }
    let mut spec = json!({
        "maxReplicas": values.int(&format!("{root}.autoscaleMax"), 5),
        "minReplicas": values.int(&format!("{root}.autoscaleMin"), 1),
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
        "metrics": metrics
    });
    if let Some(behavior) = values.get(&format!("{root}.autoscaleBehavior")).filter(|v| truthy(v)) {
        spec["behavior"] = behavior.clone();
    }
    json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta(name, namespace, labels), "spec": spec})
}

fn env_value(name: &str, value: impl Into<Value>) -> Value {
    json!({"name": name, "value": value.into()})
}

fn env_field(name: &str, path: &str) -> Value {
    json!({"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": path}}})
}

fn deployment(values: &Values, namespace: &str, name: &str, labels: &Map<String, Value>, selector: &Value) -> Value {
    let rev_label = values.revision_label();
    let mut env = vec![
        env_value("REVISION", rev_label.clone()),
        env_value("PILOT_CERT_PROVIDER", values.text("global.pilotCertProvider", "istiod")),
        env_field("POD_NAME", "metadata.name"),
        env_field("POD_NAMESPACE", "metadata.namespace"),
        env_field("SERVICE_ACCOUNT", "spec.serviceAccountName"),
        env_value("KUBECONFIG", "/var/run/secrets/remote/config"),
    ];
    let user_env = values.get("pilot.env").and_then(Value::as_object).cloned().unwrap_or_default();
    if !user_env.contains_key("CA_TRUSTED_NODE_ACCOUNTS") {
        let ns = values.text("pilot.trustedZtunnelNamespace", namespace);
        let ns = if ns.is_empty() { namespace.to_owned() } else { ns };
        let zt = values.text("pilot.trustedZtunnelName", "ztunnel");
        env.push(env_value("CA_TRUSTED_NODE_ACCOUNTS", format!("{ns}/{zt}")));
    }
    let mut keys: Vec<&String> = user_env.keys().collect();
    keys.sort();
    for key in keys {
        let text = match &user_env[key] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        env.push(env_value(key, text));
    }
    if let Some(Value::Array(from)) = values.get("pilot.envVarFrom") {
        env.extend(from.iter().cloned());
    }
    if values.truthy("pilot.traceSampling") {
        env.push(env_value("PILOT_TRACE_SAMPLING", values.text("pilot.traceSampling", "1")));
    }
    if values.truthy("global.externalIstiod") && !user_env.contains_key("EXTERNAL_ISTIOD") {
        env.push(env_value("EXTERNAL_ISTIOD", "true"));
    }
    env.push(env_value("PILOT_ENABLE_ANALYSIS", values.text("global.istiod.enableAnalysis", "false")));
    let cluster = values.text("global.multiCluster.clusterName", "");
    env.push(env_value("CLUSTER_ID", if cluster.is_empty() { "Kubernetes".to_owned() } else { cluster }));
    env.push(
        json!({"name": "GOMAXPROCS", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "1"}}}),
    );
    env.push(env_value("PLATFORM", values.text("global.platform", "")));

    let mut args = vec![json!("discovery"), json!("--monitoringAddr=:15014")];
    let level = values.text("global.logging.level", "default:info");
    if !level.is_empty() {
        args.push(json!(format!("--log_output_level={level}")));
    }
    if values.truthy("global.logAsJson") {
        args.push(json!("--log_as_json"));
    }
    args.extend([json!("--domain"), json!(values.text("global.proxy.clusterDomain", "cluster.local"))]);
    if let Some(Value::Array(extra)) = values.get("pilot.extraContainerArgs") {
        args.extend(extra.iter().cloned());
    }
    args.extend([
        json!("--keepaliveMaxServerConnectionAge"),
        json!(values.text("pilot.keepaliveMaxServerConnectionAge", "30m")),
    ]);

    let mut pod_labels = labels.clone();
    pod_labels.insert("sidecar.istio.io/inject".into(), json!("false"));
    pod_labels.insert("istio.io/dataplane-mode".into(), json!("none"));
    if let Some(Value::Object(extra)) = values.get("pilot.podLabels") {
        pod_labels.extend(extra.clone());
    }
    let mut annotations =
        json!({"prometheus.io/port": "15014", "prometheus.io/scrape": "true", "sidecar.istio.io/inject": "false"});
    if let Some(Value::Object(extra)) = values.get("pilot.podAnnotations") {
        annotations.as_object_mut().into_iter().for_each(|a| a.extend(extra.clone()));
    }
    let mut container = json!({
        "name": "discovery",
        "image": values.image("pilot", "pilot"),
        "args": args,
        "ports": [
            {"containerPort": 8080, "protocol": "TCP", "name": "http-debug"},
            {"containerPort": 15010, "protocol": "TCP", "name": "grpc-xds"},
            {"containerPort": 15012, "protocol": "TCP", "name": "tls-xds"},
            {"containerPort": 15017, "protocol": "TCP", "name": "https-webhooks"},
            {"containerPort": 15014, "protocol": "TCP", "name": "http-monitoring"}
        ],
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "initialDelaySeconds": 1, "periodSeconds": 3, "timeoutSeconds": 5},
        "env": env,
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": true,
            "runAsNonRoot": true,
            "capabilities": {"drop": ["ALL"]}
        },
        "volumeMounts": [
            {"name": "istio-token", "mountPath": "/var/run/secrets/tokens", "readOnly": true},
            {"name": "local-certs", "mountPath": "/var/run/secrets/istio-dns"},
            {"name": "cacerts", "mountPath": "/etc/cacerts", "readOnly": true},
            {"name": "istio-kubeconfig", "mountPath": "/var/run/secrets/remote", "readOnly": true},
            {"name": "istio-csr-dns-cert", "mountPath": "/var/run/secrets/istiod/tls", "readOnly": true},
            {"name": "istio-csr-ca-configmap", "mountPath": "/var/run/secrets/istiod/ca", "readOnly": true}
        ]
    });
    let jwks = !values.text("pilot.jwksResolverExtraRootCA", "").is_empty();
    if jwks && let Some(mounts) = container["volumeMounts"].as_array_mut() {
        mounts.insert(4, json!({"name": "extracacerts", "mountPath": "/cacerts"}));
    }
    if let Some(resources) = values.get("pilot.resources").filter(|v| truthy(v)) {
        container["resources"] = resources.clone();
    }
    let policy = values.text("global.imagePullPolicy", "");
    if !policy.is_empty() {
        container["imagePullPolicy"] = json!(policy);
    }
    let mut pod = json!({
        "serviceAccountName": name,
        "tolerations": [{"key": "cni.istio.io/not-ready", "operator": "Exists"}],
        "containers": [container],
        "volumes": [
            {"name": "local-certs", "emptyDir": {"medium": "Memory"}},
            {"name": "istio-token", "projected": {"sources": [{"serviceAccountToken": {"audience": "istio-ca", "expirationSeconds": 43200, "path": "istio-token"}}]}},
            {"name": "cacerts", "secret": {"secretName": "cacerts", "optional": true}},
            {"name": "istio-kubeconfig", "secret": {"secretName": "istio-kubeconfig", "optional": true}},
            {"name": "istio-csr-dns-cert", "secret": {"secretName": "istiod-tls", "optional": true}},
            {"name": "istio-csr-ca-configmap", "configMap": {"name": "istio-ca-root-cert", "defaultMode": 420, "optional": true}}
        ]
    });
    if jwks && let Some(volumes) = pod["volumes"].as_array_mut() {
        let config = revisioned("pilot-jwks-extra-cacerts", &values.revision());
        volumes.push(json!({"name": "extracacerts", "configMap": {"name": config}}));
    }
    for (key, field) in [
        ("pilot.nodeSelector", "nodeSelector"),
        ("pilot.affinity", "affinity"),
        ("pilot.priorityClassName", "priorityClassName"),
    ] {
        if let Some(v) = values.get(key).filter(|v| truthy(v)) {
            pod[field] = v.clone();
        }
    }
    if let Some(Value::Array(extra)) = values.get("pilot.tolerations")
        && let Some(list) = pod["tolerations"].as_array_mut()
    {
        list.extend(extra.iter().cloned());
    }
    let mut spec = json!({
        "strategy": {"rollingUpdate": {
            "maxSurge": values.value("pilot.rollingMaxSurge"),
            "maxUnavailable": values.value("pilot.rollingMaxUnavailable")
        }},
        "selector": {"matchLabels": selector},
        "template": {"metadata": {"labels": pod_labels, "annotations": annotations}, "spec": pod}
    });
    if !values.truthy("pilot.autoscaleEnabled") && values.truthy("pilot.replicaCount") {
        spec["replicas"] = values.value("pilot.replicaCount");
    }
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name, namespace, labels.clone()), "spec": spec})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Overlays;

    fn render_flags(flags: &[&str]) -> Vec<Value> {
        let mut overlays = Overlays::new();
        for flag in flags {
            overlays.set(flag).unwrap();
        }
        render(&Values::new(&overlays.merge().unwrap()), "istio-system").0
    }

    fn find<'a>(objects: &'a [Value], kind: &str) -> &'a Value {
        objects.iter().find(|o| o["kind"] == kind).unwrap()
    }

    #[test]
    fn revision_suffixes_names_and_keeps_only_rev_webhooks() {
        let objects = render_flags(&["revision=canary"]);
        assert_eq!(find(&objects, "Deployment")["metadata"]["name"], "istiod-canary");
        let mwc = find(&objects, "MutatingWebhookConfiguration");
        assert_eq!(mwc["metadata"]["name"], "istio-sidecar-injector-canary");
        assert_eq!(mwc["webhooks"].as_array().unwrap().len(), 2);
        assert_eq!(find(&objects, "Service")["spec"]["selector"], json!({"app": "istiod", "istio.io/rev": "canary"}));
    }

    #[test]
    fn demo_profile_turns_autoscaling_off_and_sets_replicas() {
        let objects = render_flags(&["profile=demo"]);
        assert!(!objects.iter().any(|o| o["kind"] == "HorizontalPodAutoscaler"));
        assert_eq!(find(&objects, "Deployment")["spec"]["replicas"], 1);
    }

    #[test]
    fn pdb_renders_only_with_more_than_one_replica() {
        assert!(!render_flags(&[]).iter().any(|o| o["kind"] == "PodDisruptionBudget"));
        assert!(render_flags(&["values.pilot.autoscaleMin=2"]).iter().any(|o| o["kind"] == "PodDisruptionBudget"));
    }

    #[test]
    fn remote_profile_renders_no_istiod_deployment() {
        let objects = render_flags(&["profile=remote"]);
        assert!(!objects.iter().any(|o| o["kind"] == "Deployment" || o["kind"] == "Service"));
        assert!(objects.iter().any(|o| o["kind"] == "MutatingWebhookConfiguration"));
    }

    #[test]
    fn cluster_resource_scope_keeps_only_cluster_scoped_objects() {
        let objects = render_flags(&["values.global.resourceScope=cluster"]);
        assert!(objects.iter().all(|o| o["metadata"]["namespace"].is_null()));
        assert!(objects.iter().any(|o| o["kind"] == "ClusterRole"));
    }

    #[test]
    fn mesh_config_merges_user_settings_over_defaults() {
        let objects = render_flags(&["meshConfig.accessLogFile=/dev/stdout"]);
        let mesh = objects.iter().find(|o| o["metadata"]["name"] == "istio").unwrap()["data"]["mesh"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(mesh.contains("accessLogFile: /dev/stdout"));
        assert!(mesh.contains("discoveryAddress: istiod.istio-system.svc:15012"));
    }

    fn named<'a>(objects: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
        objects.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
    }

    #[test]
    fn revision_tags_get_a_webhook_and_a_service_each() {
        let objects =
            render_flags(&["revision=canary", "values.revisionTags[0]=default", "values.revisionTags[1]=prod"]);
        let default = named(&objects, "MutatingWebhookConfiguration", "istio-revision-tag-default").unwrap();
        let hooks: Vec<&Value> = default["webhooks"].as_array().unwrap().iter().map(|h| &h["name"]).collect();
        assert_eq!(hooks.len(), 4, "{hooks:?}");
        assert_eq!(default["metadata"]["labels"]["istio.io/tag"], "default");
        assert_eq!(default["metadata"]["labels"]["istio.io/rev"], "canary");
        assert_eq!(default["webhooks"][0]["clientConfig"]["service"]["name"], "istiod-canary");
        let prod = named(&objects, "MutatingWebhookConfiguration", "istio-revision-tag-prod").unwrap();
        assert_eq!(prod["webhooks"].as_array().unwrap().len(), 2);
        assert_eq!(prod["webhooks"][0]["namespaceSelector"]["matchExpressions"][0]["values"], json!(["prod"]));
        let service = named(&objects, "Service", "istiod-revision-tag-prod").unwrap();
        assert_eq!(service["spec"]["selector"], json!({"app": "istiod", "istio.io/rev": "canary"}));
    }

    #[test]
    fn remote_istiod_reaches_the_primary_through_a_service_and_endpoints() {
        let objects = render_flags(&["profile=remote", "values.global.remotePilotAddress=10.0.0.7"]);
        let service = named(&objects, "Service", "istiod").unwrap();
        assert_eq!(service["spec"]["ports"][0]["name"], "tcp-istiod");
        let slice = named(&objects, "EndpointSlice", "istiod").unwrap();
        assert_eq!(slice["addressType"], "IPv4");
        assert_eq!(slice["endpoints"][0]["addresses"], json!(["10.0.0.7"]));
        let by_name = render_flags(&["profile=remote", "values.global.remotePilotAddress=istiod.example.com"]);
        let service = named(&by_name, "Service", "istiod").unwrap();
        assert_eq!(service["spec"]["type"], "ExternalName");
        assert!(by_name.iter().all(|o| o["kind"] != "EndpointSlice"));
    }

    #[test]
    fn injection_url_replaces_the_service_reference() {
        let objects = render_flags(&["profile=remote", "values.istiodRemote.injectionURL=https://example.com/inject"]);
        let mwc = find(&objects, "MutatingWebhookConfiguration");
        assert_eq!(mwc["webhooks"][0]["clientConfig"], json!({"url": "https://example.com/inject"}));
    }

    #[test]
    fn stable_profile_adds_the_revision_policy() {
        let objects = render_flags(&["profile=stable"]);
        let policy = find(&objects, "ValidatingAdmissionPolicy");
        assert_eq!(policy["metadata"]["name"], "stable-channel-policy-istio-system.istio.io");
        let selector = &policy["spec"]["matchConstraints"]["objectSelector"]["matchExpressions"][0];
        assert_eq!(selector["values"], json!(["default"]));
        assert_eq!(policy["spec"]["validations"].as_array().unwrap().len(), 4);
        let binding = find(&objects, "ValidatingAdmissionPolicyBinding");
        assert_eq!(binding["metadata"]["name"], "stable-channel-policy-binding-istio-system.istio.io");
        assert!(render_flags(&[]).iter().all(|o| o["kind"] != "ValidatingAdmissionPolicy"));
    }

    #[test]
    fn extra_jwks_root_ca_gets_a_config_map_mounted_into_istiod() {
        let objects = render_flags(&["revision=canary", "values.pilot.jwksResolverExtraRootCA=PEM"]);
        let config = named(&objects, "ConfigMap", "pilot-jwks-extra-cacerts-canary").unwrap();
        assert_eq!(config["data"]["extra.pem"], "PEM");
        let pod = &find(&objects, "Deployment")["spec"]["template"]["spec"];
        assert!(
            pod["volumes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v["configMap"]["name"] == "pilot-jwks-extra-cacerts-canary")
        );
        let mounts = pod["containers"][0]["volumeMounts"].as_array().unwrap();
        assert!(mounts.iter().any(|m| m["name"] == "extracacerts" && m["mountPath"] == "/cacerts"));
    }
}
