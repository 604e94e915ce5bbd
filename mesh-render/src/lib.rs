//! Istio installations worked out offline: the built-in profiles, the merge of overlay files
//! and `--set` flags over them that `istioctl` performs before rendering, and sidecar
//! injection.
//!
//! ```
//! use mesh_render::{Component, DumpFormat, Overlays, Profile};
//!
//! // What `istioctl profile dump demo --config-path components.egressGateways -o flags` printed.
//! let flags = Profile::named("demo")?.dump(Some("components.egressGateways"), DumpFormat::Flags)?;
//! assert_eq!(flags, "[0].enabled=true\n[0].name=\"istio-egressgateway\"\n");
//!
//! // `-f user.yaml --set ...` over the profile the file names, as a typed IstioOperator.
//! let merged = Overlays::new()
//!     .yaml("user.yaml", "spec:\n  profile: ambient\n  hub: docker.io/istio\n")?
//!     .set("values.global.logging.level=default:debug")?
//!     .merge()?;
//! assert!(merged.is_enabled(Component::Ztunnel));
//! let global = merged.operator().spec.values.as_ref().and_then(|v| v.global.as_ref()).unwrap();
//! assert_eq!(global.hub.as_deref(), Some("docker.io/istio"));
//! # Ok::<(), mesh_render::Error>(())
//! ```
//!
//! The main pieces:
//!
//! - [`Profile`]: the built-in IstioOperator profiles (`default`, `demo`, `minimal`, `empty`,
//!   `remote`, `preview`, `stable`, `ambient`, `openshift`, `openshift-ambient`, and Istio
//!   1.12's `external`), listed, merged over `default`, dumped and diffed; [`ChartProfile`]:
//!   the chart-side values that `values.profile`, the platform and the compatibility version
//!   select.
//! - [`Overlays`]: `-f` files and `--set` flags merged over a profile in Istio's order,
//!   giving a [`Merged`] configuration whose [`IstioOperator`] was checked against the schema
//!   (Helm `values` included); [`ListMerge`] picks how lists combine.
//! - [`SetFlag`]: one `--set path=value`, with Istio's path syntax and value typing.
//! - [`DumpFormat`]: YAML, JSON or flags, as `istioctl profile dump` printed (Istio 1.23).
//! - [`render`]: the Kubernetes objects of every enabled component as a [`Manifest`], in
//!   the order `kubectl apply` accepts (and reversed for deletion).
//! - [`inject`]: sidecar injection as Istio's webhook and `istioctl kube-inject` do it, with
//!   [`inject::should_inject`] stating the decision and its reason.
//! - [`verify`](mod@verify): a rendered manifest compared with the objects a cluster holds, field by
//!   field, as `istioctl verify-install` (Istio 1.23) did.
//! - [`addons`]: Istio's sample observability addons (Kiali, Prometheus, Grafana, Jaeger)
//!   as typed objects to add to an installation.
//! - [`install`]: the order an installation is applied in ([`Plan`]) and, with the `kube`
//!   feature, an `Installer` that applies, waits for rollouts and uninstalls on a cluster;
//!   [`dashboard`]: where each addon's web UI listens, and port-forwarding to it.
//! - [`Error`]: what failed, naming the file or flag and the path inside it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
pub use error::{Error, Result};

mod profile;
pub use profile::{ChartLayer, ChartProfile, Profile};

mod tree;
pub use tree::ListMerge;

mod set;
pub use set::{PathSegment, SetFlag};

mod overlays;
pub use overlays::{Component, Merged, Overlays};

mod dump;
pub use dump::DumpFormat;

#[doc(inline)]
pub use mesh_api::install::IstioOperator;

// The guide's snippets run as doc tests, so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../docs/profiles-and-overlays.md")]
struct GuideDoctests;

#[cfg(doctest)]
#[doc = include_str!("../../docs/install.md")]
struct InstallGuideDoctests;

pub mod inject;

pub mod manifest;
pub use manifest::{Manifest, render};

pub mod verify;
pub use verify::{VerifyReport, verify};

pub mod addons;
pub use addons::Addon;

pub mod install;
pub use install::Plan;

pub mod dashboard;
