//! `extensions.istio.io`: WasmPlugin and TrafficExtension (`v1alpha1`).

mod traffic_extension;
mod wasm_plugin;

pub use traffic_extension::{
    ExecutionPhase, LuaConfig, TrafficExtension, TrafficExtensionSpec, TrafficSelector, WasmConfig, WorkloadMode,
};
pub use wasm_plugin::{
    EnvValueSource, EnvVar, FailStrategy, PluginPhase, PluginType, PullPolicy, VmConfig, WasmPlugin, WasmPluginSpec,
};
