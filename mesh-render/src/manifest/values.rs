//! The Helm values the charts see: chart defaults, then the chart-side profile, compatibility
//! version and platform layers, then the merged configuration's `values`.

use mesh_api::install::GatewayComponentSpec;
use serde_json::{Value, json};

use crate::overlays::{Component, Merged};
use crate::profile::{ChartLayer, ChartProfile};
use crate::tree::{ListMerge, merge};

/// The version the chart snapshot stamps into `app.kubernetes.io/version` and `helm.sh/chart`.
pub(crate) const CHART_VERSION: &str = "1.0.0";

/// The defaults of Istio's charts that rendering reads (the rest of the charts' defaults
/// only matter to templates mesh does not model).
fn chart_defaults() -> Value {
    let gateway = |name: &str, short: &str, service: &str, ports: Value| {
        json!({
            "name": name,
            "labels": {"app": name, "istio": short},
            "ports": ports,
            "type": service,
            "autoscaleEnabled": true,
            "autoscaleMin": 1,
            "autoscaleMax": 5,
            "cpu": {"targetAverageUtilization": 80},
            "memory": {},
            "resources": {
                "requests": {"cpu": "100m", "memory": "128Mi"},
                "limits": {"cpu": "2000m", "memory": "1024Mi"}
            },
            "rollingMaxSurge": "100%",
            "rollingMaxUnavailable": "25%",
            "runAsRoot": false,
            "env": {},
            "podAnnotations": {},
            "serviceAnnotations": {},
            "nodeSelector": {},
            "tolerations": [],
            "secretVolumes": [],
            "injectionTemplate": ""
        })
    };
    json!({
        "revision": "",
        "pilot": {
            "autoscaleEnabled": true,
            "autoscaleMin": 1,
            "autoscaleMax": 5,
            "replicaCount": 1,
            "rollingMaxSurge": "100%",
            "rollingMaxUnavailable": "25%",
            "image": "pilot",
            "traceSampling": 1.0,
            "resources": {"requests": {"cpu": "500m", "memory": "2048Mi"}},
            "cpu": {"targetAverageUtilization": 80},
            "memory": {},
            "keepaliveMaxServerConnectionAge": "30m",
            "env": {},
            "envVarFrom": [],
            "nodeSelector": {},
            "tolerations": [],
            "podAnnotations": {},
            "serviceAnnotations": {},
            "podLabels": {},
            "extraContainerArgs": [],
            "variant": "",
            "configMap": true
        },
        "global": {
            "hub": "",
            "tag": "",
            "variant": "",
            "istioNamespace": "istio-system",
            "configValidation": true,
            "defaultPodDisruptionBudget": {"enabled": true},
            "logging": {"level": "default:info"},
            "proxy": {
                "image": "proxyv2",
                "logLevel": "warning",
                "componentLogLevel": "misc:error",
                "clusterDomain": "cluster.local",
                "autoInject": "enabled",
                "resources": {
                    "requests": {"cpu": "100m", "memory": "128Mi"},
                    "limits": {"cpu": "2000m", "memory": "1024Mi"}
                }
            },
            "meshID": "",
            "multiCluster": {"clusterName": ""},
            "network": "",
            "platform": "",
            "networkPolicy": {"enabled": false},
            "imagePullPolicy": ""
        },
        "sidecarInjectorWebhook": {
            "enableNamespacesByDefault": false,
            "alwaysInjectSelector": [],
            "neverInjectSelector": [],
            "injectedAnnotations": {},
            "defaultTemplates": [],
            "reinvocationPolicy": "Never"
        },
        "gateways": {
            "istio-ingressgateway": gateway("istio-ingressgateway", "ingressgateway", "LoadBalancer", json!([
                {"port": 15021, "targetPort": 15021, "name": "status-port", "protocol": "TCP"},
                {"port": 80, "targetPort": 8080, "name": "http2", "protocol": "TCP"},
                {"port": 443, "targetPort": 8443, "name": "https", "protocol": "TCP"}
            ])),
            "istio-egressgateway": gateway("istio-egressgateway", "egressgateway", "ClusterIP", json!([
                {"port": 80, "targetPort": 8080, "name": "http2", "protocol": "TCP"},
                {"port": 443, "targetPort": 8443, "name": "https", "protocol": "TCP"}
            ]))
        },
        "cni": {
            "image": "install-cni",
            "chained": true,
            "cniBinDir": "/opt/cni/bin",
            "cniConfDir": "/etc/cni/net.d",
            "cniNetnsDir": "/var/run/netns",
            "logging": {"level": "info"},
            "ambient": {"enabled": false, "dnsCapture": true, "ipv6": true, "reconcileIptablesOnStartup": true, "enableAmbientDetectionRetry": false},
            "excludeNamespaces": ["kube-system"],
            "istioOwnedCNIConfig": false,
            "repair": {
                "enabled": true,
                "labelPods": false,
                "deletePods": false,
                "repairPods": true,
                "initContainerName": "istio-validation",
                "brokenPodLabelKey": "cni.istio.io/uninitialized",
                "brokenPodLabelValue": "true"
            },
            "resources": {"requests": {"cpu": "100m", "memory": "100Mi"}},
            "tolerations": [
                {"effect": "NoSchedule", "operator": "Exists"},
                {"key": "CriticalAddonsOnly", "operator": "Exists"},
                {"effect": "NoExecute", "operator": "Exists"}
            ],
            "podAnnotations": {},
            "nodeSelector": {},
            "env": {}
        },
        "ztunnel": {
            "image": "ztunnel",
            "resourceName": "ztunnel",
            "logLevel": "info",
            "resources": {"requests": {"cpu": "200m", "memory": "512Mi"}},
            "podAnnotations": {},
            "nodeSelector": {},
            "env": {}
        }
    })
}

