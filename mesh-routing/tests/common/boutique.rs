//! The Online Boutique example config as checked in (75/25 canary) and its rollback (100/0),
//! shared by the diff and graph tests.

use std::path::PathBuf;

use mesh_routing::{Mesh, MeshSettings};

pub fn boutique_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/online-boutique")
}

pub fn compile(objects: &[mesh_api::Object]) -> Mesh {
    Mesh::compile(objects, &MeshSettings::default())
}

/// Every object of the example, as checked in (75/25).
pub fn canary_objects() -> Vec<mesh_api::Object> {
    let loaded = mesh_api::load_path(boutique_dir());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    loaded.objects().cloned().collect()
}

/// The rollback: the same objects with the canary VirtualService sending everything to v1.
const ROLLBACK: &str = "\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: productcatalogservice
  namespace: istio-app
spec:
  hosts:
  - productcatalogservice
  http:
  - timeout: 5s
    retries:
      attempts: 2
      perTryTimeout: 2s
      retryOn: unavailable,resource-exhausted
    route:
    - destination:
        host: productcatalogservice
        subset: v1
        port:
          number: 3550
      weight: 100
    - destination:
        host: productcatalogservice
        subset: v2
        port:
          number: 3550
      weight: 0
";

pub fn rollback_objects() -> Vec<mesh_api::Object> {
    let loaded = mesh_api::load_str(ROLLBACK);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let replacement: Vec<_> = loaded.objects().cloned().collect();
    let mut objects: Vec<_> = canary_objects()
        .into_iter()
        .filter(|o| !(o.kind() == "VirtualService" && o.metadata().name.as_deref() == Some("productcatalogservice")))
        .collect();
    objects.extend(replacement);
    objects
}
