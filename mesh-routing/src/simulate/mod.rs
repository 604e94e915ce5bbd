//! Traffic simulation: many requests routed through a compiled [`Mesh`], each destination
//! answering as its [`Behaviour`] says, summed up per destination as a metrics system would
//! (count, share, success rate, latency percentiles). Deterministic for a seed.

use std::fmt;

use crate::canary::Metrics;
use crate::{Mesh, Request, Sampler};

/// How a destination answers: a base latency with an exponential tail, and an error rate.
///
/// # Examples
///
/// ```
/// use mesh_routing::Behaviour;
///
/// let slow = Behaviour::new(20.0).added_latency_ms(3_000.0).error_rate(0.5);
/// assert_eq!(slow.latency_ms, 3_020.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Behaviour {
    /// Latency every request has, in milliseconds.
    pub latency_ms: f64,
    /// Mean of the random extra latency (exponentially distributed), in milliseconds.
    pub jitter_ms: f64,
    /// Percent of requests answered with an error.
    pub error_rate: f64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self::new(10.0)
    }
}

impl Behaviour {
    /// A healthy destination with `latency_ms` base latency, a jitter of a fifth of it, and
    /// no errors.
    pub fn new(latency_ms: f64) -> Self {
        Self { latency_ms, jitter_ms: latency_ms / 5.0, error_rate: 0.0 }
    }

    /// Adds fixed latency (a fault, a slow version).
    pub fn added_latency_ms(mut self, ms: f64) -> Self {
        self.latency_ms += ms;
        self
    }

    /// Sets the mean random extra latency.
    pub fn jitter_ms(mut self, ms: f64) -> Self {
        self.jitter_ms = ms;
        self
    }

    /// Sets the percent of requests that fail.
    pub fn error_rate(mut self, percent: f64) -> Self {
        self.error_rate = percent;
        self
    }
}

/// A simulation: how many requests, the seed, and who behaves how.
///
/// # Examples
///
/// ```
/// use mesh_routing::{Behaviour, Mesh, MeshSettings, Request, Simulation};
///
/// let loaded = mesh_api::load_str(r#"
/// apiVersion: networking.istio.io/v1
/// kind: VirtualService
/// metadata: {name: web, namespace: default}
/// spec: {hosts: [web.example.com], http: [{route: [{destination: {host: web.example.com, subset: v1}, weight: 75}, {destination: {host: web.example.com, subset: v2}, weight: 25}]}]}
/// "#);
/// let objects: Vec<_> = loaded.objects().cloned().collect();
/// let mesh = Mesh::compile(&objects, &MeshSettings::default());
/// let report = Simulation::new(10_000, 7)
///     .subset("v2", Behaviour::new(20.0).added_latency_ms(3_000.0))
///     .run(&mesh, &[Request::http("web.example.com")]);
/// let v2 = report.subset("v2").unwrap();
/// assert!((v2.share - 25.0).abs() < 1.5);
/// assert!(v2.p50_ms > 3_000.0);
/// println!("{report}");
/// ```
#[derive(Clone, Debug)]
pub struct Simulation {
    requests: usize,
    seed: u64,
    default: Behaviour,
    models: Vec<(Option<String>, Option<String>, Behaviour)>,
}

impl Simulation {
    /// `requests` requests drawn with a [`Sampler`] seeded with `seed`; every destination
    /// answers with [`Behaviour::default`] unless told otherwise.
    pub fn new(requests: usize, seed: u64) -> Self {
        Self { requests, seed, default: Behaviour::default(), models: Vec::new() }
    }

    /// The behaviour of destinations no other model covers.
    pub fn default_behaviour(mut self, behaviour: Behaviour) -> Self {
        self.default = behaviour;
        self
    }

    /// The behaviour of every destination in subset `subset` (any host).
    pub fn subset(mut self, subset: &str, behaviour: Behaviour) -> Self {
        self.models.push((None, Some(subset.to_owned()), behaviour));
        self
    }

    /// The behaviour of `host` (fully qualified), in `subset` or in all of them.
    pub fn host(mut self, host: &str, subset: Option<&str>, behaviour: Behaviour) -> Self {
        self.models.push((Some(host.to_owned()), subset.map(str::to_owned), behaviour));
        self
    }

    fn behaviour(&self, host: &str, subset: Option<&str>) -> Behaviour {
        // Most specific first: host and subset, host, subset.
        let score = |(h, s, _): &&(Option<String>, Option<String>, Behaviour)| {
            let host_ok = h.as_deref().is_none_or(|h| h == host);
            let subset_ok = s.as_deref().is_none_or(|s| Some(s) == subset);
            (host_ok && subset_ok).then_some(u8::from(h.is_some()) * 2 + u8::from(s.is_some()))
        };
        self.models
            .iter()
            .filter_map(|m| score(&m).map(|s| (s, m.2)))
            .max_by_key(|(s, _)| *s)
            .map_or(self.default, |(_, b)| b)
    }

