//! `extensions.istio.io`: WasmPlugin and TrafficExtension (`v1alpha1`).
//!
//! - [`WasmPlugin`]: a WebAssembly module added to the proxies of selected workloads.
//! - [`TrafficExtension`]: the newer form, holding either a Wasm module ([`WasmConfig`]) or
//!   inline Lua code ([`LuaConfig`]).
//!
//! # Examples
//!
//! ```
//! use mesh_api::extensions::{PluginPhase, WasmPlugin};
//! use mesh_api::Validate;
//!
//! let plugin: WasmPlugin = serde_yaml::from_str(r#"
//! apiVersion: extensions.istio.io/v1alpha1
//! kind: WasmPlugin
//! metadata: {name: openid-connect, namespace: istio-ingress}
//! spec:
//!   selector: {matchLabels: {istio: ingressgateway}}
//!   url: oci://registry.example.com/filters/openid:1.0
//!   phase: AUTHN
//!   pluginConfig: {openid_server: authn}
//! "#)?;
//! assert_eq!(plugin.spec.phase, Some(PluginPhase::Authn));
//! assert!(plugin.validate().is_empty());
//! # Ok::<(), serde_yaml::Error>(())
//! ```

mod traffic_extension;
mod wasm_plugin;

pub use traffic_extension::{
    ExecutionPhase, ExtensionPort, LuaConfig, TrafficExtension, TrafficExtensionSpec, TrafficSelector, WasmConfig,
    WorkloadMode,
};
pub use wasm_plugin::{
    EnvValueSource, EnvVar, FailStrategy, PluginPhase, PluginType, PullPolicy, VmConfig, WasmPlugin, WasmPluginSpec,
};
