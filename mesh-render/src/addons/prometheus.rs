//! Prometheus: a single server scraping the cluster and every pod that asks for it through
//! `prometheus.io/*` annotations (which is how Istio's merged sidecar metrics are found).

use serde_json::{Value, json};

use super::{cluster_role_binding, meta, rule, service_account, yaml_file};
use crate::error::Result;

/// The Prometheus server image.
pub(super) const IMAGE: &str = "docker.io/prom/prometheus:v3.10.0";
/// The sidecar that reloads the server when its ConfigMap changes.
pub(super) const RELOADER_IMAGE: &str = "ghcr.io/prometheus-operator/prometheus-config-reloader:v0.89.0";

fn labels() -> Value {
    json!({
        "app.kubernetes.io/component": "server",
        "app.kubernetes.io/name": "prometheus",
        "app.kubernetes.io/instance": "prometheus",
        "app.kubernetes.io/part-of": "prometheus",
        "app.kubernetes.io/version": "v3.10.0",
    })
}

fn selector() -> Value {
    json!({"app.kubernetes.io/component": "server", "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "prometheus"})
}

const TOKEN: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";
const CA: &str = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

fn relabel(action: &str, sources: &[&str], regex: Option<&str>, target: Option<&str>) -> Value {
    let mut r = json!({"action": action});
    if !sources.is_empty() {
        r["source_labels"] = json!(sources);
    }
    if let Some(regex) = regex {
        r["regex"] = json!(regex);
    }
    if let Some(target) = target {
        r["target_label"] = json!(target);
    }
    r
}

/// Relabelling for targets found through `prometheus.io/*` annotations, on pods (`pod`) or
/// on service endpoints (`service`).
fn annotated(role: &str) -> Vec<Value> {
    let a = |name: &str| format!("__meta_kubernetes_{role}_annotation_prometheus_io_{name}");
    let mut params = relabel("labelmap", &[], Some(&format!("{}(.+)", a("param_"))), None);
    params["replacement"] = json!("__param_$1");
    let mut out = vec![
        relabel("keep", &[&a("scrape")], Some("true"), None),
        relabel("drop", &[&a("scrape_slow")], Some("true"), None),
        relabel("replace", &[&a("scheme")], Some("(https?)"), Some("__scheme__")),
        relabel("replace", &[&a("path")], Some("(.+)"), Some("__metrics_path__")),
    ];
    if role == "pod" {
        // The annotated port on the pod IP, IPv6 in brackets.
        let mut ipv6 = relabel(
            "replace",
            &[&a("port"), "__meta_kubernetes_pod_ip"],
            Some(r"(\d+);(([A-Fa-f0-9]{1,4}::?){1,7}[A-Fa-f0-9]{1,4})"),
            Some("__address__"),
        );
        ipv6["replacement"] = json!("[$2]:$1");
        let mut ipv4 = relabel(
            "replace",
            &[&a("port"), "__meta_kubernetes_pod_ip"],
            Some(r"(\d+);((([0-9]+?)(\.|$)){4})"),
            Some("__address__"),
        );
        ipv4["replacement"] = json!("$2:$1");
        out.extend([ipv6, ipv4]);
    } else {
        // The endpoint's host with the annotated port.
        let mut port =
            relabel("replace", &["__address__", &a("port")], Some(r"(.+?)(?::\d+)?;(\d+)"), Some("__address__"));
        port["replacement"] = json!("$1:$2");
        out.push(port);
    }
    out.extend([
        params,
        relabel("labelmap", &[], Some(&format!("__meta_kubernetes_{role}_label_(.+)")), None),
        relabel("replace", &["__meta_kubernetes_namespace"], None, Some("namespace")),
    ]);
    out
}

/// The scrape configuration: API servers, nodes, cAdvisor, annotated pods and services.
fn config() -> Value {
    let node_job = |name: &str, path: Option<&str>| {
        let mut job = json!({
            "job_name": name,
            "bearer_token_file": TOKEN,
            "kubernetes_sd_configs": [{"role": "node"}],
            "relabel_configs": [relabel("labelmap", &[], Some("__meta_kubernetes_node_label_(.+)"), None)],
            "scheme": "https",
            "tls_config": {"ca_file": CA, "insecure_skip_verify": true},
        });
        if let Some(path) = path {
            job["metrics_path"] = json!(path);
        }
        job
    };
    let mut pods = annotated("pod");
    pods.push(relabel("replace", &["__meta_kubernetes_pod_name"], None, Some("pod")));
    pods.push(relabel("drop", &["__meta_kubernetes_pod_phase"], Some("Pending|Succeeded|Failed|Completed"), None));
    pods.push(relabel("replace", &["__meta_kubernetes_pod_node_name"], None, Some("node")));
    let mut services = annotated("service");
    services.push(relabel("replace", &["__meta_kubernetes_service_name"], None, Some("service")));
    services.push(relabel("replace", &["__meta_kubernetes_pod_node_name"], None, Some("node")));
    json!({
        "global": {"evaluation_interval": "1m", "scrape_interval": "15s", "scrape_timeout": "10s"},
        "scrape_configs": [
            {
                "job_name": "kubernetes-api-servers",
                "bearer_token_file": TOKEN,
                "kubernetes_sd_configs": [{"role": "endpoints"}],
                "relabel_configs": [relabel(
                    "keep",
                    &["__meta_kubernetes_namespace", "__meta_kubernetes_service_name", "__meta_kubernetes_endpoint_port_name"],
                    Some("default;kubernetes;https"),
                    None,
                )],
                "scheme": "https",
                "tls_config": {"ca_file": CA},
            },
            node_job("kubernetes-nodes", None),
            node_job("kubernetes-nodes-cadvisor", Some("/metrics/cadvisor")),
            {"job_name": "kubernetes-pods", "honor_labels": true, "kubernetes_sd_configs": [{"role": "pod"}], "relabel_configs": pods},
            {
                "job_name": "kubernetes-service-endpoints",
                "honor_labels": true,
                "kubernetes_sd_configs": [{"role": "endpoints"}],
                "relabel_configs": services,
            },
            {"job_name": "prometheus", "static_configs": [{"targets": ["localhost:9090"]}]},
        ],
        "rule_files": ["/etc/config/recording_rules.yml", "/etc/config/alerting_rules.yml", "/etc/config/rules"],
    })
}

/// Prometheus's ServiceAccount, ConfigMap, ClusterRole and binding, Deployment and Service.
pub(super) fn objects(namespace: &str) -> Result<Vec<Value>> {
    let labels = labels();
    let read = ["get", "list", "watch"];
    let mut pod_labels = labels.clone();
    pod_labels["sidecar.istio.io/inject"] = json!("false");
    let health = |path: &str, port: Value, extra: Value| {
        let mut probe = json!({"httpGet": {"path": path, "port": port, "scheme": "HTTP"}});
        if let (Some(p), Value::Object(extra)) = (probe.as_object_mut(), extra) {
            p.extend(extra);
        }
        probe
    };
    Ok(vec![
        service_account("prometheus", namespace, &labels),
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("prometheus", Some(namespace), &labels),
            "data": {
                "allow-snippet-annotations": "false",
                "alerting_rules.yml": "{}\n",
                "alerts": "{}\n",
                "prometheus.yml": yaml_file(&config())?,
                "recording_rules.yml": "{}\n",
                "rules": "{}\n",
            },
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": meta("prometheus", None, &labels),
            "rules": [
                rule(&[""], &["nodes", "nodes/metrics", "services", "endpoints", "pods", "ingresses", "configmaps"], &read),
                rule(&["networking.k8s.io"], &["ingresses/status", "ingresses"], &read),
                rule(&["discovery.k8s.io"], &["endpointslices"], &read),
                {"nonResourceURLs": ["/metrics"], "verbs": ["get"]},
            ],
        }),
        cluster_role_binding("prometheus", namespace, &labels),
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta("prometheus", Some(namespace), &labels),
            "spec": {
                "replicas": 1,
                "revisionHistoryLimit": 10,
                "selector": {"matchLabels": selector()},
                "strategy": {"type": "Recreate"},
                "template": {
                    "metadata": {"labels": pod_labels},
                    "spec": {
                        "enableServiceLinks": true,
                        "serviceAccountName": "prometheus",
                        "dnsPolicy": "ClusterFirst",
                        "terminationGracePeriodSeconds": 300,
                        "containers": [
                            {
                                "name": "prometheus-server-configmap-reload",
                                "image": RELOADER_IMAGE,
                                "imagePullPolicy": "IfNotPresent",
                                "args": [
                                    "--watched-dir=/etc/config",
                                    "--listen-address=0.0.0.0:8080",
                                    "--reload-url=http://127.0.0.1:9090/-/reload",
                                ],
                                "ports": [{"name": "metrics", "containerPort": 8080}],
                                "livenessProbe": health("/healthz", json!("metrics"), json!({"initialDelaySeconds": 2, "periodSeconds": 10})),
                                "readinessProbe": health("/healthz", json!("metrics"), json!({"periodSeconds": 10})),
                                "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/config", "readOnly": true}],
                            },
                            {
                                "name": "prometheus-server",
                                "image": IMAGE,
                                "imagePullPolicy": "IfNotPresent",
                                "args": [
                                    "--storage.tsdb.retention.time=15d",
                                    "--config.file=/etc/config/prometheus.yml",
                                    "--storage.tsdb.path=/data",
                                    "--web.console.libraries=/etc/prometheus/console_libraries",
                                    "--web.console.templates=/etc/prometheus/consoles",
                                    "--web.enable-lifecycle",
                                ],
                                "ports": [{"containerPort": 9090}],
                                "readinessProbe": health("/-/ready", json!(9090), json!({
                                    "initialDelaySeconds": 0, "periodSeconds": 5, "timeoutSeconds": 4,
                                    "failureThreshold": 3, "successThreshold": 1,
                                })),
                                "livenessProbe": health("/-/healthy", json!(9090), json!({
                                    "initialDelaySeconds": 30, "periodSeconds": 15, "timeoutSeconds": 10,
                                    "failureThreshold": 3, "successThreshold": 1,
                                })),
                                "volumeMounts": [
                                    {"name": "config-volume", "mountPath": "/etc/config"},
                                    {"name": "storage-volume", "mountPath": "/data", "subPath": ""},
                                ],
                            },
                        ],
                        "volumes": [
                            {"name": "config-volume", "configMap": {"name": "prometheus"}},
                            {"name": "storage-volume", "emptyDir": {}},
                        ],
                    },
                },
            },
        }),
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta("prometheus", Some(namespace), &labels),
            "spec": {
                "ports": [{"name": "http", "port": 9090, "protocol": "TCP", "targetPort": 9090}],
                "selector": selector(),
                "sessionAffinity": "None",
                "type": "ClusterIP",
            },
        }),
    ])
}

