//! `Object`: one typed Kubernetes or Istio object, whatever its kind, and the table of kinds
//! that mesh knows.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Namespace, Pod, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::core::DynamicObject;
use serde::Deserialize;

use crate::error::ObjectRef;
use crate::extensions::{TrafficExtension, WasmPlugin};
use crate::install::IstioOperator;
use crate::networking::{
    DestinationRule, EnvoyFilter, Gateway, ProxyConfig, ServiceEntry, Sidecar, VirtualService, WorkloadEntry,
    WorkloadGroup,
};
use crate::security::{AuthorizationPolicy, PeerAuthentication, RequestAuthentication};
use crate::telemetry::Telemetry;
use crate::validation::{Problem, Validate};
use crate::yaml::{self, DeError};

/// A kind mesh reads into its own type: every Istio kind and the Kubernetes kinds routing and
/// injection need.
pub trait Kind: Sized {
    /// The kind's name, such as `VirtualService`.
    const KIND: &'static str;
    /// The API group, empty for the Kubernetes core group.
    const GROUP: &'static str;
    /// Every version the kind is read as; the first is the one written for new objects.
    const VERSIONS: &'static [&'static str];

    /// The object, when it is of this kind.
    fn from_object(object: Object) -> Option<Self>;

    /// Wraps the typed value as an [`Object`].
    fn into_object(self) -> Object;
}

/// The `metadata`/`spec`/`status` layout every Istio kind shares, read strictly.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Envelope<S, T> {
    #[allow(dead_code)]
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    #[serde(default)]
    metadata: ObjectMeta,
    #[serde(default = "Option::default")]
    spec: Option<S>,
    #[serde(default = "Option::default")]
    status: Option<T>,
}

/// The status type a kind reads: its own, or any value for kinds that have none (refused).
macro_rules! status_type {
    ($status:ty) => {
        $status
    };
    () => {
        serde_json::Value
    };
}

/// Keeps the status read, or refuses one on a kind that has no status.
macro_rules! set_status {
    ($object:ident, $envelope:ident, $status:ty) => {
        $object.status = $envelope.status;
    };
    ($object:ident, $envelope:ident) => {
        if $envelope.status.is_some() {
            return Err(DeError {
                path: "status".into(),
                message: "this kind has no status; remove it".to_owned(),
                position: None,
            });
        }
    };
}