/// The values tree with typed look-ups by dotted path.
#[derive(Clone, Debug)]
pub(crate) struct Values {
    tree: Value,
}

/// Merges `over` into `base` as Helm values (maps by key, the rest replaces).
fn merge_values(base: &mut Value, over: &Value) {
    let mut wrapped = json!({"spec": {"values": base.take()}});
    merge(&mut wrapped, &json!({"spec": {"values": over}}), ListMerge::Replace);
    *base = wrapped["spec"]["values"].take();
}

impl Values {
    /// The values of a merged configuration over the chart layers.
    pub(crate) fn new(merged: &Merged) -> Self {
        let user = merged.tree().pointer("/spec/values").cloned().unwrap_or(Value::Null);
        let mut unvalidated = merged.tree().pointer("/spec/unvalidatedValues").cloned().unwrap_or(Value::Null);
        let mut tree = chart_defaults();
        let text = |path: &str| user.pointer(path).and_then(Value::as_str).filter(|s| !s.is_empty());
        for (layer, name) in [
            (ChartLayer::Profile, text("/profile")),
            (ChartLayer::Compatibility, text("/compatibilityVersion")),
            (ChartLayer::Platform, text("/global/platform")),
        ] {
            if let Some(profile) = name.and_then(|n| ChartProfile::find(layer, n)) {
                merge_values(&mut tree, &profile.values());
            }
        }
        if user.is_object() {
            merge_values(&mut tree, &user);
        }
        if unvalidated.is_object() {
            merge_values(&mut tree, &unvalidated.take());
        }
        Values { tree }
    }

    /// The whole tree.
    pub(crate) fn into_tree(self) -> Value {
        self.tree
    }

    /// The value at a dotted path (keys holding dots cannot be reached; none are needed).
    pub(crate) fn get(&self, path: &str) -> Option<&Value> {
        path.split('.').try_fold(&self.tree, |v, key| v.get(key)).filter(|v| !v.is_null())
    }

