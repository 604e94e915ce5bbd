//! The addons' web UIs, as `istioctl dashboard` reaches them: which pod serves each (by label
//! selector), on which port, and at which path; with the `kube` cargo feature, finding the pod
//! and port-forwarding a local port to it through the API server.
//!
//! ```
//! use mesh_render::Addon;
//! use mesh_render::dashboard::Dashboard;
//!
//! let kiali = Dashboard::of(Addon::Kiali);
//! assert_eq!((kiali.selector, kiali.port), ("app=kiali", 20001));
//! assert_eq!(kiali.url(20001), "http://localhost:20001/kiali");
//! ```

use crate::addons::Addon;

/// Where one addon's web UI is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dashboard {
    /// The addon.
    pub addon: Addon,
    /// The label selector of its pods (the labels [`crate::addons`] renders).
    pub selector: &'static str,
    /// The container port the UI listens on (also the local port tried first).
    pub port: u16,
    /// The path of the UI's start page.
    pub path: &'static str,
}

impl Dashboard {
    /// The dashboard of an addon.
    pub fn of(addon: Addon) -> Dashboard {
        let (selector, port, path) = match addon {
            Addon::Kiali => ("app=kiali", 20001, "/kiali"),
            Addon::Prometheus => ("app.kubernetes.io/name=prometheus,app.kubernetes.io/component=server", 9090, ""),
            Addon::Grafana => ("app.kubernetes.io/name=grafana", 3000, ""),
            Addon::Jaeger => ("app=jaeger", 16686, ""),
        };
        Dashboard { addon, selector, port, path }
    }

    /// The address to open once a local port forwards to the UI.
    pub fn url(&self, local_port: u16) -> String {
        format!("http://localhost:{local_port}{}", self.path)
    }
}

#[cfg(feature = "kube")]
mod forward {
    use k8s_openapi::api::core::v1::Pod;
    use kube::Client;
    use kube::api::{Api, ListParams};
    use mesh_api::k8s_openapi;
    use tokio::net::TcpListener;

    use super::Dashboard;
    use crate::error::{Error, Result};
    use crate::install::cluster_refusal;

    impl Dashboard {
        /// The name of the pod serving the UI in `namespace`: the first running pod the
        /// selector matches, else the first pod.
        ///
        /// # Errors
        ///
        /// [`Error::Cluster`] when the pods cannot be listed or none matches (the addon is
        /// not installed there).
        pub async fn find_pod(&self, client: &Client, namespace: &str) -> Result<String> {
            let what = format!("{} pods in {namespace} ({})", self.addon, self.selector);
            let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
            let list = pods
                .list(&ListParams::default().labels(self.selector))
                .await
                .map_err(|e| Error::Cluster { object: what.clone(), message: cluster_refusal(&e) })?;
            let running = |p: &&Pod| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
            let pod = list.items.iter().find(running).or(list.items.first());
            pod.and_then(|p| p.metadata.name.clone()).ok_or_else(|| Error::Cluster {
                object: what,
                message: format!(
                    "no pod found; is the addon installed (`meshctl manifest generate --addons {}`)?",
                    self.addon
                ),
            })
        }

        /// Listens on `127.0.0.1:port`, or when that is taken (or `port` is `None`) on the
        /// UI's own port, else on any free port, as istioctl does.
        ///
        /// # Errors
        ///
        /// The operating system's error when no port can be bound.
        pub async fn listen(&self, port: Option<u16>) -> std::io::Result<TcpListener> {
            match port {
                Some(port) => TcpListener::bind(("127.0.0.1", port)).await,
                None => match TcpListener::bind(("127.0.0.1", self.port)).await {
                    Ok(listener) => Ok(listener),
                    Err(_) => TcpListener::bind(("127.0.0.1", 0)).await,
                },
            }
        }

        /// Forwards every connection accepted on `listener` to the UI's port of `pod`,
        /// through the API server's port-forward (a WebSocket per connection), until the
        /// listener fails.
        ///
        /// # Errors
        ///
        /// [`Error::Cluster`] when accepting fails; a connection whose forward fails is
        /// closed and the others go on.
        pub async fn forward(&self, client: &Client, namespace: &str, pod: &str, listener: TcpListener) -> Result<()> {
            let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
            let port = self.port;
            loop {
                let (mut connection, _) = listener.accept().await.map_err(|e| Error::Cluster {
                    object: format!("Pod {namespace}/{pod}"),
                    message: format!("accepting a local connection: {e}"),
                })?;
                let pods = pods.clone();
                let pod = pod.to_owned();
                tokio::spawn(async move {
                    let Ok(mut forwarder) = pods.portforward(&pod, &[port]).await else { return };
                    if let Some(mut upstream) = forwarder.take_stream(port) {
                        let _ = tokio::io::copy_bidirectional(&mut connection, &mut upstream).await;
                    }
                    let _ = forwarder.join().await;
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_addon_has_a_dashboard_on_a_port_its_pods_serve() {
        for addon in Addon::ALL {
            let d = Dashboard::of(addon);
            let objects = crate::addons::render(&[addon]).expect("addon renders");
            let yaml = crate::addons::to_yaml(&objects).expect("yaml");
            let served = [format!("containerPort: {}", d.port), format!("targetPort: {}", d.port)];
            assert!(served.iter().any(|p| yaml.contains(p)), "{addon}: port {}", d.port);
            for pair in d.selector.split(',') {
                let (k, v) = pair.split_once('=').expect("k=v");
                assert!(yaml.contains(&format!("{k}: {v}")), "{addon}: label {pair}");
            }
        }
    }

    #[test]
    fn only_kiali_has_a_start_path() {
        assert_eq!(Dashboard::of(Addon::Grafana).url(3000), "http://localhost:3000");
        assert_eq!(Dashboard::of(Addon::Kiali).url(1234), "http://localhost:1234/kiali");
    }
}
