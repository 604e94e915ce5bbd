//! `meshctl route -f PATH... --host H [--port P] [--protocol ...] [--header k=v]... [-o text|yaml|json]`:
//! where one request goes, and why.

use std::io::{self, Write};

use mesh_routing::{Mesh, MeshSettings, Request};

use super::{INVALID, Inputs, Output, UNREADABLE, load_error_code};

/// The protocol a request is sent with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Protocol {
    /// Plain HTTP (port 80 by default).
    #[default]
    Http,
    /// HTTPS terminated by a gateway (port 443 by default).
    Https,
    /// gRPC.
    Grpc,
    /// TLS routed by SNI, not terminated (port 443 by default).
    Tls,
    /// Opaque TCP (port 80 by default).
    Tcp,
}

/// Arguments of `meshctl route`.
///
/// Prints the decision (outcome, VirtualService and rule, destinations and shares, timeout,
/// retries, ...) after the steps that led to it. Exit status: 0 when the objects load, 1
/// when some do not (the rest still route; each problem is printed on stderr), 2 when a
/// path cannot be read or the command line is wrong.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// Host (or :authority) the client sends; for tcp, may be the IP address dialled.
    #[arg(long)]
    host: String,
    /// Port dialled: the service port, or a gateway server's port number.
    #[arg(long)]
    port: Option<u32>,
    /// Protocol of the request.
    #[arg(long, value_enum, default_value_t = Protocol::Http)]
    protocol: Protocol,
    /// HTTP method.
    #[arg(long)]
    method: Option<String>,
    /// Path, with an optional `?query`.
    #[arg(long)]
    path: Option<String>,
    /// A request header, as `name=value` (repeatable).
    #[arg(long = "header", value_name = "NAME=VALUE", value_parser = key_value)]
    headers: Vec<(String, String)>,
    /// TLS server name (defaults to the host).
    #[arg(long)]
    sni: Option<String>,
    /// Namespace of the calling workload.
    #[arg(long = "source-namespace", value_name = "NS")]
    source_namespace: Option<String>,
    /// A label of the calling workload, as `key=value` (repeatable).
    #[arg(long = "source-label", value_name = "KEY=VALUE", value_parser = key_value)]
    source_labels: Vec<(String, String)>,
    /// Enter through the pods of this Gateway (`namespace/name`) instead of a sidecar.
    #[arg(long, value_name = "NS/NAME")]
    gateway: Option<String>,
    /// A draw in [0, 100) that picks one destination of a weighted split.
    #[arg(long, value_name = "R", value_parser = draw)]
    random: Option<f64>,
    /// An Istio MeshConfig file: its `rootNamespace` and `outboundTrafficPolicy.mode` apply.
    #[arg(long = "meshConfigFile", value_name = "FILE")]
    mesh_config_file: Option<std::path::PathBuf>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Output::Text)]
    output: Output,
}

fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("{text:?} is not of the form key=value")),
    }
}

fn draw(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..100.0).contains(&value) { Ok(value) } else { Err(format!("{value} is not in [0, 100)")) }
}

impl Args {
    fn request(&self) -> Request {
        let host = self.host.as_str();
        let mut r = match self.protocol {
            Protocol::Http => Request::http(host),
            Protocol::Https => Request::https(host),
            Protocol::Grpc => Request::grpc(host),
            Protocol::Tls => Request::tls(host, self.port.unwrap_or(443)),
            Protocol::Tcp => Request::tcp(host, self.port.unwrap_or(80)),
        };
        if let Some(p) = self.port {
            r = r.port(p);
        }
        if let Some(m) = &self.method {
            r = r.method(m);
        }
        if let Some(p) = &self.path {
            r = r.path(p);
        }
        for (k, v) in &self.headers {
            r = r.header(k, v);
        }
        if let Some(s) = &self.sni {
            r = r.sni(s);
        }
        if let Some(ns) = &self.source_namespace {
            r = r.source_namespace(ns);
        }
        for (k, v) in &self.source_labels {
            r = r.source_label(k, v);
        }
        if let Some(g) = &self.gateway {
            r = r.gateway(g);
        }
        if let Some(x) = self.random {
            r = r.random(x);
        }
        r
    }
}

/// Loads the objects, routes the request and prints the decision.
pub fn run(args: &Args, out: &mut impl Write, err: &mut impl Write) -> io::Result<u8> {
    let loaded = args.inputs.load();
    let code = load_error_code(&loaded);
    for e in &loaded.errors {
        writeln!(err, "{e}")?;
    }
    if code == UNREADABLE {
        return Ok(code);
    }
    let settings = match &args.mesh_config_file {
        None => MeshSettings::default(),
        Some(path) => {
            let text = match std::fs::read_to_string(path) {
                Ok(text) => text,
                Err(e) => {
                    writeln!(err, "{}: {e}", path.display())?;
                    return Ok(UNREADABLE);
                }
            };
            match mesh_api::parse_yaml::<mesh_api::install::MeshConfig>(&text) {
                Ok(mc) => MeshSettings::from_mesh_config(&mc),
                Err(e) => {
                    let message = e.to_string();
                    let message = message.strip_prefix("<input>").unwrap_or(&message);
                    writeln!(err, "{}{message}", path.display())?;
                    return Ok(INVALID);
                }
            }
        }
    };
    let objects: Vec<_> = loaded.objects().cloned().collect();
    let mesh = Mesh::compile(&objects, &settings);
    for w in mesh.warnings() {
        writeln!(err, "warning: {w}")?;
    }
    let view = mesh.route(&args.request()).view();
    match args.output {
        Output::Text => write!(out, "{view}")?,
        data => data.write_data(&view, out)?,
    }
    Ok(if code == 0 { 0 } else { INVALID })
}
