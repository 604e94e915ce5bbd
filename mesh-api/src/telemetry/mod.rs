//! `telemetry.istio.io`: Telemetry (`v1`, also read as `v1alpha1`).
