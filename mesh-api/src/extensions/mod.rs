//! `extensions.istio.io`: WasmPlugin and TrafficExtension (`v1alpha1`).
