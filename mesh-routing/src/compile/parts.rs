//! The first step of [`crate::Mesh::compile`]: each object validated and compiled on its own,
//! sorted by kind, leaving out objects that a later one of the same kind, namespace and name
//! replaces, as applying the files in order (`kubectl apply -f a.yaml -f b.yaml`) would.

use std::collections::HashMap;

use foldhash::fast::FixedState;
use mesh_api::networking::ServiceEntry;
use mesh_api::{Level, Object};

use super::destination_rule::{self, CompiledDr};
use super::gateway::{self, CompiledGateway};
use super::registry::{self, Service, Workload};
use super::sidecar::{self, CompiledSidecar};
use super::virtual_service::{self, CompiledVs, Ctx, Names};
use crate::error::CompileWarning;
use crate::matchers::string::RegexCache;

/// Objects are read in blocks of this many: the names of a block, read to find replacements,
/// are still in cache when its objects are compiled right after.
const BLOCK: usize = 256;

/// A ServiceEntry with its namespace and creation time, merged with the others later.
pub(crate) type Entry<'a> = (&'a ServiceEntry, &'a str, Option<i128>);

/// Every object compiled on its own, by kind, with the warnings that gave.
#[derive(Default)]
pub(crate) struct Parts<'a> {
    pub(crate) warnings: Vec<CompileWarning>,
    pub(crate) services: Vec<Service>,
    pub(crate) entries: Vec<Entry<'a>>,
    /// ExternalName Services: the alias and the host it names.
    pub(crate) aliases: Vec<(String, String)>,
    pub(crate) workloads: Vec<Workload>,
    pub(crate) virtual_services: Vec<CompiledVs>,
    pub(crate) destination_rules: Vec<CompiledDr>,
    pub(crate) gateways: Vec<CompiledGateway>,
    pub(crate) sidecars: Vec<CompiledSidecar>,
}

/// Kind, namespace and name.
type Key<'a> = (&'a str, &'a str, &'a str);

/// What is known of replacements while compiling.
enum Replacements<'a> {
    /// Found block by block, as long as no object replaces one of an earlier block.
    Scanning(Scan<'a>),
    /// For each object, whether a later one replaces it.
    Known(Vec<bool>),
}

/// The names seen so far, and which objects of the current block are replaced.
struct Scan<'a> {
    last: HashMap<Key<'a>, usize, FixedState>,
    replaced: Vec<bool>,
}

impl<'a> Scan<'a> {
    fn new(objects: usize) -> Self {
        Scan { last: HashMap::with_capacity_and_hasher(objects, FixedState::default()), replaced: Vec::new() }
    }

    /// Which objects of `block` (starting at `start`) a later object of the block replaces, or
    /// `None` when an object of the block replaces one of an earlier block, already compiled.
    fn block(&mut self, block: &'a [Object], start: usize) -> Option<&[bool]> {
        self.replaced.clear();
        self.replaced.resize(block.len(), false);
        // A tight loop of its own: its cache misses overlap, where inside the compile below
        // each would wait on its own.
        for (i, object) in block.iter().enumerate() {
            let key = key(object);
            if !key.2.is_empty()
                && let Some(earlier) = self.last.insert(key, start + i)
            {
                *self.replaced.get_mut(earlier.checked_sub(start)?)? = true;
            }
        }
        Some(&self.replaced)
    }
}

impl<'a> Parts<'a> {
    /// Compiles every object no later object replaces.
    pub(crate) fn compile(objects: &'a [Object], domain: &str) -> Self {
        // Replacements are found a block at a time, so that each name is read while it is in
        // cache for the rest of its object's compile: a first pass over every name read them
        // all twice once the mesh outgrew the caches. Nearly always no object replaces another;
        // when one replaces an object of an earlier block, the objects are compiled again,
        // knowing from the start which are replaced.
        let mut replacements = Replacements::Scanning(Scan::new(objects.len()));
        loop {
            if let Some(parts) = Self::compile_with(objects, domain, &mut replacements) {
                return parts;
            }
            replacements = Replacements::Known(replaced(objects));
        }
    }

    /// Compiles the objects, or gives `None` while scanning on finding an object that replaces
    /// one of an earlier block.
    fn compile_with(objects: &'a [Object], domain: &str, replacements: &mut Replacements<'a>) -> Option<Self> {
        let mut parts = Parts::default();
        let mut regexes = RegexCache::default();
        let mut names = Names::default();
        for (b, block) in objects.chunks(BLOCK).enumerate() {
            let start = b * BLOCK;
            let replaced: &[bool] = match replacements {
                Replacements::Scanning(scan) => scan.block(block, start)?,
                Replacements::Known(all) => all.get(start..start + block.len())?,
            };
            for (object, &replaced_by) in block.iter().zip(replaced) {
                parts.add(object, replaced_by, domain, &mut regexes, &mut names);
            }
        }
        Some(parts)
    }

