//! `security.istio.io`: AuthorizationPolicy, PeerAuthentication, RequestAuthentication
//! (`v1`, also read as `v1beta1`).
