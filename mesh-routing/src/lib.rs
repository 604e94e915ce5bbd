//! Istio's routing decisions as a pure engine: given a snapshot of Istio and Kubernetes
//! objects, where does a request go, and what happens to it on the way?
//!
//! ```
//! use mesh_routing::{Mesh, MeshSettings, Outcome, Request};
//!
//! let loaded = mesh_api::load_str(r#"
//! apiVersion: v1
//! kind: Service
//! metadata: {name: reviews, namespace: default}
//! spec: {ports: [{name: http, port: 9080}], selector: {app: reviews}}
//! ---
//! apiVersion: networking.istio.io/v1
//! kind: DestinationRule
//! metadata: {name: reviews, namespace: default}
//! spec:
//!   host: reviews
//!   subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
//! ---
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata: {name: reviews, namespace: default}
//! spec:
//!   hosts: [reviews]
//!   http:
//!   - match: [{headers: {end-user: {exact: jason}}}]
//!     route: [{destination: {host: reviews, subset: v2}}]
//!   - route: [{destination: {host: reviews, subset: v1}}]
//! "#);
//! let objects: Vec<_> = loaded.objects().cloned().collect();
//! let mesh = Mesh::compile(&objects, &MeshSettings::default()); // once per snapshot
//!
//! let d = mesh.route(&Request::http("reviews").port(9080).header("end-user", "jason"));
//! assert_eq!(d.outcome(), Outcome::Route);
//! assert_eq!(d.destination().unwrap().subset, Some("v2"));
//! assert_eq!(d.virtual_service().unwrap().to_string(), "default/reviews");
//! println!("{}", d.explain());
//! ```
//!
//! The main pieces, in the order a program meets them:
//!
//! - [`Mesh::compile`] turns objects and [`MeshSettings`] into an immutable, `Send + Sync`
//!   [`Mesh`]; what it cannot use is kept as [`Mesh::warnings`] ([`CompileWarning`]).
//! - [`Request`] describes what a client sends ([`Request::http`], [`Request::grpc`],
//!   [`Request::tls`], [`Request::tcp`], then setters).
//! - [`Mesh::route`] returns a [`Decision`] borrowing from the mesh: [`Outcome`], deciding
//!   VirtualService and rule, destinations with shares, timeout, retries, fault, mirrors,
//!   redirect, rewrite, direct response, header operations, DestinationRule policy,
//!   endpoints, warnings, and [`Decision::explain`]. [`Mesh::decide`] decides the same way
//!   but borrows the request instead of copying it: no allocation, for hot loops.
//! - [`Sampler`] and [`Mesh::simulate`] give reproducible simulated traffic on top of the
//!   exact shares.
//! - [`Decision::view`] gives the decision as owned, serializable data ([`DecisionView`]).
//! - [`Simulation`] sends many requests through a mesh with per-destination
//!   [`Behaviour`]s and reports counts, shares, success rates and latency percentiles.
//! - [`canary`] rolls a service out over subsets: [`Canary`], [`Rollout`], [`CanaryState`];
//!   with the `kube` feature, `canary::KubeApplier` applies each transition to a cluster by
//!   server-side apply and reads the objects a rollout starts from.
//! - [`testing`] runs route test files (requests and where they must go) from `cargo test`.
//! - [`diff()`] compares two meshes over the requests [`representative_requests`] derives from
//!   their rules: a [`RoutingDiff`] of shares that move, requests routed differently, and rules
//!   added or removed, per host.
//! - [`analyze()`] checks a snapshot the way `istioctl analyze` does and returns [`Message`]s
//!   with istioctl's codes, levels and wording (the [`analyze::ANALYZERS`] table), plus
//!   mesh's own routing-table checks (`MESH0001`…, [`analyze::beyond`]).
//! - [`graph()`] draws the routing as a [`TrafficGraph`] (Graphviz DOT or Mermaid).
//!
//! The rules followed are those of the project's routing contract (`routing.md`), named by
//! id (H1, S4, P5, ...) in the tests that show them.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod matchers;

mod settings;
pub use settings::{MeshSettings, OutboundTrafficPolicy};

mod error;
pub use error::{CompileWarning, TestFileError};

mod compile;
mod mesh;
mod policy;
pub use mesh::Mesh;

mod request;
pub use request::{Protocol, Request};

mod route;

mod decision;
pub use decision::{
    DEFAULT_RETRY_ON, Decision, DirectResponse, Fault, HeaderOps, Mirror, Outcome, Redirect, RetryPolicy, Rewrite,
    RuleKind, RuleRef, VirtualServiceRef, WeightedDestination,
};

mod explain;
pub use explain::Explanation;

mod view;
pub use view::{
    AbortView, DecisionView, DelayView, DestinationView, DirectResponseView, FaultView, HeadersView, MirrorView,
    RedirectView, RetriesView, RewriteView, RuleView,
};

mod sampler;
pub use sampler::Sampler;

mod simulate;
pub use simulate::{Behaviour, DestinationStats, Simulation, TrafficReport};

pub mod analyze;
pub use analyze::{Message, MessageLevel, analyze};

pub mod canary;
pub use canary::{Canary, CanaryState, Rollout};

pub mod diff;
pub use diff::{RoutingDiff, SampleRequest, diff, representative_requests};

pub mod graph;
pub use graph::{TrafficGraph, graph};

pub mod testing;

// The guide's snippets run as doc tests, so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../docs/route-tests.md")]
struct GuideDoctests;

#[cfg(doctest)]
#[doc = include_str!("../../docs/routing.md")]
struct RoutingGuideDoctests;

#[cfg(doctest)]
#[doc = include_str!("../../docs/canary.md")]
struct CanaryGuideDoctests;

#[cfg(doctest)]
#[doc = include_str!("../../docs/getting-started.md")]
struct GettingStartedDoctests;

#[cfg(doctest)]
#[doc = include_str!("../../docs/architecture.md")]
struct ArchitectureDoctests;

#[cfg(doctest)]
#[doc = include_str!("../../docs/analyze.md")]
struct AnalyzeGuideDoctests;

// The cluster guide's Rust snippets need the `kube` feature; with it they compile as doc tests.
#[cfg(all(doctest, feature = "kube"))]
#[doc = include_str!("../../docs/kubernetes.md")]
struct KubernetesGuideDoctests;

#[doc(inline)]
pub use mesh_api::Object;
#[doc(inline)]
pub use mesh_api::networking::TrafficPolicy;
