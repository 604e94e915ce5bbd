//! The node agents: the CNI DaemonSet (`istio-cni-node`) and the ztunnel DaemonSet, each
//! with its ServiceAccount; for CNI also its settings ConfigMap and cluster roles.

use serde_json::{Value, json};

use super::base::{chart_labels, helm_labels, meta, with};
use super::k8s::Targets;
use super::values::{Values, truthy};
use crate::overlays::Component;

fn field(name: &str, path: &str) -> Value {
    json!({"name": name, "valueFrom": {"fieldRef": {"fieldPath": path}}})
}

fn limit(name: &str, resource: &str) -> Value {
    json!({"name": name, "valueFrom": {"resourceFieldRef": {"resource": resource, "divisor": "1"}}})
}

/// Renders the CNI or ztunnel objects into `namespace`.
pub(crate) fn render(component: Component, values: &Values, namespace: &str) -> (Vec<Value>, Targets) {
    let rev_label = values.revision_label();
    let owned = |labels: serde_json::Map<String, Value>, name: &str| {
        with(
            labels,
            &[
                ("install.operator.istio.io/owning-resource", "unknown"),
                ("istio.io/rev", &rev_label),
                ("operator.istio.io/component", name),
            ],
        )
    };
    let revision = values.revision();
    let istiod = if revision.is_empty() { "istiod".to_owned() } else { format!("istiod-{revision}") };
    let istio_namespace = values.text("global.istioNamespace", "istio-system");
    if component == Component::Ztunnel {
        let name = values.text("ztunnel.resourceName", "ztunnel");
        let mut labels = chart_labels("ztunnel", "ztunnel");
        labels.remove("release");
        let mut pod_labels = with(
            labels.clone(),
            &[("app", "ztunnel"), ("istio.io/dataplane-mode", "none"), ("sidecar.istio.io/inject", "false")],
        );
        pod_labels.remove("release");
        let address = format!("{istiod}.{istio_namespace}.svc:15012");
        let cluster = values.text("global.multiCluster.clusterName", "");
        let mut container = json!({
            "name": "istio-proxy",
            "image": values.image("ztunnel", "ztunnel"),
            "args": ["proxy", "ztunnel"],
            "env": [
                {"name": "CA_ADDRESS", "value": address},
                {"name": "XDS_ADDRESS", "value": address},
                {"name": "RUST_LOG", "value": values.text("ztunnel.logLevel", "info")},
                {"name": "RUST_BACKTRACE", "value": "1"},
                {"name": "ISTIO_META_CLUSTER_ID", "value": if cluster.is_empty() { "Kubernetes".to_owned() } else { cluster }},
                {"name": "INPOD_ENABLED", "value": "true"},
                {"name": "TERMINATION_GRACE_PERIOD_SECONDS", "value": "30"},
                field("POD_NAME", "metadata.name"),
                field("POD_NAMESPACE", "metadata.namespace"),
                field("NODE_NAME", "spec.nodeName"),
                field("INSTANCE_IP", "status.podIP"),
                field("SERVICE_ACCOUNT", "spec.serviceAccountName"),
                {"name": "ISTIO_META_ENABLE_HBONE", "value": "true"},
                limit("ZTUNNEL_CPU_LIMIT", "limits.cpu")
            ],
            "ports": [{"containerPort": 15020, "name": "ztunnel-stats", "protocol": "TCP"}],
            "readinessProbe": {"httpGet": {"path": "/healthz/ready", "port": 15021}}
        });
        if let Some(resources) = values.get("ztunnel.resources").filter(|v| truthy(v)) {
            container["resources"] = resources.clone();
        }
        let objects = vec![
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(&name, namespace, labels.clone())}),
            json!({
                "apiVersion": "apps/v1",
                "kind": "DaemonSet",
                "metadata": meta(&name, namespace, labels),
                "spec": {
                    "selector": {"matchLabels": {"app": "ztunnel"}},
                    "template": {
                        "metadata": {"labels": pod_labels, "annotations": {"prometheus.io/port": "15020", "prometheus.io/scrape": "true", "sidecar.istio.io/inject": "false"}},
                        "spec": {
                            "serviceAccountName": name,
                            "nodeSelector": {"kubernetes.io/os": "linux"},
                            "priorityClassName": "system-node-critical",
                            "terminationGracePeriodSeconds": 30,
                            "tolerations": [
                                {"effect": "NoSchedule", "operator": "Exists"},
                                {"key": "CriticalAddonsOnly", "operator": "Exists"},
                                {"effect": "NoExecute", "operator": "Exists"}
                            ],
                            "containers": [container]
                        }
                    },
                    "updateStrategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}, "type": "RollingUpdate"}
                }
            }),
        ];
        let mut objects = objects;
        objects.extend(resource_quota(values, "ztunnel", &name, "ztunnel", namespace));
        if values.truthy("global.networkPolicy.enabled") {
            let labels = with(
                with(
                    helm_labels("ztunnel"),
                    &[("app", "ztunnel"), ("app.kubernetes.io/name", "ztunnel"), ("release", "istio")],
                ),
                &[
                    ("istio.io/rev", &rev_label),
                    ("install.operator.istio.io/owning-resource", "unknown"),
                    ("operator.istio.io/component", "Ztunnel"),
                ],
            );
            let tcp = |port: i64| json!({"ports": [{"protocol": "TCP", "port": port}]});
            let mut ingress: Vec<Value> = [15021, 15020, 15000, 15008, 15001, 15006].into_iter().map(tcp).collect();
            ingress.push(json!({"ports": [{"protocol": "TCP", "port": 15053}, {"protocol": "UDP", "port": 15053}]}));
            objects.push(network_policy(
                &suffixed(&name, &revision),
                namespace,
                labels,
                json!({"app": "ztunnel"}),
                ingress,
            ));
        }
        return (objects, Targets::workload("DaemonSet", &name));
    }

    let name = "istio-cni-node";
    let labels = owned(with(chart_labels("istio-cni", "cni"), &[("k8s-app", name)]), "Cni");
    let mut pod_labels = with(
        chart_labels("istio-cni", "cni"),
        &[("k8s-app", name), ("istio.io/dataplane-mode", "none"), ("sidecar.istio.io/inject", "false")],
    );
    pod_labels.remove("release");
    pod_labels.remove("helm.sh/chart");
    let mut container = json!({
        "name": "install-cni",
        "image": values.image("cni", "install-cni"),
        "command": ["install-cni"],
        "args": [format!("--log_output_level={}", values.text("cni.logging.level", "info"))],
        "env": [
            field("REPAIR_NODE_NAME", "spec.nodeName"),
            {"name": "REPAIR_RUN_AS_DAEMON", "value": "true"},
            {"name": "REPAIR_SIDECAR_ANNOTATION", "value": "sidecar.istio.io/status"},
            {"name": "ALLOW_SWITCH_TO_HOST_NS", "value": "true"},
            {"name": "NODE_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}},
            limit("GOMEMLIMIT", "limits.memory"),
            limit("GOMAXPROCS", "limits.cpu"),
            field("POD_NAME", "metadata.name"),
            field("POD_NAMESPACE", "metadata.namespace")
        ],
        "envFrom": [{"configMapRef": {"name": "istio-cni-config"}}],
        "ports": [{"containerPort": 15014, "name": "metrics", "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8000}},
        "securityContext": {
            "privileged": false,
            "runAsGroup": 0,
            "runAsUser": 0,
            "runAsNonRoot": false,
            "capabilities": {"drop": ["ALL"], "add": ["NET_ADMIN", "NET_RAW", "SYS_PTRACE", "SYS_ADMIN", "DAC_OVERRIDE"]}
        },
        "volumeMounts": [
            {"mountPath": "/host/opt/cni/bin", "name": "cni-bin-dir"},
            {"mountPath": "/host/proc", "name": "cni-host-procfs", "readOnly": true},
            {"mountPath": "/host/etc/cni/net.d", "name": "cni-net-dir"},
            {"mountPath": "/var/run/istio-cni", "name": "cni-socket-dir"}
        ]
    });
    if let Some(resources) = values.get("cni.resources").filter(|v| truthy(v)) {
        container["resources"] = resources.clone();
    }
    let mut objects = cni_config_and_rbac(values, namespace, &labels);
    objects.extend([
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("istio-cni", namespace, labels.clone())}),
        json!({
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": meta(name, namespace, labels),
            "spec": {
                "selector": {"matchLabels": {"k8s-app": name}},
                "template": {
                    "metadata": {"labels": pod_labels, "annotations": {
                        "container.apparmor.security.beta.kubernetes.io/install-cni": "unconfined",
                        "prometheus.io/path": "/metrics",
                        "prometheus.io/port": "15014",
                        "prometheus.io/scrape": "true",
                        "sidecar.istio.io/inject": "false"
                    }},
                    "spec": {
                        "serviceAccountName": "istio-cni",
                        "nodeSelector": {"kubernetes.io/os": "linux"},
                        "priorityClassName": "system-node-critical",
                        "terminationGracePeriodSeconds": 30,
                        "tolerations": values.value("cni.tolerations"),
                        "containers": [container],
                        "volumes": [
                            {"name": "cni-bin-dir", "hostPath": {"path": values.text("cni.cniBinDir", "/opt/cni/bin")}},
                            {"name": "cni-host-procfs", "hostPath": {"path": "/proc", "type": "Directory"}},
                            {"name": "cni-net-dir", "hostPath": {"path": values.text("cni.cniConfDir", "/etc/cni/net.d")}},
                            {"name": "cni-socket-dir", "hostPath": {"path": "/var/run/istio-cni"}},
                            {"name": "cni-netns-dir", "hostPath": {"path": values.text("cni.cniNetnsDir", "/var/run/netns"), "type": "DirectoryOrCreate"}}
                        ]
                    }
                },
                "updateStrategy": {"rollingUpdate": {"maxUnavailable": 1}, "type": "RollingUpdate"}
            }
        }),
    ]);
    objects.extend(resource_quota(values, "cni", "istio-cni-resource-quota", "istio-cni", namespace));
    if values.truthy("global.networkPolicy.enabled") {
        let labels = with(
            with(
                helm_labels("cni"),
                &[("k8s-app", name), ("release", "istio"), ("app.kubernetes.io/name", "istio-cni")],
            ),
            &[
                ("istio.io/rev", &rev_label),
                ("install.operator.istio.io/owning-resource", "unknown"),
                ("operator.istio.io/component", "Cni"),
            ],
        );
        let tcp = |port: i64| json!({"ports": [{"protocol": "TCP", "port": port}]});
        objects.push(network_policy(
            &suffixed("istio-cni", &revision),
            namespace,
            labels,
            json!({"k8s-app": name}),
            vec![tcp(15014), tcp(8000)],
        ));
    }
    (objects, Targets::workload("DaemonSet", name))
}