    /// Validates and compiles one object, or notes why it is left out.
    fn add(
        &mut self,
        object: &'a Object,
        replaced_by: bool,
        domain: &str,
        regexes: &mut RegexCache,
        names: &mut Names,
    ) {
        let (kind, namespace, name) = key(object);
        // Written only for a warning: most objects have none.
        let label = || format!("{kind} {namespace}/{name}");
        if replaced_by {
            if object.is_istio() {
                self.warnings.push(CompileWarning {
                    object: label(),
                    field: String::new(),
                    message: format!(
                        "replaced by a later {kind} with the same namespace and name, as applying them in order would"
                    ),
                });
            }
            return;
        }
        if object.is_istio() {
            let errors: Vec<_> = object.validate().into_iter().filter(|p| p.level == Level::Error).collect();
            if !errors.is_empty() {
                for p in errors {
                    self.warnings.push(CompileWarning {
                        object: label(),
                        field: p.path.to_string(),
                        message: format!("{}; Istio rejects this object, so it is not used", p.message),
                    });
                }
                return;
            }
        }
        let age = age(object);
        match object {
            Object::VirtualService(vs) => {
                let mut ctx = Ctx {
                    object: &label,
                    namespace,
                    domain,
                    warnings: &mut self.warnings,
                    regexes,
                    names,
                    last_host: Default::default(),
                };
                self.virtual_services.push(virtual_service::compile(vs, namespace, age, &mut ctx));
            }
            Object::DestinationRule(dr) => {
                self.destination_rules.push(destination_rule::compile(dr, namespace, domain, age))
            }
            Object::Gateway(gw) => self.gateways.push(gateway::compile(gw, namespace, age)),
            Object::Sidecar(sc) => self.sidecars.push(sidecar::compile(sc, namespace, domain, age)),
            Object::ServiceEntry(se) => self.entries.push((&**se, namespace, age)),
            Object::Service(svc) => match registry::from_kube(svc, namespace, domain, age) {
                Some(s) => self.services.push(s),
                None => {
                    if let Some(target) = registry::external_name(svc) {
                        self.aliases.push((
                            format!("{name}.{namespace}.svc.{domain}"),
                            target.trim_end_matches('.').to_ascii_lowercase(),
                        ));
                    }
                }
            },
            Object::Pod(pod) => self.workloads.push(registry::from_pod(pod, namespace)),
            Object::Deployment(d) => self.workloads.push(registry::from_deployment(d, namespace)),
            _ => {}
        }
    }
}

/// An object's kind, namespace (`default` when none is written) and name.
fn key(object: &Object) -> Key<'_> {
    let metadata = object.metadata();
    (object.kind(), metadata.namespace.as_deref().unwrap_or("default"), metadata.name.as_deref().unwrap_or(""))
}

/// For each object, whether a later object of the same kind, namespace and name replaces it.
fn replaced(objects: &[Object]) -> Vec<bool> {
    let mut scan = Scan::new(objects.len());
    // One block of every object, so no replacement reaches back into an earlier block.
    scan.block(objects, 0);
    scan.replaced
}

fn age(object: &Object) -> Option<i128> {
    object.metadata().creation_timestamp.as_ref().map(|t| t.0.as_nanosecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(yaml: &str) -> Vec<Object> {
        mesh_api::load_str(yaml).objects().cloned().collect()
    }

    const INVALID_CART: &str = r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cart, namespace: shop}
spec: {hosts: [cart], http: [{match: [{uri: {regex: "("}}], route: [{destination: {host: cart}}]}]}
"#;

    const VALID_CART: &str = r"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cart, namespace: shop}
spec: {hosts: [cart], http: [{route: [{destination: {host: cart}}]}]}
";

    fn only_the_replacement_is_reported(parts: &Parts<'_>) {
        assert_eq!(parts.virtual_services.len(), 1);
        let messages: Vec<_> = parts.warnings.iter().map(|w| (w.object.as_str(), w.message.as_str())).collect();
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert_eq!(messages[0].0, "VirtualService shop/cart");
        assert!(messages[0].1.starts_with("replaced by a later VirtualService"), "{messages:?}");
    }

    #[test]
    fn a_replaced_object_in_the_same_block_is_not_validated() {
        let objects = objects(&format!("{INVALID_CART}---\n{VALID_CART}"));
        let parts = Parts::compile(&objects, "cluster.local");
        only_the_replacement_is_reported(&parts);
    }

    #[test]
    fn a_replaced_object_of_an_earlier_block_is_not_validated_either() {
        // The replacement comes after a full block of other objects: the invalid object was
        // compiled (and warned about) before it was known to be replaced.
        let mut yaml = format!("{INVALID_CART}---\n");
        for i in 0..BLOCK {
            yaml.push_str(&format!(
                "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: dr-{i}, namespace: shop}}\nspec: {{host: svc-{i}}}\n---\n"
            ));
        }
        yaml.push_str(VALID_CART);
        let objects = objects(&yaml);
        assert!(objects.len() > BLOCK + 1);
        let parts = Parts::compile(&objects, "cluster.local");
        only_the_replacement_is_reported(&parts);
        assert_eq!(parts.destination_rules.len(), BLOCK);
    }

    #[test]
    fn objects_of_other_kinds_or_namespaces_do_not_replace_each_other() {
        let objects = objects(&format!(
            "{VALID_CART}---\n{}---\n{}",
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: cart, namespace: shop}\nspec: {host: cart}\n",
            VALID_CART.replace("namespace: shop", "namespace: other"),
        ));
        let parts = Parts::compile(&objects, "cluster.local");
        assert_eq!((parts.virtual_services.len(), parts.destination_rules.len()), (2, 1));
        assert!(parts.warnings.is_empty(), "{:?}", parts.warnings);
    }
}
