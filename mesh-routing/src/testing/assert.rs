//! One-line routing assertions for Rust tests: `mesh.assert(request).goes_to("reviews", "v2")`.

use crate::decision::{Decision, Outcome};
use crate::mesh::Mesh;
use crate::request::Request;

/// Checks on one decision; each panics with the decision's explanation when it fails, and
/// returns `self` so checks chain.
#[derive(Debug)]
pub struct RouteAssert<'m> {
    decision: Decision<'m>,
}

impl Mesh {
    /// Routes `request` and starts one-line checks on the decision.
    ///
    /// # Examples
    ///
    /// ```
    /// use mesh_routing::{Mesh, MeshSettings, Outcome, Request};
    ///
    /// let loaded = mesh_api::load_str(r#"
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: reviews, namespace: default}
    /// spec: {ports: [{name: http, port: 80}]}
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata: {name: reviews, namespace: default}
    /// spec:
    ///   hosts: [reviews]
    ///   http:
    ///   - match: [{headers: {end-user: {exact: jason}}}]
    ///     route: [{destination: {host: reviews, subset: v2}}]
    ///   - route: [{destination: {host: reviews, subset: v1}}]
    /// "#);
    /// let objects: Vec<_> = loaded.objects().cloned().collect();
    /// let mesh = Mesh::compile(&objects, &MeshSettings::default());
    /// mesh.assert(Request::http("reviews").header("end-user", "jason")).goes_to("reviews", "v2");
    /// mesh.assert(Request::http("reviews")).outcome(Outcome::Route).decided_by("default/reviews").goes_to("reviews", "v1");
    /// ```
    pub fn assert(&self, request: Request) -> RouteAssert<'_> {
        RouteAssert { decision: self.route(&request) }
    }
}

impl<'m> RouteAssert<'m> {
    /// The decision checked.
    pub fn decision(&self) -> &Decision<'m> {
        &self.decision
    }

    #[track_caller]
    fn fail(&self, what: String) -> ! {
        panic!("{what}\n{}", self.decision.explain())
    }

    fn qualify(&self, host: &str) -> String {
        let d = &self.decision;
        let ns = d.virtual_service().map_or(d.request().source_namespace_name(), |v| v.namespace);
        crate::matchers::host::qualify(host, ns, &d.mesh.settings.cluster_domain)
    }

    /// The outcome is `outcome`.
    #[track_caller]
    pub fn outcome(self, outcome: Outcome) -> Self {
        if self.decision.outcome() != outcome {
            self.fail(format!("expected outcome {outcome}, got {}", self.decision.outcome()));
        }
        self
    }

    /// The request goes to `host` (short names are qualified as in route test files) and
    /// `subset` (`""` for none); a split needs [`Request::random`].
    #[track_caller]
    pub fn goes_to(self, host: &str, subset: &str) -> Self {
        let want = self.qualify(host);
        let subset = (!subset.is_empty()).then_some(subset);
        match self.decision.destination() {
            Some(d) if d.host == want && d.subset == subset => self,
            other => {
                let got = other.map_or_else(|| "no single destination".to_owned(), |d| d.cluster());
                self.fail(format!("expected {want} subset {}, got {got}", subset.unwrap_or("-")))
            }
        }
    }

    /// The deciding VirtualService is `namespace/name`.
    #[track_caller]
    pub fn decided_by(self, virtual_service: &str) -> Self {
        let got = self.decision.virtual_service().map(|v| v.to_string());
        if got.as_deref() != Some(virtual_service) {
            self.fail(format!(
                "expected VirtualService {virtual_service}, got {}",
                got.unwrap_or_else(|| "none".into())
            ));
        }
        self
    }

    /// The deciding rule splits traffic as `(subset, percent)` pairs, in order.
    #[track_caller]
    pub fn split(self, expected: &[(&str, f64)]) -> Self {
        let got: Vec<(&str, f64)> = self.decision.destinations().map(|d| (d.subset.unwrap_or(""), d.weight)).collect();
        let same = got.len() == expected.len()
            && got.iter().zip(expected).all(|(g, e)| g.0 == e.0 && (g.1 - e.1).abs() <= 0.01);
        if !same {
            self.fail(format!("expected split {expected:?}, got {got:?}"));
        }
        self
    }
}