macro_rules! kinds {
    (
        istio { $( $variant:ident ($spec:ty $(, $status:ty)?) in $group:literal [$($version:literal),+] storage $storage:literal, )* }
        kubernetes { $( $kvariant:ident in $kgroup:literal [$kversion:literal], )* }
    ) => {
        /// One object read from YAML or built in code: a typed Istio or Kubernetes resource, or
        /// any other kind kept as a generic object.
        ///
        /// Values are boxed so the enum stays small whatever the kind.
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum Object {
            $(
                #[doc = concat!("A `", stringify!($variant), "` (`", $group, "`).")]
                $variant(Box<$variant>),
            )*
            $(
                #[doc = concat!("A Kubernetes `", stringify!($kvariant), "`.")]
                $kvariant(Box<$kvariant>),
            )*
            /// Any other kind, kept as it was read.
            Other(Box<DynamicObject>),
        }

        impl Object {
            /// The kind, such as `VirtualService`.
            pub fn kind(&self) -> &str {
                match self {
                    $( Self::$variant(_) => stringify!($variant), )*
                    $( Self::$kvariant(_) => stringify!($kvariant), )*
                    Self::Other(o) => o.types.as_ref().map_or("", |t| t.kind.as_str()),
                }
            }

            /// The API group (`networking.istio.io`, `apps`, or `""` for the core group).
            pub fn group(&self) -> &str {
                match self {
                    $( Self::$variant(_) => $group, )*
                    $( Self::$kvariant(_) => $kgroup, )*
                    Self::Other(o) => o
                        .types
                        .as_ref()
                        .and_then(|t| t.api_version.rsplit_once('/'))
                        .map_or("", |(group, _)| group),
                }
            }

            /// The object's metadata.
            pub fn metadata(&self) -> &ObjectMeta {
                match self {
                    $( Self::$variant(o) => &o.metadata, )*
                    $( Self::$kvariant(o) => &o.metadata, )*
                    Self::Other(o) => &o.metadata,
                }
            }

            /// The object's metadata, to change.
            pub fn metadata_mut(&mut self) -> &mut ObjectMeta {
                match self {
                    $( Self::$variant(o) => &mut o.metadata, )*
                    $( Self::$kvariant(o) => &mut o.metadata, )*
                    Self::Other(o) => &mut o.metadata,
                }
            }

            /// Every problem Istio's admission rules find in the object; empty for kinds Istio
            /// does not validate.
            pub fn validate(&self) -> Vec<Problem> {
                match self {
                    $( Self::$variant(o) => o.validate(), )*
                    _ => Vec::new(),
                }
            }

            /// Whether the kind is one of Istio's.
            pub fn is_istio(&self) -> bool {
                matches!(self, $( Self::$variant(_) )|*)
            }

            /// The default `apiVersion` written for this object's kind.
            pub fn default_api_version(&self) -> String {
                match self {
                    $( Self::$variant(_) => concat!($group, "/", $storage).to_owned(), )*
                    $( Self::$kvariant(_) => api_version($kgroup, $kversion), )*
                    Self::Other(o) => o.types.as_ref().map(|t| t.api_version.clone()).unwrap_or_default(),
                }
            }

            pub(crate) fn to_json(&self) -> Result<serde_json::Value, serde_json::Error> {
                match self {
                    $( Self::$variant(o) => serde_json::to_value(o), )*
                    $( Self::$kvariant(o) => serde_json::to_value(o), )*
                    Self::Other(o) => serde_json::to_value(o),
                }
            }
        }

        $(
            impl Kind for $variant {
                const KIND: &'static str = stringify!($variant);
                const GROUP: &'static str = $group;
                const VERSIONS: &'static [&'static str] = &[$storage, $($version),+];

                fn from_object(object: Object) -> Option<Self> {
                    match object {
                        Object::$variant(o) => Some(*o),
                        _ => None,
                    }
                }

                fn into_object(self) -> Object {
                    Object::$variant(Box::new(self))
                }
            }

            impl From<$variant> for Object {
                fn from(value: $variant) -> Self {
                    Object::$variant(Box::new(value))
                }
            }

            impl $variant {
                /// The CustomResourceDefinition of this kind with every version Istio serves
                /// (the derive's own `CustomResourceExt::crd` yields only the storage version).
                pub fn crd() -> k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition {
                    crate::crd::with_versions(
                        <Self as kube::CustomResourceExt>::crd(),
                        &[$($version),+],
                        $storage,
                    )
                }
            }
        )*

        $(
            impl Kind for $kvariant {
                const KIND: &'static str = stringify!($kvariant);
                const GROUP: &'static str = $kgroup;
                const VERSIONS: &'static [&'static str] = &[$kversion];

                fn from_object(object: Object) -> Option<Self> {
                    match object {
                        Object::$kvariant(o) => Some(*o),
                        _ => None,
                    }
                }

                fn into_object(self) -> Object {
                    Object::$kvariant(Box::new(self))
                }
            }

            impl From<$kvariant> for Object {
                fn from(value: $kvariant) -> Self {
                    Object::$kvariant(Box::new(value))
                }
            }
        )*

        /// Reads a document whose `apiVersion` and `kind` are known. `Ok(None)` when mesh has
        /// no type for them (the caller keeps it as a generic object).
        pub(crate) fn decode(group: &str, version: &str, kind: &str, value: &serde_json::Value) -> Result<Option<Object>, DeError> {
            match (group, kind) {
                $(
                    ($group, stringify!($variant)) => {
                        if ![$($version),+].contains(&version) {
                            return Err(unsupported_version(group, version, kind, &[$($version),+]));
                        }
                        let envelope: Envelope<$spec, status_type!($($status)?)> = yaml::from_value(value)?;
                        let spec = match envelope.spec {
                            Some(spec) => spec,
                            None => empty_spec()?,
                        };
                        let mut object = $variant::new("", spec);
                        object.metadata = envelope.metadata;
                        set_status!(object, envelope $(, $status)?);
                        Ok(Some(Object::$variant(Box::new(object))))
                    }
                )*
                $(
                    ($kgroup, stringify!($kvariant)) => {
                        if version != $kversion {
                            return Err(unsupported_version(group, version, kind, &[$kversion]));
                        }
                        Ok(Some(Object::$kvariant(Box::new(yaml::from_value::<$kvariant>(value)?))))
                    }
                )*
                _ => Ok(None),
            }
        }

        /// The JSON Schema (draft 2020-12) of every Istio kind's `spec`, by kind, for editors
        /// and other tools.
        ///
        /// # Examples
        ///
        /// ```
        /// let schemas = mesh_api::json_schemas();
        /// let (_, vs) = schemas.iter().find(|(kind, _)| *kind == "VirtualService").unwrap();
        /// assert!(vs.as_object().unwrap()["properties"].get("hosts").is_some());
        /// ```
        pub fn json_schemas() -> Vec<(&'static str, schemars::Schema)> {
            vec![ $( (stringify!($variant), schemars::schema_for!($spec)), )* ]
        }

        /// The CRDs of every Istio kind, generated once per process: they are constant data,
        /// and generating their schemas is the costly part of rendering a manifest.
        static CRDS: std::sync::LazyLock<
            Vec<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition>,
        > = std::sync::LazyLock::new(|| vec![ $( $variant::crd(), )* ]);

        /// The CRDs of every Istio kind, each with all its served versions.
        pub fn crds() -> Vec<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition> {
            CRDS.clone()
        }

        /// The same CRDs as [`crds`], borrowed: they are generated once per process and
        /// shared, so callers that keep only some of them clone only those.
        ///
        /// # Examples
        ///
        /// ```
        /// let kept: Vec<_> = mesh_api::crds_ref().iter().filter(|c| c.spec.group != "install.istio.io").collect();
        /// assert_eq!(kept.len() + 1, mesh_api::crds().len());
        /// ```
        pub fn crds_ref() -> &'static [k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition] {
            &CRDS
        }
    };
}

