//! `meshctl dashboard`: a local port forwarded to an addon's web UI in the cluster, as
//! `istioctl dashboard` does. The pod lookup and forwarding live in mesh-render; they need
//! the `kube` feature.

use std::io::{self, Write};

use mesh_render::Addon;

#[cfg(not(feature = "kube"))]
use super::UNREADABLE;

/// Arguments of `meshctl dashboard`.
///
/// Finds a pod of the addon by its labels, listens on localhost (the UI's own port unless
/// --port says otherwise, any free port when that is taken), prints the address to open, and
/// forwards every connection to the pod through the API server until interrupted. Exit 2
/// when the pod cannot be found or meshctl was built without the `kube` feature.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The addon: kiali, grafana, prometheus or jaeger.
    pub addon: Addon,
    /// The local port to listen on.
    #[arg(short = 'p', long = "port")]
    pub port: Option<u16>,
    /// The namespace the addon runs in.
    #[arg(short = 'n', long = "namespace", default_value = "istio-system")]
    pub namespace: String,
}

/// Runs `meshctl dashboard`.
pub fn run(args: &Args, out: &mut impl Write, err: &mut impl Write) -> io::Result<u8> {
    #[cfg(feature = "kube")]
    {
        use mesh_render::dashboard::Dashboard;

        use super::install::cluster;

        let dashboard = Dashboard::of(args.addon);
        let result = cluster::runtime().and_then(|runtime| {
            runtime.block_on(async {
                let client = cluster::client().await?;
                let pod = dashboard.find_pod(&client, &args.namespace).await.map_err(|e| e.to_string())?;
                let listener = dashboard.listen(args.port).await.map_err(|e| format!("cannot listen locally: {e}"))?;
                let port = listener.local_addr().map_err(|e| e.to_string())?.port();
                writeln!(out, "{}", dashboard.url(port)).map_err(|e| e.to_string())?;
                out.flush().map_err(|e| e.to_string())?;
                dashboard.forward(&client, &args.namespace, &pod, listener).await.map_err(|e| e.to_string())
            })
        });
        match result {
            Ok(()) => Ok(0),
            Err(message) => {
                writeln!(err, "meshctl: {message}")?;
                Ok(super::UNREADABLE)
            }
        }
    }
    #[cfg(not(feature = "kube"))]
    {
        let _ = (args, out);
        writeln!(err, "meshctl: {}", super::install::NO_CLUSTER)?;
        Ok(UNREADABLE)
    }
}
