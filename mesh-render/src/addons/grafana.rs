//! Grafana: dashboards over the Prometheus addon, with anonymous admin access. The
//! dashboards themselves are left out (see the module documentation).

use serde_json::{Value, json};

use super::{meta, yaml_file};
use crate::error::Result;

/// The Grafana image.
pub(super) const IMAGE: &str = "docker.io/grafana/grafana:12.0.1";

fn labels() -> Value {
    json!({"app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "grafana"})
}

/// Grafana's own settings file (INI).
fn grafana_ini() -> String {
    [
        "[analytics]",
        "check_for_updates = true",
        "[grafana_net]",
        "url = https://grafana.net",
        "[log]",
        "mode = console",
        "[paths]",
        "data = /var/lib/grafana/",
        "logs = /var/log/grafana",
        "plugins = /var/lib/grafana/plugins",
        "provisioning = /etc/grafana/provisioning",
        "[server]",
        "domain = ''",
        "",
    ]
    .join("\n")
}

fn datasources() -> Value {
    let source = |name: &str, kind: &str, url: &str, default: bool, interval: &str| {
        json!({
            "name": name, "type": kind, "url": url, "access": "proxy", "editable": true,
            "isDefault": default, "orgId": 1, "jsonData": {"timeInterval": interval},
        })
    };
    json!({
        "apiVersion": 1,
        "datasources": [
            source("Prometheus", "prometheus", "http://prometheus:9090", true, "15s"),
            source("Loki", "loki", "http://loki:3100", false, "5s"),
        ],
    })
}

fn dashboard_providers() -> Value {
    let provider = |name: &str| {
        json!({
            "name": name, "folder": "istio", "orgId": 1, "type": "file", "disableDeletion": false,
            "options": {"path": format!("/var/lib/grafana/dashboards/{name}")},
        })
    };
    json!({"apiVersion": 1, "providers": [provider("istio"), provider("istio-services")]})
}

/// Grafana's ServiceAccount, ConfigMap, Deployment and Service.
pub(super) fn objects(namespace: &str) -> Result<Vec<Value>> {
    let labels = labels();
    let mut pod_labels = labels.clone();
    pod_labels["sidecar.istio.io/inject"] = json!("false");
    let mut account =
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("grafana", Some(namespace), &labels)});
    account["automountServiceAccountToken"] = json!(false);
    let env = |name: &str, value: &str| json!({"name": name, "value": value});
    let port =
        |name: &str, port: i32, protocol: &str| json!({"name": name, "containerPort": port, "protocol": protocol});
    let config_file = |path: &str, key: &str| json!({"name": "config", "mountPath": path, "subPath": key});
    Ok(vec![
        account,
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("grafana", Some(namespace), &labels),
            "data": {
                "grafana.ini": grafana_ini(),
                "datasources.yaml": yaml_file(&datasources())?,
                "dashboardproviders.yaml": yaml_file(&dashboard_providers())?,
            },
        }),
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta("grafana", Some(namespace), &labels),
            "spec": {
                "replicas": 1,
                "revisionHistoryLimit": 10,
                "selector": {"matchLabels": labels},
                "strategy": {"type": "RollingUpdate"},
                "template": {
                    "metadata": {
                        "labels": pod_labels,
                        "annotations": {"kubectl.kubernetes.io/default-container": "grafana"},
                    },
                    "spec": {
                        "serviceAccountName": "grafana",
                        "automountServiceAccountToken": true,
                        "shareProcessNamespace": false,
                        "enableServiceLinks": true,
                        "containers": [{
                            "name": "grafana",
                            "image": IMAGE,
                            "imagePullPolicy": "IfNotPresent",
                            "securityContext": {
                                "allowPrivilegeEscalation": false,
                                "capabilities": {"drop": ["ALL"]},
                                "seccompProfile": {"type": "RuntimeDefault"},
                            },
                            "volumeMounts": [
                                config_file("/etc/grafana/grafana.ini", "grafana.ini"),
                                {"name": "storage", "mountPath": "/var/lib/grafana"},
                                {"name": "dashboards-istio", "mountPath": "/var/lib/grafana/dashboards/istio"},
                                {"name": "dashboards-istio-services", "mountPath": "/var/lib/grafana/dashboards/istio-services"},
                                config_file("/etc/grafana/provisioning/datasources/datasources.yaml", "datasources.yaml"),
                                config_file("/etc/grafana/provisioning/dashboards/dashboardproviders.yaml", "dashboardproviders.yaml"),
                            ],
                            "ports": [
                                port("grafana", 3000, "TCP"),
                                port("gossip-tcp", 9094, "TCP"),
                                port("gossip-udp", 9094, "UDP"),
                                port("profiling", 6060, "TCP"),
                            ],
                            "env": [
                                {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                                env("GF_PATHS_DATA", "/var/lib/grafana/"),
                                env("GF_PATHS_LOGS", "/var/log/grafana"),
                                env("GF_PATHS_PLUGINS", "/var/lib/grafana/plugins"),
                                env("GF_PATHS_PROVISIONING", "/etc/grafana/provisioning"),
                                env("GF_AUTH_ANONYMOUS_ENABLED", "true"),
                                env("GF_AUTH_ANONYMOUS_ORG_ROLE", "Admin"),
                                env("GF_AUTH_BASIC_ENABLED", "false"),
                                env("GF_SECURITY_ADMIN_PASSWORD", "admin"),
                                env("GF_SECURITY_ADMIN_USER", "admin"),
                            ],
                            "livenessProbe": {
                                "failureThreshold": 10,
                                "httpGet": {"path": "/api/health", "port": 3000},
                                "initialDelaySeconds": 60,
                                "timeoutSeconds": 30,
                            },
                            "readinessProbe": {"httpGet": {"path": "/api/health", "port": 3000}},
                        }],
                        "volumes": [
                            {"name": "config", "configMap": {"name": "grafana"}},
                            // Optional here: the dashboards ConfigMaps are not rendered.
                            {"name": "dashboards-istio", "configMap": {"name": "istio-grafana-dashboards", "optional": true}},
                            {
                                "name": "dashboards-istio-services",
                                "configMap": {"name": "istio-services-grafana-dashboards", "optional": true},
                            },
                            {"name": "storage", "emptyDir": {}},
                        ],
                    },
                },
            },
        }),
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta("grafana", Some(namespace), &labels),
            "spec": {
                "type": "ClusterIP",
                "ports": [{"name": "service", "port": 3000, "protocol": "TCP", "targetPort": 3000}],
                "selector": labels,
            },
        }),
    ])
}

