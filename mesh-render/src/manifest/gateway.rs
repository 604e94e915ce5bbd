//! One ingress or egress gateway entry: Deployment, Service, ServiceAccount, Role and
//! RoleBinding, and the autoscaler and disruption budget where the values call for them.

use serde_json::{Map, Value, json};

use super::base::{chart_labels, meta, rule, with};
use super::istiod::hpa;
use super::k8s::Targets;
use super::values::{Gateway, truthy};
use crate::overlays::Component;

/// Renders a gateway entry, with the settings targets for its `k8s` block.
pub(crate) fn render(gateway: &Gateway) -> (Vec<Value>, Targets) {
    let values = &gateway.values;
    let (chart, component) = match gateway.component {
        Component::EgressGateways => ("istio-egress", "EgressGateways"),
        _ => ("istio-ingress", "IngressGateways"),
    };
    let name = gateway.name.as_str();
    let namespace = gateway.namespace.as_str();
    let rev_label = values.revision_label();
    let revision = values.revision();
    let gateway_labels = values.get(&gateway.path("labels")).and_then(Value::as_object).cloned().unwrap_or_default();
    let owned = |labels: Map<String, Value>| {
        with(
            labels,
            &[
                ("install.operator.istio.io/owning-resource", "unknown"),
                ("istio.io/rev", &rev_label),
                ("operator.istio.io/component", component),
            ],
        )
    };
    let base_labels = chart_labels(gateway.root, chart);
    let mut labelled = base_labels.clone();
    labelled.extend(gateway_labels.clone());
    let object_labels = owned(labelled.clone());
    let selector: Map<String, Value> = gateway_labels.clone();
    let account = format!("{name}-service-account");
    let role = format!("{name}-sds");
    let mut out = Vec::new();

    out.push(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(&account, namespace, object_labels.clone())}));
    out.push(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": meta(&role, namespace, owned(base_labels.clone())),
        "rules": [rule(&[""], &["secrets"], &["get", "watch", "list"])]
    }));
    out.push(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": meta(&role, namespace, owned(base_labels)),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role},
        "subjects": [{"kind": "ServiceAccount", "name": account}]
    }));

    let ports = values.get(&gateway.path("ports")).and_then(Value::as_array).cloned().unwrap_or_default();
    let istiod = if revision.is_empty() { "istiod".to_owned() } else { format!("istiod-{revision}") };
    let istio_namespace = values.text("global.istioNamespace", "istio-system");
    let field = |env: &str, path: &str| json!({"name": env, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": path}}});
    let plain = |env: &str, value: String| json!({"name": env, "value": value});
    let trust_domain = values.text("meshConfig.trustDomain", "cluster.local");
    let mut env = vec![
        plain("PILOT_CERT_PROVIDER", values.text("global.pilotCertProvider", "istiod")),
        plain("CA_ADDR", values.text("global.caAddress", &format!("{istiod}.{istio_namespace}.svc:15012"))),
        field("NODE_NAME", "spec.nodeName"),
        field("POD_NAME", "metadata.name"),
        field("POD_NAMESPACE", "metadata.namespace"),
        field("INSTANCE_IP", "status.podIP"),
        field("HOST_IP", "status.hostIP"),
        json!({"name": "ISTIO_CPU_LIMIT", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "1"}}}),
        json!({"name": "SERVICE_ACCOUNT", "valueFrom": {"fieldRef": {"fieldPath": "spec.serviceAccountName"}}}),
        plain("ISTIO_META_WORKLOAD_NAME", name.to_owned()),
        plain("ISTIO_META_OWNER", format!("kubernetes://apis/apps/v1/namespaces/{namespace}/deployments/{name}")),
        plain("ISTIO_META_MESH_ID", values.text("global.meshID", &trust_domain)),
        plain("TRUST_DOMAIN", trust_domain.clone()),
    ];
    if !values.truthy(&gateway.path("runAsRoot")) {
        env.push(plain("ISTIO_META_UNPRIVILEGED_POD", "true".to_owned()));
    }
    let user_env = values.get(&gateway.path("env")).and_then(Value::as_object).cloned().unwrap_or_default();
    let mut keys: Vec<&String> = user_env.keys().collect();
    keys.sort();
    for key in keys {
        let text = match &user_env[key] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        env.push(plain(key, text));
    }
    let cluster = values.text("global.multiCluster.clusterName", "");
    env.push(plain("ISTIO_META_CLUSTER_ID", if cluster.is_empty() { "Kubernetes".to_owned() } else { cluster }));
    let network = values.text("global.network", "");
    if !network.is_empty() {
        env.push(plain("ISTIO_META_NETWORK", network));
    }
    env.push(json!({"name": "ISTIO_META_NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}));

    let mut container_ports: Vec<Value> = ports
        .iter()
        .map(|p| {
            let port =
                p.get("targetPort").filter(|v| !v.is_null()).or_else(|| p.get("port")).cloned().unwrap_or_default();
            json!({"containerPort": port, "protocol": p.get("protocol").cloned().unwrap_or(json!("TCP"))})
        })
        .collect();
    container_ports.push(json!({"containerPort": 15090, "protocol": "TCP", "name": "http-envoy-prom"}));

    let mut args = vec![
        json!("proxy"),
        json!("router"),
        json!("--domain"),
        json!(format!("$(POD_NAMESPACE).svc.{}", values.text("global.proxy.clusterDomain", "cluster.local"))),
    ];
    for (flag, path) in
        [("--proxyLogLevel=", "global.proxy.logLevel"), ("--proxyComponentLogLevel=", "global.proxy.componentLogLevel")]
    {
        let level = values.text(path, "");
        if !level.is_empty() {
            args.push(json!(format!("{flag}{level}")));
        }
    }
    let level = values.text("global.logging.level", "");
    if !level.is_empty() {
        args.push(json!(format!("--log_output_level={level}")));
    }

    let mut container = json!({
        "name": "istio-proxy",
        "image": values.image(&format!("gateways.{}", gateway.root), &values.text("global.proxy.image", "proxyv2")),
        "args": args,
        "ports": container_ports,
        "readinessProbe": {
            "failureThreshold": 30,
            "httpGet": {"path": "/healthz/ready", "port": 15021, "scheme": "HTTP"},
            "initialDelaySeconds": 1,
            "periodSeconds": 2,
            "successThreshold": 1,
            "timeoutSeconds": 1
        },
        "env": env,
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "capabilities": {"drop": ["ALL"]},
            "privileged": false,
            "readOnlyRootFilesystem": true
        },
        "volumeMounts": [
            {"mountPath": "/var/run/secrets/workload-spiffe-uds", "name": "workload-socket"},
            {"mountPath": "/var/run/secrets/credential-uds", "name": "credential-socket"},
            {"mountPath": "/var/run/secrets/workload-spiffe-credentials", "name": "workload-certs"},
            {"mountPath": "/etc/istio/proxy", "name": "istio-envoy"},
            {"mountPath": "/etc/istio/config", "name": "config-volume"},
            {"mountPath": "/var/run/secrets/istio", "name": "istiod-ca-cert"},
            {"mountPath": "/var/run/secrets/tokens", "name": "istio-token", "readOnly": true},
            {"mountPath": "/var/lib/istio/data", "name": "istio-data"},
            {"mountPath": "/etc/istio/pod", "name": "podinfo"}
        ]
    });
    if let Some(resources) = values.get(&gateway.path("resources")).filter(|v| truthy(v)) {
        container["resources"] = resources.clone();
    }
    let mut volumes = vec![
        json!({"name": "workload-socket", "emptyDir": {}}),
        json!({"name": "credential-socket", "emptyDir": {}}),
        json!({"name": "workload-certs", "emptyDir": {}}),
        json!({"name": "istiod-ca-cert", "configMap": {"name": "istio-ca-root-cert"}}),
        json!({"name": "podinfo", "downwardAPI": {"items": [
            {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
            {"path": "annotations", "fieldRef": {"fieldPath": "metadata.annotations"}}
        ]}}),
        json!({"name": "istio-envoy", "emptyDir": {}}),
        json!({"name": "istio-data", "emptyDir": {}}),
        json!({"name": "istio-token", "projected": {"sources": [{"serviceAccountToken": {"path": "istio-token", "expirationSeconds": 43200, "audience": "istio-ca"}}]}}),
        json!({"name": "config-volume", "configMap": {"name": if revision.is_empty() { "istio".to_owned() } else { format!("istio-{revision}") }, "optional": true}}),
    ];
    if gateway.component == Component::IngressGateways {
        let short = gateway.root.trim_start_matches("istio-");
        if let Some(mounts) = container["volumeMounts"].as_array_mut() {
            mounts.push(json!({"mountPath": format!("/etc/istio/{short}-certs"), "name": format!("{short}-certs"), "readOnly": true}));
            mounts.push(json!({"mountPath": format!("/etc/istio/{short}-ca-certs"), "name": format!("{short}-ca-certs"), "readOnly": true}));
        }
        volumes.push(json!({"name": format!("{short}-certs"), "secret": {"secretName": format!("istio-{short}-certs"), "optional": true}}));
        volumes.push(json!({"name": format!("{short}-ca-certs"), "secret": {"secretName": format!("istio-{short}-ca-certs"), "optional": true}}));
    }

    let mut pod_labels = labelled.clone();
    for (key, value) in [
        ("chart", "gateways".to_owned()),
        ("heritage", "Tiller".to_owned()),
        ("install.operator.istio.io/owning-resource", "unknown".to_owned()),
        ("istio.io/dataplane-mode", "none".to_owned()),
        ("istio.io/rev", rev_label.clone()),
        ("operator.istio.io/component", component.to_owned()),
        ("service.istio.io/canonical-name", name.to_owned()),
        ("service.istio.io/canonical-revision", "latest".to_owned()),
        ("sidecar.istio.io/inject", "false".to_owned()),
    ] {
        pod_labels.insert(key.into(), Value::String(value));
    }
    let mut annotations = json!({
        "istio.io/rev": rev_label,
        "prometheus.io/path": "/stats/prometheus",
        "prometheus.io/port": "15020",
        "prometheus.io/scrape": "true",
        "sidecar.istio.io/inject": "false"
    });
    if let Some(Value::Object(extra)) = values.get(&gateway.path("podAnnotations")) {
        annotations.as_object_mut().into_iter().for_each(|a| a.extend(extra.clone()));
    }
    let mut pod = json!({
        "serviceAccountName": account,
        "securityContext": {"runAsUser": 1337, "runAsGroup": 1337, "runAsNonRoot": true},
        "containers": [container],
        "volumes": volumes
    });
    if values.truthy(&gateway.path("runAsRoot")) {
        pod["securityContext"] = json!({"runAsUser": 0, "runAsGroup": 1337, "runAsNonRoot": false});
    }
    for (key, field) in
        [("nodeSelector", "nodeSelector"), ("tolerations", "tolerations"), ("priorityClassName", "priorityClassName")]
    {
        if let Some(v) = values.get(&gateway.path(key)).filter(|v| truthy(v)) {
            pod[field] = v.clone();
        }
    }
    let mut deployment_labels = object_labels.clone();
    deployment_labels.insert("istio.io/dataplane-mode".into(), json!("none"));
    let autoscale = values.truthy(&gateway.path("autoscaleEnabled"));
    let mut spec = json!({
        "selector": {"matchLabels": selector},
        "strategy": {"rollingUpdate": {
            "maxSurge": values.value(&gateway.path("rollingMaxSurge")),
            "maxUnavailable": values.value(&gateway.path("rollingMaxUnavailable"))
        }},
        "template": {"metadata": {"labels": pod_labels, "annotations": annotations}, "spec": pod}
    });
    if !autoscale && values.truthy(&gateway.path("replicaCount")) {
        spec["replicas"] = values.value(&gateway.path("replicaCount"));
    }
    out.push(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name, namespace, deployment_labels), "spec": spec}));

    let (min, max) = (values.int(&gateway.path("autoscaleMin"), 0), values.int(&gateway.path("autoscaleMax"), 0));
    if autoscale && min != 0 && max != 0 {
        out.push(hpa(values, &format!("gateways.{}", gateway.root), namespace, name, object_labels.clone()));
    }
    let replicas = values.int(&gateway.path("replicaCount"), 0);
    if values.truthy("global.defaultPodDisruptionBudget.enabled")
        && ((autoscale && min > 1) || (!autoscale && replicas > 1))
    {
        out.push(json!({
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": meta(name, namespace, object_labels.clone()),
            "spec": {"minAvailable": 1, "selector": {"matchLabels": selector}}
        }));
    }

    let service_ports: Vec<Value> = ports
        .iter()
        .map(|p| {
            let mut port = p.clone();
            if port.get("protocol").is_none() {
                port["protocol"] = json!("TCP");
            }
            port
        })
        .collect();
    let mut service_meta = meta(name, namespace, object_labels);
    if let Some(annotations) = values.get(&gateway.path("serviceAnnotations")).filter(|v| truthy(v)) {
        service_meta["annotations"] = annotations.clone();
    }
    let mut service =
        json!({"type": values.text(&gateway.path("type"), "ClusterIP"), "selector": selector, "ports": service_ports});
    for key in ["loadBalancerIP", "loadBalancerSourceRanges", "externalTrafficPolicy", "externalIPs"] {
        if let Some(v) = values.get(&gateway.path(key)).filter(|v| truthy(v)) {
            service[key] = v.clone();
        }
    }
    out.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": service_meta, "spec": service}));

    if values.truthy("global.networkPolicy.enabled") {
        let policy_name = if revision.is_empty() { name.to_owned() } else { format!("{name}-{revision}") };
        let short = gateway.root.trim_start_matches("istio-");
        let labels = owned(with(chart_labels(gateway.root, chart), &[("app", name), ("istio", short)]));
        let port = |port: &Value, protocol: &Value| json!({"ports": [{"protocol": protocol, "port": port}]});
        let mut ingress = vec![
            port(&json!(15021), &json!("TCP")),
            json!({"ports": [{"protocol": "TCP", "port": 15020}, {"protocol": "TCP", "port": 15090}]}),
        ];
        for p in &ports {
            let target =
                p.get("targetPort").filter(|v| truthy(v)).or_else(|| p.get("port")).cloned().unwrap_or_default();
            ingress.push(port(&target, p.get("protocol").filter(|v| truthy(v)).unwrap_or(&json!("TCP"))));
        }
        out.push(json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta(&policy_name, namespace, labels),
            "spec": {
                "podSelector": {"matchLabels": selector},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": ingress,
                "egress": [{}]
            }
        }));
    }

    (out, Targets::workload("Deployment", name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Overlays;
    use crate::manifest::values::Values;

    #[test]
    fn egress_gateway_is_a_cluster_ip_service_without_cert_volumes() {
        let merged = Overlays::new().set("profile=demo").unwrap().merge().unwrap();
        let entry = merged.gateways(Component::EgressGateways).remove(0);
        let (objects, _) = render(&Values::new(&merged).for_gateway(Component::EgressGateways, &entry, &Value::Null));
        let service = objects.iter().find(|o| o["kind"] == "Service").unwrap();
        assert_eq!(service["spec"]["type"], "ClusterIP");
        let deployment = objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
        let volumes = deployment["spec"]["template"]["spec"]["volumes"].as_array().unwrap();
        assert!(!volumes.iter().any(|v| v["name"] == "ingressgateway-certs"));
    }

    #[test]
    fn network_policy_opens_the_gateway_ports() {
        let merged = Overlays::new().set("values.global.networkPolicy.enabled=true").unwrap().merge().unwrap();
        let entry = merged.gateways(Component::IngressGateways).remove(0);
        let (objects, _) = render(&Values::new(&merged).for_gateway(Component::IngressGateways, &entry, &Value::Null));
        let policy = objects.iter().find(|o| o["kind"] == "NetworkPolicy").unwrap();
        let ingress = policy["spec"]["ingress"].as_array().unwrap();
        assert_eq!(ingress.len(), 5);
        assert_eq!(ingress[3]["ports"][0]["port"], 8080);
    }

    #[test]
    fn container_ports_follow_the_service_target_ports() {
        let merged = Overlays::new().merge().unwrap();
        let entry = merged.gateways(Component::IngressGateways).remove(0);
        let (objects, _) = render(&Values::new(&merged).for_gateway(Component::IngressGateways, &entry, &Value::Null));
        let deployment = objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
        let ports: Vec<i64> = deployment["spec"]["template"]["spec"]["containers"][0]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["containerPort"].as_i64().unwrap())
            .collect();
        assert_eq!(ports, vec![15021, 8080, 8443, 15090]);
    }
}
