//! A seeded sampler for simulations on top of the exact shares: the same seed always gives
//! the same draws, so simulated traffic is reproducible.

use crate::decision::WeightedDestination;
use crate::mesh::Mesh;
use crate::request::Request;

/// Deterministic draws in `[0, 100)` (SplitMix64), for [`Request::random`].
///
/// # Examples
///
/// ```
/// use mesh_routing::Sampler;
///
/// let mut a = Sampler::new(7);
/// let mut b = Sampler::new(7);
/// let draw = a.next_draw();
/// assert!((0.0..100.0).contains(&draw));
/// assert_eq!(draw, b.next_draw());
/// ```
#[derive(Clone, Debug)]
pub struct Sampler {
    state: u64,
}

impl Sampler {
    /// A sampler starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next draw in `[0, 100)`.
    pub fn next_draw(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // 53 random bits as a fraction of 1, scaled to percent.
        (z >> 11) as f64 / (1u64 << 53) as f64 * 100.0
    }
}

impl Mesh {
    /// Routes `count` copies of `request`, each with the next draw of a [`Sampler`] seeded
    /// with `seed`, and counts how many reached each destination (in first-seen order).
    ///
    /// # Examples
    ///
    /// ```
    /// use mesh_routing::{Mesh, MeshSettings, Request};
    ///
    /// let loaded = mesh_api::load_str(r#"
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata: {name: web, namespace: default}
    /// spec: {hosts: [web.example.com], http: [{route: [{destination: {host: a.example.com}, weight: 90}, {destination: {host: b.example.com}, weight: 10}]}]}
    /// "#);
    /// let objects: Vec<_> = loaded.objects().cloned().collect();
    /// let mesh = Mesh::compile(&objects, &MeshSettings::default());
    /// let counts = mesh.simulate(&Request::http("web.example.com"), 1000, 42);
    /// assert_eq!(counts.iter().map(|c| c.1).sum::<usize>(), 1000);
    /// assert!(counts[0].1 > 850);
    /// ```
    pub fn simulate(&self, request: &Request, count: usize, seed: u64) -> Vec<(WeightedDestination<'_>, usize)> {
        let mut sampler = Sampler::new(seed);
        let mut counts: Vec<(WeightedDestination<'_>, usize)> = Vec::new();
        for _ in 0..count {
            let decision = self.route(&request.clone().random(sampler.next_draw()));
            let Some(d) = decision.destination() else { continue };
            match counts.iter_mut().find(|(seen, _)| *seen == d) {
                Some((_, n)) => *n += 1,
                None => counts.push((d, 1)),
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_spread_over_the_whole_range() {
        let mut s = Sampler::new(1);
        let draws: Vec<f64> = (0..10_000).map(|_| s.next_draw()).collect();
        assert!(draws.iter().all(|d| (0.0..100.0).contains(d)));
        let low = draws.iter().filter(|d| **d < 25.0).count();
        assert!((2_300..2_700).contains(&low), "{low}");
    }
}