/// `name`, with `-revision` for a revision.
fn suffixed(name: &str, revision: &str) -> String {
    if revision.is_empty() { name.to_owned() } else { format!("{name}-{revision}") }
}

/// A node agent's NetworkPolicy (`global.networkPolicy.enabled`): its own ports open to
/// ingress, every egress allowed.
fn network_policy(
    name: &str,
    namespace: &str,
    labels: serde_json::Map<String, Value>,
    selector: Value,
    ingress: Vec<Value>,
) -> Value {
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": meta(name, namespace, labels),
        "spec": {
            "podSelector": {"matchLabels": selector},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": [{}]
        }
    })
}

/// The node agent's ResourceQuota (`<root>.resourceQuotas.enabled`): room for its pods in the
/// `system-node-critical` priority class, on clusters (such as GKE) that limit it.
fn resource_quota(values: &Values, root: &str, name: &str, app: &str, namespace: &str) -> Option<Value> {
    let scope = values.text("global.resourceScope", "all");
    if scope == "cluster" || !values.truthy(&format!("{root}.resourceQuotas.enabled")) {
        return None;
    }
    let chart = if root == "cni" { "cni" } else { "ztunnel" };
    let labels = with(helm_labels(chart), &[("app.kubernetes.io/name", app)]);
    Some(json!({
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": meta(name, namespace, labels),
        "spec": {
            "hard": {"pods": values.text(&format!("{root}.resourceQuotas.pods"), "5000")},
            "scopeSelector": {"matchExpressions": [
                {"operator": "In", "scopeName": "PriorityClass", "values": ["system-node-critical"]}
            ]}
        }
    }))
}

