//! What the webhook does after merging: Prometheus scraping through the agent, and app probes
//! sent through the agent.

use super::*;

pub(super) const PROMETHEUS_KEYS: [&str; 3] = ["prometheus.io/scrape", "prometheus.io/port", "prometheus.io/path"];

/// Points Prometheus at the agent, keeping the app's own scrape settings in the proxy's env.
pub(super) fn prometheus_merge(
    meta: &mut ObjectMeta,
    proxy: Option<&mut Container>,
    settings: &InjectionSettings,
    status_port: &str,
) {
    let annotations = meta.annotations.get_or_insert_with(BTreeMap::new);
    let sanitize = |k: &str| k.replace(['.', '/', '-'], "_");
    let find = |annotations: &BTreeMap<String, String>, want: &str| {
        annotations.iter().find(|(k, _)| sanitize(k) == sanitize(want)).map(|(_, v)| v.clone())
    };
    if let Some(scrape) = find(annotations, "prometheus.io/scrape")
        && let Some(value) = parse_bool(&scrape)
        && !value
    {
        return;
    }
    let merge = annotations
        .get("prometheus.istio.io/merge-metrics")
        .map_or(settings.enable_prometheus_merge, |v| parse_bool(v).unwrap_or(settings.enable_prometheus_merge));
    if !merge {
        return;
    }
    if find(annotations, "prometheus.io/port").as_deref() == Some(status_port) {
        return;
    }
    // The app's own settings, in the order Istio's agent reads them.
    let mut scrape = serde_json::Map::new();
    for (key, field) in
        [("prometheus.io/scrape", "scrape"), ("prometheus.io/path", "path"), ("prometheus.io/port", "port")]
    {
        if let Some(v) = find(annotations, key) {
            scrape.insert(field.into(), v.into());
        }
    }
    if let Some(targets) = annotations.remove("prometheus.istio.io/scrape-targets") {
        let list: Vec<serde_json::Value> = targets
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                let (port, path) = t.split_once(':').unwrap_or((t, "/metrics"));
                serde_json::json!({"port": port, "path": path})
            })
            .collect();
        if let Some(first) = list.first() {
            scrape.entry("path").or_insert_with(|| first["path"].clone());
            scrape.entry("port").or_insert_with(|| first["port"].clone());
        }
        scrape.insert("targets".into(), list.into());
    }
    if let Some(proxy) = proxy
        && !scrape.is_empty()
    {
        proxy
            .env
            .get_or_insert_with(Vec::new)
            .push(env("ISTIO_PROMETHEUS_ANNOTATIONS", serde_json::Value::Object(scrape).to_string()));
    }
    annotations.retain(|k, _| !PROMETHEUS_KEYS.iter().any(|p| sanitize(p) == sanitize(k)));
    annotations.insert(s("prometheus.io/port"), status_port.to_owned());
    annotations.insert(s("prometheus.io/path"), s("/stats/prometheus"));
    annotations.insert(s("prometheus.io/scrape"), s("true"));
}

pub(super) fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Sends app probes through the agent: each HTTP, TCP or gRPC probe becomes an HTTP GET on
/// the status port, and the original goes into the proxy's `ISTIO_KUBE_APP_PROBERS`.
pub(super) fn rewrite_probes(spec: &mut PodSpec, status_port: &str, previously: Option<&str>) -> Option<String> {
    let port: i32 = status_port.parse().ok().filter(|p| *p != 0)?;
    let mut probers = serde_json::Map::new();
    let sidecars = spec.init_containers.iter_mut().flatten().filter(|c| c.restart_policy.as_deref() == Some("Always"));
    for container in spec.containers.iter_mut().chain(sidecars).filter(|c| c.name != PROXY) {
        let name = container.name.clone();
        let named_ports: Vec<(String, i32)> =
            container.ports.iter().flatten().filter_map(|p| p.name.clone().map(|n| (n, p.container_port))).collect();
        for (probe, suffix) in [
            (&mut container.liveness_probe, "livez"),
            (&mut container.readiness_probe, "readyz"),
            (&mut container.startup_probe, "startupz"),
        ] {
            let Some(probe) = probe.as_mut() else { continue };
            let Some(original) = prober_json(
                probe.http_get.as_ref(),
                probe.tcp_socket.as_ref().map(|t| &t.port),
                probe.grpc.as_ref().map(|g| (g.port, g.service.clone())),
                &named_ports,
                probe.timeout_seconds,
            ) else {
                continue;
            };
            let path = format!("/app-health/{name}/{suffix}");
            probers.insert(path.clone(), original);
            let scheme = probe.http_get.as_ref().and_then(|h| h.scheme.clone()).filter(|s| s == "HTTPS");
            let headers = probe.http_get.as_ref().and_then(|h| h.http_headers.clone());
            probe.tcp_socket = None;
            probe.grpc = None;
            probe.http_get = Some(HTTPGetAction {
                path: Some(path),
                port: IntOrString::Int(port),
                scheme: scheme.map(|_| s("HTTP")),
                http_headers: headers,
                host: None,
            });
        }
        if let Some(lifecycle) = container.lifecycle.as_mut() {
            for (handler, suffix) in [(&mut lifecycle.pre_stop, "prestopz"), (&mut lifecycle.post_start, "poststartz")]
            {
                let Some(handler) = handler.as_mut() else { continue };
                let Some(original) = prober_json(
                    handler.http_get.as_ref(),
                    handler.tcp_socket.as_ref().map(|t| &t.port),
                    None,
                    &named_ports,
                    None,
                ) else {
                    continue;
                };
                let path = format!("/app-lifecycle/{name}/{suffix}");
                probers.insert(path.clone(), original);
                handler.tcp_socket = None;
                handler.http_get =
                    Some(HTTPGetAction { path: Some(path), port: IntOrString::Int(port), ..HTTPGetAction::default() });
            }
        }
    }
    if probers.is_empty() {
        return None;
    }
    if let Some(old) =
        previously.and_then(|p| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(p).ok())
    {
        for (k, v) in old {
            probers.insert(k, v);
        }
    }
    let mut sorted: Vec<(String, serde_json::Value)> = probers.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    Some(serde_json::Value::Object(sorted.into_iter().collect()).to_string())
}

pub(super) fn prober_json(
    http: Option<&HTTPGetAction>,
    tcp: Option<&IntOrString>,
    grpc: Option<(i32, Option<String>)>,
    named: &[(String, i32)],
    timeout: Option<i32>,
) -> Option<serde_json::Value> {
    let resolve = |port: &IntOrString| match port {
        IntOrString::Int(p) => serde_json::Value::from(*p),
        IntOrString::String(name) => named
            .iter()
            .find(|(n, _)| n == name)
            .map_or_else(|| serde_json::Value::from(name.clone()), |(_, p)| serde_json::Value::from(*p)),
    };
    let mut out = serde_json::Map::new();
    if let Some(h) = http {
        let mut value = serde_json::to_value(h).ok()?;
        value["port"] = resolve(&h.port);
        out.insert("httpGet".into(), value);
    } else if let Some(port) = tcp {
        out.insert("tcpSocket".into(), serde_json::json!({ "port": resolve(port) }));
    } else if let Some((port, service)) = grpc {
        let mut value = serde_json::json!({ "port": port });
        if let Some(service) = service {
            value["service"] = service.into();
        }
        out.insert("grpc".into(), value);
    } else {
        return None;
    }
    if let Some(t) = timeout {
        out.insert("timeoutSeconds".into(), t.into());
    }
    Some(serde_json::Value::Object(out))
}
