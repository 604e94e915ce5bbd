//! Kiali: the mesh console, with anonymous access and cluster-wide read access.

use serde_json::{Value, json};

use super::{cluster_role_binding, meta, rule, service_account, yaml_file};
use crate::error::Result;

/// The Kiali server image.
pub(super) const IMAGE: &str = "quay.io/kiali/kiali:v2.27";
const VERSION: &str = "v2.27.0";

fn labels() -> Value {
    json!({
        "app": "kiali",
        "app.kubernetes.io/name": "kiali",
        "app.kubernetes.io/instance": "kiali",
        "app.kubernetes.io/part-of": "kiali",
        "app.kubernetes.io/version": VERSION,
        "version": VERSION,
    })
}

fn selector() -> Value {
    json!({"app.kubernetes.io/name": "kiali", "app.kubernetes.io/instance": "kiali"})
}

/// The settings the sample changes from Kiali's defaults.
fn config(namespace: &str) -> Value {
    json!({
        "auth": {"strategy": "anonymous"},
        "deployment": {
            "cluster_wide_access": true,
            "image_name": "quay.io/kiali/kiali",
            "image_version": "v2.27",
            "instance_name": "kiali",
            "namespace": namespace,
            "pod_labels": {"sidecar.istio.io/inject": "false"},
            "view_only_mode": false,
        },
        "external_services": {
            "custom_dashboards": {"enabled": true},
            "istio": {"root_namespace": namespace},
            "prometheus": {"enabled": true},
            "tracing": {"enabled": false},
        },
        "kiali_feature_flags": {"validations": {"ignore": ["KIA1301"]}},
        "login_token": {"signing_key": "CHANGEME00000000"},
        "server": {
            "observability": {"metrics": {"enabled": true, "port": 9090}},
            "port": 20001,
            "web_root": "/kiali",
        },
    })
}

fn probe(extra: Value) -> Value {
    let mut probe = json!({"httpGet": {"path": "/kiali/healthz", "port": "api-port", "scheme": "HTTP"}});
    if let (Some(p), Value::Object(extra)) = (probe.as_object_mut(), extra) {
        p.extend(extra);
    }
    probe
}