#[cfg(test)]
mod tests {
    use super::super::tests::{assert_service_selects, container, deployment, service, service_ports};
    use super::super::{Addon, render};

    #[test]
    fn grafana_serves_on_3000_with_prometheus_as_default_source() {
        let objects = render(&[Addon::Grafana]).unwrap();
        let d = deployment(&objects, "grafana");
        let c = container(d, "grafana");
        assert_eq!(c.image.as_deref(), Some("docker.io/grafana/grafana:12.0.1"));
        let ports: Vec<(&str, i32)> =
            c.ports.iter().flatten().map(|p| (p.name.as_deref().unwrap_or_default(), p.container_port)).collect();
        assert_eq!(ports, [("grafana", 3000), ("gossip-tcp", 9094), ("gossip-udp", 9094), ("profiling", 6060)]);
        let s = service(&objects, "grafana");
        assert_eq!(service_ports(s), [("service".to_owned(), 3000, "3000".to_owned())]);
        assert_service_selects(s, d);
        let config = objects.iter().find(|o| o.resource.kind() == "ConfigMap").unwrap().resource.to_json().unwrap();
        let sources: serde_json::Value =
            mesh_api::parse_yaml(config["data"]["datasources.yaml"].as_str().unwrap()).unwrap();
        assert_eq!(sources["datasources"][0]["url"], "http://prometheus:9090");
        assert_eq!(sources["datasources"][0]["isDefault"], true);
    }

    #[test]
    fn grafana_dashboard_volumes_are_optional_since_dashboards_are_left_out() {
        let objects = render(&[Addon::Grafana]).unwrap();
        let d = deployment(&objects, "grafana");
        let volumes = d.spec.as_ref().and_then(|s| s.template.spec.as_ref()).and_then(|p| p.volumes.as_ref()).unwrap();
        let dashboards: Vec<_> = volumes.iter().filter(|v| v.name.starts_with("dashboards-")).collect();
        assert_eq!(dashboards.len(), 2);
        assert!(dashboards.iter().all(|v| v.config_map.as_ref().and_then(|c| c.optional) == Some(true)));
        assert!(!objects.iter().any(|o| o.resource.name().ends_with("grafana-dashboards")));
    }
}