kinds! {
    istio {
        VirtualService(crate::networking::VirtualServiceSpec, crate::IstioStatus) in "networking.istio.io" ["v1", "v1beta1", "v1alpha3"] storage "v1",
        DestinationRule(crate::networking::DestinationRuleSpec, crate::IstioStatus) in "networking.istio.io" ["v1", "v1beta1", "v1alpha3"] storage "v1",
        Gateway(crate::networking::GatewaySpec, crate::IstioStatus) in "networking.istio.io" ["v1", "v1beta1", "v1alpha3"] storage "v1",
        ServiceEntry(crate::networking::ServiceEntrySpec, crate::IstioStatus) in "networking.istio.io" ["v1", "v1beta1", "v1alpha3"] storage "v1",
        Sidecar(crate::networking::SidecarSpec, crate::IstioStatus) in "networking.istio.io" ["v1", "v1beta1", "v1alpha3"] storage "v1",
        WorkloadEntry(crate::networking::WorkloadEntrySpec, crate::IstioStatus) in "networking.istio.io" ["v1", "v1beta1", "v1alpha3"] storage "v1",
        WorkloadGroup(crate::networking::WorkloadGroupSpec, crate::IstioStatus) in "networking.istio.io" ["v1", "v1beta1", "v1alpha3"] storage "v1",
        EnvoyFilter(crate::networking::EnvoyFilterSpec, crate::IstioStatus) in "networking.istio.io" ["v1alpha3"] storage "v1alpha3",
        ProxyConfig(crate::networking::ProxyConfigSpec, crate::IstioStatus) in "networking.istio.io" ["v1beta1"] storage "v1beta1",
        AuthorizationPolicy(crate::security::AuthorizationPolicySpec, crate::IstioStatus) in "security.istio.io" ["v1", "v1beta1"] storage "v1",
        PeerAuthentication(crate::security::PeerAuthenticationSpec, crate::IstioStatus) in "security.istio.io" ["v1", "v1beta1"] storage "v1",
        RequestAuthentication(crate::security::RequestAuthenticationSpec, crate::IstioStatus) in "security.istio.io" ["v1", "v1beta1"] storage "v1",
        Telemetry(crate::telemetry::TelemetrySpec, crate::IstioStatus) in "telemetry.istio.io" ["v1", "v1alpha1"] storage "v1alpha1",
        WasmPlugin(crate::extensions::WasmPluginSpec, crate::IstioStatus) in "extensions.istio.io" ["v1alpha1"] storage "v1alpha1",
        TrafficExtension(crate::extensions::TrafficExtensionSpec, crate::IstioStatus) in "extensions.istio.io" ["v1alpha1"] storage "v1alpha1",
        IstioOperator(crate::install::IstioOperatorSpec) in "install.istio.io" ["v1alpha1"] storage "v1alpha1",
    }
    kubernetes {
        Service in "" ["v1"],
        Pod in "" ["v1"],
        Namespace in "" ["v1"],
        Deployment in "apps" ["v1"],
        StatefulSet in "apps" ["v1"],
        DaemonSet in "apps" ["v1"],
    }
}

/// The spec of a document that has none: what an empty `spec: {}` reads as, or the error that
/// names the first required field.
fn empty_spec<S: serde::de::DeserializeOwned>() -> Result<S, DeError> {
    serde_json::from_value(serde_json::Value::Object(serde_json::Map::new())).map_err(|e| DeError {
        path: "spec".into(),
        message: format!("missing spec: {e}"),
        position: None,
    })
}

fn api_version(group: &str, version: &str) -> String {
    if group.is_empty() { version.to_owned() } else { format!("{group}/{version}") }
}

fn unsupported_version(group: &str, version: &str, kind: &str, known: &[&str]) -> DeError {
    let known: Vec<String> = known.iter().map(|v| format!("{group}/{v}")).collect();
    DeError {
        path: "apiVersion".into(),
        message: format!("{kind} is not served as {}; use one of {}", api_version(group, version), known.join(", ")),
        position: None,
    }
}

impl Object {
    /// The object's name, when set.
    pub fn name(&self) -> Option<&str> {
        self.metadata().name.as_deref()
    }

    /// The object's namespace, when set.
    pub fn namespace(&self) -> Option<&str> {
        self.metadata().namespace.as_deref()
    }

    /// Kind, namespace and name, for messages.
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            kind: self.kind().to_owned(),
            namespace: self.namespace().map(str::to_owned),
            name: self.name().map(str::to_owned),
        }
    }

    /// The typed value, when the object is of kind `K`.
    pub fn downcast<K: Kind>(self) -> Option<K> {
        K::from_object(self)
    }
}
