//! The node agents: the CNI DaemonSet (`istio-cni-node`) and the ztunnel DaemonSet, each
//! with its ServiceAccount. Their RBAC and ConfigMaps are not rendered yet.

use serde_json::{Value, json};

use super::base::{chart_labels, meta, with};
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
    let objects = vec![
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
    ];
    (objects, Targets::workload("DaemonSet", name))
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
        let (ztunnel, _) = render(Component::Ztunnel, &values, "istio-system");
        let ds = ztunnel.iter().find(|o| o["kind"] == "DaemonSet").unwrap();
        assert!(
            ds["spec"]["template"]["spec"]["containers"][0]["image"]
                .as_str()
                .unwrap()
                .ends_with("ztunnel:latest-distroless")
        );
    }
}