    /// A string (numbers and booleans written as text), or `default`.
    pub(crate) fn text(&self, path: &str, default: &str) -> String {
        match self.get(path) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            _ => default.to_owned(),
        }
    }

    /// A Helm truth value: false, 0, "" and empty collections are false.
    pub(crate) fn truthy(&self, path: &str) -> bool {
        self.get(path).is_some_and(truthy)
    }

    /// An integer (strings holding one are read too), or `default`.
    pub(crate) fn int(&self, path: &str, default: i64) -> i64 {
        match self.get(path) {
            Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).unwrap_or(default),
            Some(Value::String(s)) => s.parse().unwrap_or(default),
            _ => default,
        }
    }

    /// A clone of the value, or null.
    pub(crate) fn value(&self, path: &str) -> Value {
        self.get(path).cloned().unwrap_or(Value::Null)
    }

    /// The revision, empty for the default one.
    pub(crate) fn revision(&self) -> String {
        self.text("revision", "")
    }

    /// The revision as labels spell it: `default` when empty.
    pub(crate) fn revision_label(&self) -> String {
        let revision = self.revision();
        if revision.is_empty() { "default".to_owned() } else { revision }
    }

    /// An image reference: `image` as given when it holds a `/`, else `hub/image:tag`, with
    /// `-variant` appended to the tag when a variant is set.
    pub(crate) fn image(&self, root: &str, image_default: &str) -> String {
        let image = self.text(&format!("{root}.image"), image_default);
        if image.contains('/') {
            return image;
        }
        let pick = |key: &str| {
            let own = self.text(&format!("{root}.{key}"), "");
            if own.is_empty() { self.text(&format!("global.{key}"), "") } else { own }
        };
        let (hub, tag, variant) = (pick("hub"), pick("tag"), pick("variant"));
        let tag = if variant.is_empty() { tag } else { format!("{tag}-{variant}") };
        if hub.is_empty() { format!("{image}:{tag}") } else { format!("{hub}/{image}:{tag}") }
    }

    /// Sets a value at a dotted path, creating maps on the way.
    pub(crate) fn set(&mut self, path: &str, value: Value) {
        let mut node = &mut self.tree;
        for key in path.split('.') {
            if !node.is_object() {
                *node = json!({});
            }
            let Value::Object(map) = node else { return };
            node = map.entry(key.to_owned()).or_insert(Value::Null);
        }
        *node = value;
    }

    /// The values with a component's `k8s` settings copied in where the charts' guards read
    /// them: `replicaCount`, `hpaSpec.minReplicas`/`maxReplicas` and `resources` under `root`.
    fn copy_k8s(&mut self, root: &str, spec: &Value) {
        if let Some(count) = spec.get("replicaCount").filter(|v| !v.is_null()) {
            self.set(&format!("{root}.replicaCount"), count.clone());
        }
        if let Some(min) = spec.pointer("/hpaSpec/minReplicas").filter(|v| !v.is_null()) {
            self.set(&format!("{root}.autoscaleMin"), min.clone());
        }
        if let Some(max) = spec.pointer("/hpaSpec/maxReplicas").filter(|v| !v.is_null()) {
            self.set(&format!("{root}.autoscaleMax"), max.clone());
        }
        if let Some(resources) = spec.get("resources").filter(|v| v.is_object()) {
            let mut merged = self.value(&format!("{root}.resources"));
            if !merged.is_object() {
                merged = json!({});
            }
            merge_values(&mut merged, resources);
            self.set(&format!("{root}.resources"), merged);
        }
    }

    /// The values istiod's chart sees: pilot `hub`/`tag` and the `k8s` copies.
    pub(crate) fn for_pilot(&self, merged: &Merged, spec: &Value) -> Values {
        let mut values = self.clone();
        let component = merged.tree().pointer("/spec/components/pilot");
        for key in ["hub", "tag"] {
            if let Some(v) = component.and_then(|c| c.get(key)).filter(|v| !v.is_null()) {
                values.set(&format!("pilot.{key}"), v.clone());
            }
        }
        values.copy_k8s("pilot", spec);
        values
    }

    /// The values for the CNI or ztunnel chart with the component's `k8s` copies.
    pub(crate) fn with_k8s(&self, spec: &Value) -> Values {
        let mut values = self.clone();
        values.copy_k8s("cni", spec);
        values.copy_k8s("ztunnel", spec);
        values
    }

    /// The values one gateway entry renders with.
    pub(crate) fn for_gateway(&self, component: Component, entry: &GatewayComponentSpec, spec: &Value) -> Gateway {
        let root = match component {
            Component::EgressGateways => "istio-egressgateway",
            _ => "istio-ingressgateway",
        };
        let mut values = self.clone();
        let key = format!("gateways.{root}");
        let name = entry.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| root.to_owned());
        values.set(&format!("{key}.name"), Value::String(name.clone()));
        if !entry.label.is_empty() {
            let mut labels = values.value(&format!("{key}.labels"));
            if !labels.is_object() {
                labels = json!({});
            }
            merge_values(&mut labels, &serde_json::to_value(&entry.label).unwrap_or(Value::Null));
            values.set(&format!("{key}.labels"), labels);
        }
        if let Some(hub) = &entry.hub {
            values.set(&format!("{key}.hub"), Value::String(hub.clone()));
        }
        if let Some(tag) = &entry.tag {
            values.set(&format!("{key}.tag"), tag.clone());
        }
        if let Some(ports) = spec.pointer("/service/ports").filter(|p| p.is_array()) {
            values.set(&format!("{key}.ports"), ports.clone());
        }
        values.copy_k8s(&key, spec);
        Gateway {
            component,
            root,
            name,
            namespace: entry.namespace.clone().unwrap_or_else(|| "istio-system".to_owned()),
            values,
        }
    }
}