    /// Sends the requests, cycling through `requests` in order, and reports per
    /// destination. A request that times out (the route's timeout) counts as failed.
    pub fn run(&self, mesh: &Mesh, requests: &[Request]) -> TrafficReport {
        let mut sampler = Sampler::new(self.seed);
        // host, subset, port, latencies, failures
        type Row = (String, Option<String>, u32, Vec<f64>, usize);
        let mut rows: Vec<Row> = Vec::new();
        let mut unrouted = 0;
        for i in 0..self.requests {
            let Some(template) = requests.get(i % requests.len().max(1)) else { break };
            let route_draw = sampler.next_draw();
            let error_draw = sampler.next_draw();
            let latency_draw = sampler.next_draw() / 100.0;
            let decision = mesh.route(&template.clone().random(route_draw));
            let Some(d) = decision.destination() else {
                unrouted += 1;
                continue;
            };
            let b = self.behaviour(d.host, d.subset);
            let mut latency = b.latency_ms + b.jitter_ms * -(1.0 - latency_draw).ln();
            let mut failed = error_draw < b.error_rate;
            if let Some(limit) = decision.timeout().map(|t| t.as_secs_f64() * 1000.0).filter(|l| *l > 0.0)
                && latency > limit
            {
                latency = limit;
                failed = true;
            }
            let idx = match rows.iter().position(|r| r.0 == d.host && r.1.as_deref() == d.subset && r.2 == d.port) {
                Some(idx) => idx,
                None => {
                    rows.push((d.host.to_owned(), d.subset.map(str::to_owned), d.port, Vec::new(), 0));
                    rows.len() - 1
                }
            };
            rows[idx].3.push(latency);
            rows[idx].4 += usize::from(failed);
        }
        let total = self.requests;
        let destinations = rows
            .into_iter()
            .map(|(host, subset, port, mut latencies, failures)| {
                latencies.sort_by(f64::total_cmp);
                let count = latencies.len();
                DestinationStats {
                    host,
                    subset,
                    port,
                    count,
                    share: percent(count, total),
                    success_rate: 100.0 - percent(failures, count),
                    p50_ms: percentile(&latencies, 50.0),
                    p90_ms: percentile(&latencies, 90.0),
                    p99_ms: percentile(&latencies, 99.0),
                    latencies,
                }
            })
            .collect();
        TrafficReport { requests: total, unrouted, destinations }
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 }
}

/// Nearest-rank percentile of sorted values (0 when empty).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// What one destination saw.
#[derive(Clone, Debug, PartialEq)]
pub struct DestinationStats {
    /// Fully qualified host.
    pub host: String,
    /// Subset, if any.
    pub subset: Option<String>,
    /// Port.
    pub port: u32,
    /// Requests it received.
    pub count: usize,
    /// Its share of all requests sent, in percent.
    pub share: f64,
    /// Percent of its requests that succeeded.
    pub success_rate: f64,
    /// Median latency, in milliseconds.
    pub p50_ms: f64,
    /// 90th percentile latency, in milliseconds.
    pub p90_ms: f64,
    /// 99th percentile latency, in milliseconds.
    pub p99_ms: f64,
    latencies: Vec<f64>,
}

impl DestinationStats {
    /// Any latency percentile, in milliseconds.
    pub fn latency_ms(&self, percentile_: f64) -> f64 {
        percentile(&self.latencies, percentile_)
    }
}

/// A simulation's result, per destination in first-seen order. It implements
/// [`Metrics`] by subset name, so it can feed a canary's analysis; `Display` prints a table.
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficReport {
    /// Requests sent.
    pub requests: usize,
    /// Requests that reached no destination (not found, redirected, answered directly).
    pub unrouted: usize,
    /// Per destination.
    pub destinations: Vec<DestinationStats>,
}

impl TrafficReport {
    /// The first destination in `subset`.
    pub fn subset(&self, subset: &str) -> Option<&DestinationStats> {
        self.destinations.iter().find(|d| d.subset.as_deref() == Some(subset))
    }
}

impl Metrics for TrafficReport {
    fn success_rate(&self, subset: &str) -> Option<f64> {
        self.subset(subset).filter(|d| d.count > 0).map(|d| d.success_rate)
    }

    fn latency_ms(&self, subset: &str, percentile: f64) -> Option<f64> {
        self.subset(subset).filter(|d| d.count > 0).map(|d| d.latency_ms(percentile))
    }

    fn metric(&self, name: &str, subset: &str) -> Option<f64> {
        let d = self.subset(subset)?;
        match name {
            "request-count" => Some(d.count as f64),
            "share" => Some(d.share),
            _ => None,
        }
    }
}

impl fmt::Display for TrafficReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self
            .destinations
            .iter()
            .map(|d| {
                format!("{}{}:{}", d.host, d.subset.as_deref().map(|s| format!("/{s}")).unwrap_or_default(), d.port)
            })
            .collect();
        let width = names.iter().map(String::len).chain([11]).max().unwrap_or(11);
        writeln!(
            f,
            "{:<width$}  {:>7}  {:>6}  {:>8}  {:>9}  {:>9}  {:>9}",
            "destination", "count", "share", "success", "p50", "p90", "p99"
        )?;
        for (d, name) in self.destinations.iter().zip(&names) {
            writeln!(
                f,
                "{name:<width$}  {:>7}  {:>5.1}%  {:>7.2}%  {:>7.0}ms  {:>7.0}ms  {:>7.0}ms",
                d.count, d.share, d.success_rate, d.p50_ms, d.p90_ms, d.p99_ms
            )?;
        }
        if self.unrouted > 0 {
            writeln!(f, "{:<width$}  {:>7}", "(not routed)", self.unrouted)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&[], 99.0), 0.0);
    }

    #[test]
    fn the_most_specific_model_wins() {
        let s = Simulation::new(1, 1)
            .subset("v2", Behaviour::new(1.0))
            .host("a.example.com", Some("v2"), Behaviour::new(2.0))
            .host("a.example.com", None, Behaviour::new(3.0));
        assert_eq!(s.behaviour("a.example.com", Some("v2")).latency_ms, 2.0);
        assert_eq!(s.behaviour("a.example.com", Some("v1")).latency_ms, 3.0);
        assert_eq!(s.behaviour("b.example.com", Some("v2")).latency_ms, 1.0);
        assert_eq!(s.behaviour("b.example.com", None).latency_ms, 10.0);
    }
}