#[cfg(test)]
mod tests {
    use super::super::tests::{assert_service_selects, container, deployment, service, service_ports};
    use super::super::{Addon, render};

    #[test]
    fn prometheus_serves_on_9090_with_a_config_reloader() {
        let objects = render(&[Addon::Prometheus]).unwrap();
        let d = deployment(&objects, "prometheus");
        let server = container(d, "prometheus-server");
        assert_eq!(server.image.as_deref(), Some("docker.io/prom/prometheus:v3.10.0"));
        assert_eq!(server.ports.as_ref().unwrap()[0].container_port, 9090);
        assert!(server.args.as_ref().unwrap().contains(&"--config.file=/etc/config/prometheus.yml".to_owned()));
        let reload = container(d, "prometheus-server-configmap-reload");
        assert_eq!(reload.image.as_deref(), Some(super::RELOADER_IMAGE));
        assert_eq!(reload.ports.as_ref().unwrap()[0].container_port, 8080);
        let s = service(&objects, "prometheus");
        assert_eq!(service_ports(s), [("http".to_owned(), 9090, "9090".to_owned())]);
        assert_service_selects(s, d);
    }

    #[test]
    fn prometheus_scrapes_annotated_pods() {
        let objects = render(&[Addon::Prometheus]).unwrap();
        let config = objects.iter().find(|o| o.resource.kind() == "ConfigMap").unwrap().resource.to_json().unwrap();
        let parsed: serde_json::Value =
            mesh_api::parse_yaml(config["data"]["prometheus.yml"].as_str().unwrap()).unwrap();
        assert_eq!(parsed["global"]["scrape_interval"], "15s");
        let pods =
            parsed["scrape_configs"].as_array().unwrap().iter().find(|j| j["job_name"] == "kubernetes-pods").unwrap();
        assert_eq!(
            pods["relabel_configs"][0]["source_labels"][0],
            "__meta_kubernetes_pod_annotation_prometheus_io_scrape"
        );
        assert_eq!(pods["relabel_configs"][0]["action"], "keep");
    }

    #[test]
    fn prometheus_may_read_pods_endpoints_and_node_metrics() {
        let objects = render(&[Addon::Prometheus]).unwrap();
        let role = objects.iter().find(|o| o.resource.kind() == "ClusterRole").unwrap().resource.to_json().unwrap();
        let resources = &role["rules"][0]["resources"];
        for r in ["pods", "endpoints", "nodes/metrics"] {
            assert!(resources.as_array().unwrap().iter().any(|v| v == r), "{r}");
        }
        assert!(objects.iter().any(|o| o.resource.key() == "ClusterRoleBinding:prometheus"));
    }
}