/// One gateway entry's rendering inputs.
#[derive(Clone, Debug)]
pub(crate) struct Gateway {
    /// Ingress or egress.
    pub(crate) component: Component,
    /// `istio-ingressgateway` or `istio-egressgateway`: the key under `values.gateways`.
    pub(crate) root: &'static str,
    /// The entry's name (the Deployment's).
    pub(crate) name: String,
    /// The entry's namespace.
    pub(crate) namespace: String,
    /// The values, with the entry's settings applied under `gateways.<root>`.
    pub(crate) values: Values,
}

impl Gateway {
    /// A path under this gateway's values.
    pub(crate) fn path(&self, rest: &str) -> String {
        format!("gateways.{}.{rest}", self.root)
    }
}

/// Helm's truth: false, 0, "", null and empty collections are false.
pub(crate) fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Overlays;

    #[test]
    fn user_values_win_over_the_chart_profile() {
        let merged = Overlays::new().set("profile=demo").unwrap().set("values.pilot.traceSampling=5").unwrap().merge();
        let values = Values::new(&merged.unwrap());
        assert_eq!(values.text("pilot.traceSampling", ""), "5");
        assert!(!values.truthy("pilot.autoscaleEnabled"));
    }

    #[test]
    fn image_joins_hub_name_tag_and_variant() {
        let merged = Overlays::new().set("hub=docker.io/istio").unwrap().set("tag=1.2.3").unwrap().merge().unwrap();
        let mut values = Values::new(&merged);
        assert_eq!(values.image("pilot", "pilot"), "docker.io/istio/pilot:1.2.3");
        values.set("global.variant", json!("distroless"));
        assert_eq!(values.image("pilot", "pilot"), "docker.io/istio/pilot:1.2.3-distroless");
        values.set("pilot.image", json!("my.registry/pilot:x"));
        assert_eq!(values.image("pilot", "pilot"), "my.registry/pilot:x");
    }

    #[test]
    fn helm_truth_treats_empty_and_zero_as_false() {
        assert!(!truthy(&json!(0)));
        assert!(!truthy(&json!("")));
        assert!(!truthy(&json!({})));
        assert!(truthy(&json!(2)));
    }
}