/// The CNI agent's settings ConfigMap (`istio-cni-config`, which its container reads as
/// env) and its cluster roles: node and pod reads, pod repair, and ambient pod labelling.
fn cni_config_and_rbac(values: &Values, namespace: &str, labels: &serde_json::Map<String, Value>) -> Vec<Value> {
    let text = |path: &str, default: &str| Value::String(values.text(path, default));
    let tag = values.text("cni.tag", "");
    let mut data = serde_json::Map::new();
    data.insert(
        "CURRENT_AGENT_VERSION".into(),
        Value::String(if tag.is_empty() { values.text("global.tag", "") } else { tag }),
    );
    data.insert("AMBIENT_ENABLED".into(), text("cni.ambient.enabled", "false"));
    data.insert("AMBIENT_DNS_CAPTURE".into(), text("cni.ambient.dnsCapture", "true"));
    data.insert("AMBIENT_IPV6".into(), text("cni.ambient.ipv6", "true"));
    data.insert(
        "AMBIENT_RECONCILE_POD_RULES_ON_STARTUP".into(),
        text("cni.ambient.reconcileIptablesOnStartup", "true"),
    );
    data.insert("ENABLE_AMBIENT_DETECTION_RETRY".into(), text("cni.ambient.enableAmbientDetectionRetry", "false"));
    let conf = values.text("cni.cniConfFileName", "");
    if !conf.is_empty() {
        data.insert("CNI_CONF_NAME".into(), Value::String(conf));
    }
    data.insert("ISTIO_OWNED_CNI_CONFIG".into(), text("cni.istioOwnedCNIConfig", "false"));
    data.insert("CHAINED_CNI_PLUGIN".into(), text("cni.chained", "true"));
    let excluded: Vec<String> = values
        .get("cni.excludeNamespaces")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    data.insert("EXCLUDE_NAMESPACES".into(), Value::String(excluded.join(",")));
    for (key, path, default) in [
        ("REPAIR_ENABLED", "cni.repair.enabled", "true"),
        ("REPAIR_LABEL_PODS", "cni.repair.labelPods", "false"),
        ("REPAIR_DELETE_PODS", "cni.repair.deletePods", "false"),
        ("REPAIR_REPAIR_PODS", "cni.repair.repairPods", "true"),
        ("REPAIR_INIT_CONTAINER_NAME", "cni.repair.initContainerName", "istio-validation"),
        ("REPAIR_BROKEN_POD_LABEL_KEY", "cni.repair.brokenPodLabelKey", "cni.istio.io/uninitialized"),
        ("REPAIR_BROKEN_POD_LABEL_VALUE", "cni.repair.brokenPodLabelValue", "true"),
        ("NATIVE_NFTABLES", "global.nativeNftables", "false"),
    ] {
        data.insert(key.into(), text(path, default));
    }
    if let Some(Value::Object(env)) = values.get("cni.env") {
        for (key, value) in env {
            let value = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            data.insert(key.clone(), Value::String(value));
        }
    }
    let mut out = vec![json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta("istio-cni-config", namespace, labels.clone()),
        "data": data
    })];
    let mut role = |name: &str, rules: Value| {
        out.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": meta(name, "", labels.clone()), "rules": rules}));
        out.push(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": meta(name, "", labels.clone()),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": "istio-cni", "namespace": namespace}]
        }));
    };
    let mut main = vec![
        json!({"apiGroups": [""], "resources": ["pods", "nodes", "namespaces"], "verbs": ["get", "list", "watch"]}),
    ];
    if values.text("cni.platform", &values.text("global.platform", "")) == "openshift" {
        main.push(json!({"apiGroups": ["security.openshift.io"], "resources": ["securitycontextconstraints"], "resourceNames": ["privileged"], "verbs": ["use"]}));
    }
    role("istio-cni", json!(main));
    if values.truthy("cni.repair.enabled") {
        let mut rules = vec![
            json!({"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]}),
            json!({"apiGroups": [""], "resources": ["pods"], "verbs": ["watch", "get", "list"]}),
        ];
        if !values.truthy("cni.repair.repairPods") {
            if values.truthy("cni.repair.deletePods") {
                rules.push(json!({"apiGroups": [""], "resources": ["pods"], "verbs": ["delete"]}));
            } else if values.truthy("cni.repair.labelPods") {
                rules.push(json!({"apiGroups": [""], "resources": ["pods/status"], "verbs": ["patch", "update"]}));
            }
        }
        role("istio-cni-repair-role", json!(rules));
    }
    if values.truthy("cni.ambient.enabled") {
        role(
            "istio-cni-ambient",
            json!([
                {"apiGroups": [""], "resources": ["pods/status"], "verbs": ["patch", "update"]},
                {"apiGroups": ["apps"], "resources": ["daemonsets"], "resourceNames": ["istio-cni-node"], "verbs": ["get"]}
            ]),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Overlays;

    #[test]
    fn ambient_profile_renders_both_node_agents() {
        let merged = Overlays::new().set("profile=ambient").unwrap().merge().unwrap();
        let values = Values::new(&merged);
        let (cni, _) = render(Component::Cni, &values, "istio-system");
        assert!(cni.iter().any(|o| o["kind"] == "DaemonSet" && o["metadata"]["name"] == "istio-cni-node"));
        let config = cni.iter().find(|o| o["kind"] == "ConfigMap").unwrap();
        assert_eq!(config["data"]["AMBIENT_ENABLED"], "true");
        assert!(cni.iter().any(|o| o["kind"] == "ClusterRole" && o["metadata"]["name"] == "istio-cni-ambient"));
        let (ztunnel, _) = render(Component::Ztunnel, &values, "istio-system");
        let ds = ztunnel.iter().find(|o| o["kind"] == "DaemonSet").unwrap();
        assert!(
            ds["spec"]["template"]["spec"]["containers"][0]["image"]
                .as_str()
                .unwrap()
                .ends_with("ztunnel:latest-distroless")
        );
    }

    #[test]
    fn resource_quotas_reserve_room_for_node_critical_pods() {
        let merged = crate::Overlays::new()
            .set("profile=ambient")
            .and_then(|o| o.set("values.cni.resourceQuotas.enabled=true"))
            .and_then(|o| o.set("values.ztunnel.resourceQuotas.enabled=true"))
            .and_then(|o| o.set("values.ztunnel.resourceQuotas.pods=64"))
            .and_then(|o| o.merge())
            .unwrap();
        let values = Values::new(&merged);
        let (cni, _) = render(Component::Cni, &values, "istio-system");
        let quota = cni.iter().find(|o| o["kind"] == "ResourceQuota").unwrap();
        assert_eq!(quota["metadata"]["name"], "istio-cni-resource-quota");
        assert_eq!(quota["spec"]["hard"]["pods"], "5000");
        let (ztunnel, _) = render(Component::Ztunnel, &values, "istio-system");
        let quota = ztunnel.iter().find(|o| o["kind"] == "ResourceQuota").unwrap();
        assert_eq!(quota["metadata"]["name"], "ztunnel");
        assert_eq!(quota["spec"]["hard"]["pods"], "64");
        let plain = Values::new(&crate::Overlays::new().set("profile=ambient").and_then(|o| o.merge()).unwrap());
        assert!(render(Component::Cni, &plain, "istio-system").0.iter().all(|o| o["kind"] != "ResourceQuota"));
    }

    #[test]
    fn network_policies_open_the_node_agents_ports() {
        let merged = crate::Overlays::new()
            .set("profile=ambient")
            .and_then(|o| o.set("values.global.networkPolicy.enabled=true"))
            .and_then(|o| o.merge())
            .unwrap();
        let values = Values::new(&merged);
        let (cni, _) = render(Component::Cni, &values, "istio-system");
        let policy = cni.iter().find(|o| o["kind"] == "NetworkPolicy").unwrap();
        assert_eq!(policy["metadata"]["name"], "istio-cni");
        assert_eq!(policy["spec"]["podSelector"]["matchLabels"], json!({"k8s-app": "istio-cni-node"}));
        assert_eq!(policy["spec"]["ingress"].as_array().unwrap().len(), 2);
        let (ztunnel, _) = render(Component::Ztunnel, &values, "istio-system");
        let policy = ztunnel.iter().find(|o| o["kind"] == "NetworkPolicy").unwrap();
        assert_eq!(policy["metadata"]["labels"]["operator.istio.io/component"], "Ztunnel");
        assert_eq!(policy["spec"]["ingress"].as_array().unwrap().len(), 7);
    }
}
