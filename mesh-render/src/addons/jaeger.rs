//! Jaeger: an all-in-one tracing backend receiving Zipkin, Jaeger and OTLP spans, storing
//! them in a local Badger database (lost with the pod).

use serde_json::{Value, json};

use super::{meta, yaml_file};
use crate::error::Result;

/// The Jaeger image.
pub(super) const IMAGE: &str = "docker.io/jaegertracing/jaeger:2.17.0";

fn labels() -> Value {
    json!({"app": "jaeger"})
}

fn endpoint(port: u16) -> Value {
    json!({"endpoint": format!("0.0.0.0:{port}")})
}

/// Jaeger's collector configuration.
fn config() -> Value {
    json!({
        "service": {
            "extensions": ["jaeger_storage", "jaeger_query", "remote_sampling", "healthcheckv2", "expvar", "zpages"],
            "pipelines": {
                "traces": {
                    "receivers": ["otlp", "jaeger", "zipkin"],
                    "processors": ["batch"],
                    "exporters": ["jaeger_storage_exporter"],
                },
            },
            "telemetry": {
                "resource": {"service.name": "jaeger"},
                "metrics": {
                    "level": "detailed",
                    "readers": [{"pull": {"exporter": {"prometheus": {"host": "0.0.0.0", "port": 8888}}}}],
                },
                "logs": {"level": "info"},
            },
        },
        "extensions": {
            "jaeger_query": {"base_path": "/jaeger", "storage": {"traces": "badger_storage"}},
            "jaeger_storage": {
                "backends": {
                    "badger_storage": {
                        "badger": {"ephemeral": false, "directories": {"keys": "/badger/key", "values": "/badger/data/"}},
                    },
                },
            },
            "remote_sampling": {
                "file": {"path": null, "default_sampling_probability": 1, "reload_interval": "1s"},
                "http": endpoint(5778),
                "grpc": endpoint(5779),
            },
            "healthcheckv2": {"use_v2": true, "http": endpoint(13133), "grpc": null},
            "expvar": endpoint(27777),
            "zpages": endpoint(27778),
        },
        "receivers": {
            "otlp": {"protocols": {"grpc": endpoint(4317), "http": endpoint(4318)}},
            "jaeger": {
                "protocols": {
                    "grpc": endpoint(14250),
                    "thrift_http": endpoint(14268),
                    "thrift_binary": endpoint(6832),
                    "thrift_compact": endpoint(6831),
                },
            },
            "zipkin": endpoint(9411),
        },
        "processors": {"batch": null},
        "exporters": {"jaeger_storage_exporter": {"trace_storage": "badger_storage"}},
    })
}

fn service(name: &str, namespace: &str, labels: &Value, ports: Value, cluster_ip: bool) -> Value {
    let mut spec = json!({"ports": ports, "selector": {"app": "jaeger"}});
    if cluster_ip {
        spec["type"] = json!("ClusterIP");
    }
    json!({"apiVersion": "v1", "kind": "Service", "metadata": meta(name, Some(namespace), labels), "spec": spec})
}

/// Jaeger's ConfigMap, Deployment, and the `tracing`, `zipkin` and `jaeger-collector`
/// Services.
pub(super) fn objects(namespace: &str) -> Result<Vec<Value>> {
    let labels = labels();
    let health = json!({"httpGet": {"path": "/status", "port": 13133}});
    Ok(vec![
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("jaeger", Some(namespace), &labels),
            "data": {"config.yaml": yaml_file(&config())?},
        }),
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta("jaeger", Some(namespace), &labels),
            "spec": {
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {
                        "labels": {"app": "jaeger", "sidecar.istio.io/inject": "false"},
                        "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "8888"},
                    },
                    "spec": {
                        "containers": [{
                            "name": "jaeger",
                            "image": IMAGE,
                            "args": ["--config", "/jaeger-configuration/config.yaml"],
                            "livenessProbe": health,
                            "readinessProbe": health,
                            "volumeMounts": [
                                {"name": "data", "mountPath": "/badger"},
                                {"name": "jaeger-configuration", "mountPath": "/jaeger-configuration"},
                            ],
                            "resources": {"requests": {"cpu": "10m"}},
                        }],
                        "volumes": [
                            {"name": "data", "emptyDir": {}},
                            {"name": "jaeger-configuration", "configMap": {"name": "jaeger"}},
                        ],
                    },
                },
            },
        }),
        service(
            "tracing",
            namespace,
            &labels,
            json!([
                {"name": "http-query", "port": 80, "protocol": "TCP", "targetPort": 16686},
                {"name": "grpc-query", "port": 16685, "protocol": "TCP", "targetPort": 16685},
            ]),
            true,
        ),
        service(
            "zipkin",
            namespace,
            &json!({"name": "zipkin"}),
            json!([{"name": "http-query", "port": 9411, "targetPort": 9411}]),
            false,
        ),
        service(
            "jaeger-collector",
            namespace,
            &labels,
            json!([
                {"name": "jaeger-collector-http", "port": 14268, "targetPort": 14268, "protocol": "TCP"},
                {"name": "jaeger-collector-grpc", "port": 14250, "targetPort": 14250, "protocol": "TCP"},
                {"name": "http-zipkin", "port": 9411, "targetPort": 9411},
                {"name": "grpc-otel", "port": 4317},
                {"name": "http-otel", "port": 4318},
            ]),
            true,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::super::tests::{assert_service_selects, container, deployment, service, service_ports};
    use super::super::{Addon, render};

    fn ports(list: &[(&str, i32, &str)]) -> Vec<(String, i32, String)> {
        list.iter().map(|(n, p, t)| ((*n).to_owned(), *p, (*t).to_owned())).collect()
    }

    #[test]
    fn jaeger_exposes_its_query_ui_zipkin_and_otlp() {
        let objects = render(&[Addon::Jaeger]).unwrap();
        let d = deployment(&objects, "jaeger");
        let c = container(d, "jaeger");
        assert_eq!(c.image.as_deref(), Some("docker.io/jaegertracing/jaeger:2.17.0"));
        assert_eq!(
            c.args.as_deref(),
            Some(&["--config".to_owned(), "/jaeger-configuration/config.yaml".to_owned()][..])
        );
        let tracing = service(&objects, "tracing");
        assert_eq!(service_ports(tracing), ports(&[("http-query", 80, "16686"), ("grpc-query", 16685, "16685")]));
        assert_service_selects(tracing, d);
        assert_eq!(service_ports(service(&objects, "zipkin")), ports(&[("http-query", 9411, "9411")]));
        assert_eq!(
            service_ports(service(&objects, "jaeger-collector")),
            ports(&[
                ("jaeger-collector-http", 14268, "14268"),
                ("jaeger-collector-grpc", 14250, "14250"),
                ("http-zipkin", 9411, "9411"),
                ("grpc-otel", 4317, ""),
                ("http-otel", 4318, ""),
            ])
        );
    }

    #[test]
    fn jaeger_config_receives_zipkin_on_9411_and_serves_under_jaeger() {
        let objects = render(&[Addon::Jaeger]).unwrap();
        let config = objects.iter().find(|o| o.resource.kind() == "ConfigMap").unwrap().resource.to_json().unwrap();
        let parsed: serde_json::Value = mesh_api::parse_yaml(config["data"]["config.yaml"].as_str().unwrap()).unwrap();
        assert_eq!(parsed["receivers"]["zipkin"]["endpoint"], "0.0.0.0:9411");
        assert_eq!(parsed["extensions"]["jaeger_query"]["base_path"], "/jaeger");
    }
}