/// Kiali's ServiceAccount, ConfigMap, ClusterRole and binding, Deployment and Service.
pub(super) fn objects(namespace: &str) -> Result<Vec<Value>> {
    let labels = labels();
    let read = ["get", "list", "watch"];
    let edit = ["get", "list", "watch", "patch"];
    let istio_groups = [
        "networking.istio.io",
        "security.istio.io",
        "extensions.istio.io",
        "telemetry.istio.io",
        "gateway.networking.k8s.io",
        "inference.networking.k8s.io",
    ];
    let mut pod_labels = labels.clone();
    pod_labels["sidecar.istio.io/inject"] = json!("false");
    let mut oauth = rule(&["oauth.openshift.io"], &["oauthclients"], &["get"]);
    oauth["resourceNames"] = json!([format!("kiali-{namespace}")]);
    let secret = |name: &str, secret: &str| json!({"name": name, "secret": {"secretName": secret, "optional": true}});
    Ok(vec![
        service_account("kiali", namespace, &labels),
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("kiali", Some(namespace), &labels),
            "data": {"config.yaml": yaml_file(&config(namespace))?},
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": meta("kiali", None, &labels),
            "rules": [
                rule(&[""], &["configmaps", "endpoints", "pods/log"], &read),
                rule(&[""], &["namespaces", "pods", "replicationcontrollers", "services"], &edit),
                rule(&[""], &["pods/portforward"], &["create", "post"]),
                rule(&["extensions", "apps"], &["daemonsets", "deployments", "replicasets", "statefulsets"], &edit),
                rule(&["batch"], &["cronjobs", "jobs"], &edit),
                rule(&istio_groups, &["*"], &["get", "list", "watch", "create", "delete", "patch"]),
                rule(&["apps.openshift.io"], &["deploymentconfigs"], &edit),
                rule(&["route.openshift.io"], &["routes"], &["get"]),
                rule(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
                oauth,
                rule(&["admissionregistration.k8s.io"], &["mutatingwebhookconfigurations"], &read),
            ],
        }),
        cluster_role_binding("kiali", namespace, &labels),
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta("kiali", Some(namespace), &labels),
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": selector()},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}},
                "template": {
                    "metadata": {
                        "name": "kiali",
                        "labels": pod_labels,
                        "annotations": {
                            "prometheus.io/scrape": "true",
                            "prometheus.io/port": "9090",
                            "prometheus.io/scheme": "http",
                            "kiali.io/dashboards": "go,kiali",
                            "proxy.istio.io/config": "{ \"holdApplicationUntilProxyStarts\": true }",
                        },
                    },
                    "spec": {
                        "serviceAccountName": "kiali",
                        "containers": [{
                            "name": "kiali",
                            "image": IMAGE,
                            "imagePullPolicy": "IfNotPresent",
                            "command": ["/opt/kiali/kiali", "-config", "/kiali-configuration/config.yaml"],
                            "terminationMessagePolicy": "FallbackToLogsOnError",
                            "securityContext": {
                                "allowPrivilegeEscalation": false,
                                "privileged": false,
                                "readOnlyRootFilesystem": true,
                                "runAsNonRoot": true,
                                "seccompProfile": {"type": "RuntimeDefault"},
                                "capabilities": {"drop": ["ALL"]},
                            },
                            "ports": [
                                {"name": "api-port", "containerPort": 20001},
                                {"name": "http-metrics", "containerPort": 9090},
                            ],
                            "readinessProbe": probe(json!({"initialDelaySeconds": 5, "periodSeconds": 30})),
                            "livenessProbe": probe(json!({"initialDelaySeconds": 5, "periodSeconds": 30})),
                            "startupProbe": probe(json!({"failureThreshold": 6, "initialDelaySeconds": 30, "periodSeconds": 10})),
                            "env": [
                                {"name": "ACTIVE_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                                {"name": "LOG_LEVEL", "value": "info"},
                                {"name": "LOG_FORMAT", "value": "text"},
                                {"name": "LOG_TIME_FIELD_FORMAT", "value": "2006-01-02T15:04:05Z07:00"},
                                {"name": "LOG_SAMPLER_RATE", "value": "1"},
                            ],
                            "volumeMounts": [
                                {"name": "kiali-configuration", "mountPath": "/kiali-configuration"},
                                {"name": "kiali-cert", "mountPath": "/kiali-cert"},
                                {"name": "kiali-secret", "mountPath": "/kiali-secret"},
                                {"name": "kiali-cabundle", "mountPath": "/kiali-cabundle"},
                                {
                                    "name": "kiali-multi-cluster-secret",
                                    "mountPath": "/kiali-remote-cluster-secrets/kiali-multi-cluster-secret",
                                    "readOnly": true,
                                },
                            ],
                            "resources": {"limits": {"memory": "1Gi"}, "requests": {"cpu": "10m", "memory": "64Mi"}},
                        }],
                        "volumes": [
                            {"name": "kiali-configuration", "configMap": {"name": "kiali"}},
                            secret("kiali-cert", "istio.kiali-service-account"),
                            secret("kiali-secret", "kiali"),
                            {"name": "kiali-cabundle", "configMap": {"name": "kiali-cabundle", "optional": true}},
                            secret("kiali-multi-cluster-secret", "kiali-multi-cluster-secret"),
                        ],
                    },
                },
            },
        }),
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta("kiali", Some(namespace), &labels),
            "spec": {
                "ports": [
                    {"name": "http", "appProtocol": "http", "protocol": "TCP", "port": 20001},
                    {"name": "http-metrics", "appProtocol": "http", "protocol": "TCP", "port": 9090},
                ],
                "selector": selector(),
            },
        }),
    ])
}

#[cfg(test)]
mod tests {
    use super::super::tests::{assert_service_selects, container, deployment, service, service_ports};
    use super::super::{Addon, render};

    #[test]
    fn kiali_serves_its_console_on_20001_and_metrics_on_9090() {
        let objects = render(&[Addon::Kiali]).unwrap();
        let d = deployment(&objects, "kiali");
        let c = container(d, "kiali");
        assert_eq!(c.image.as_deref(), Some("quay.io/kiali/kiali:v2.27"));
        let ports: Vec<(Option<&str>, i32)> =
            c.ports.iter().flatten().map(|p| (p.name.as_deref(), p.container_port)).collect();
        assert_eq!(ports, [(Some("api-port"), 20001), (Some("http-metrics"), 9090)]);
        let s = service(&objects, "kiali");
        assert_eq!(
            service_ports(s),
            [("http".to_owned(), 20001, String::new()), ("http-metrics".to_owned(), 9090, String::new())]
        );
        assert_service_selects(s, d);
        let kinds: Vec<&str> = objects.iter().map(|o| o.resource.kind()).collect();
        assert_eq!(
            kinds,
            ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "Service"]
        );
    }

    #[test]
    fn kiali_config_is_anonymous_under_the_kiali_web_root() {
        let objects = render(&[Addon::Kiali]).unwrap();
        let config = objects.iter().find(|o| o.resource.kind() == "ConfigMap").unwrap().resource.to_json().unwrap();
        let text = config["data"]["config.yaml"].as_str().unwrap();
        let parsed: serde_json::Value = mesh_api::parse_yaml(text).unwrap();
        assert_eq!(parsed["auth"]["strategy"], "anonymous");
        assert_eq!(parsed["server"]["web_root"], "/kiali");
        assert_eq!(parsed["external_services"]["istio"]["root_namespace"], "istio-system");
    }
}
