//! Properties of overlay merging: an empty overlay anywhere changes nothing, and where two
//! overlays set the same field the later one wins (as `istioctl -f a.yaml -f b.yaml` does).

use mesh_render::{ListMerge, Overlays};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Builds a field's value from a number and a word.
type MakeValue = fn(u32, &str) -> Value;

/// Fields an overlay may set: the JSON pointer under the IstioOperator and how to build a
/// value of the right type from a number and a word.
const FIELDS: [(&str, MakeValue); 10] = [
    ("/spec/hub", |_, w| json!(format!("registry.example/{w}"))),
    ("/spec/tag", |n, _| json!(format!("1.{n}.0"))),
    ("/spec/namespace", |_, w| json!(w)),
    ("/spec/meshConfig/accessLogFile", |_, w| json!(format!("/var/log/{w}"))),
    ("/spec/meshConfig/enableTracing", |n, _| json!(n % 2 == 0)),
    ("/spec/components/pilot/enabled", |n, _| json!(n % 2 == 1)),
    ("/spec/components/pilot/k8s/replicaCount", |n, _| json!(n % 10 + 1)),
    ("/spec/values/global/hub", |_, w| json!(w)),
    ("/spec/values/global/logging/level", |_, w| json!(format!("default:{w}"))),
    ("/spec/values/pilot/autoscaleMax", |n, _| json!(n % 50 + 1)),
];

/// An overlay setting some of [`FIELDS`]: (field index, number, word) triples.
fn overlay() -> impl Strategy<Value = Vec<(usize, u32, String)>> {
    prop::collection::vec((0..FIELDS.len(), any::<u32>(), "w[a-z]{1,8}"), 0..6)
}

/// The overlay as the YAML text a user would write.
fn overlay_yaml(fields: &[(usize, u32, String)]) -> String {
    let mut tree = json!({});
    for (i, n, w) in fields {
        let (pointer, make) = FIELDS[*i];
        set(&mut tree, pointer, make(*n, w));
    }
    mesh_api::to_yaml(&tree).unwrap_or_default()
}

fn set(tree: &mut Value, pointer: &str, value: Value) {
    // Indexing a null or an object by a key makes the object and the key as needed.
    let node = pointer.split('/').skip(1).fold(tree, |node, key| &mut node[key]);
    *node = value;
}

const EMPTY: [&str; 6] = ["", "# nothing\n", "{}\n", "spec:\n", "spec: {}\n", "spec: null\n"];

fn user_config(files: &[String], lists: ListMerge) -> Result<Value, TestCaseError> {
    let mut overlays = Overlays::new();
    overlays.list_merge(lists);
    for (i, text) in files.iter().enumerate() {
        overlays.yaml(&format!("overlay-{i}.yaml"), text).map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
    overlays.user_config().map_err(|e| TestCaseError::fail(e.to_string()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn an_empty_overlay_is_the_identity(
        a in overlay(),
        b in overlay(),
        empty in prop::sample::select(EMPTY.to_vec()),
        at in 0usize..3,
        by_name in any::<bool>(),
    ) {
        let lists = if by_name { ListMerge::ByName } else { ListMerge::Replace };
        let files = vec![overlay_yaml(&a), overlay_yaml(&b)];
        let mut with_empty = files.clone();
        with_empty.insert(at, empty.to_owned());
        prop_assert_eq!(user_config(&with_empty, lists)?, user_config(&files, lists)?);
    }

    #[test]
    fn later_overlays_win(a in overlay(), b in overlay()) {
        let merged = user_config(&[overlay_yaml(&a), overlay_yaml(&b)], ListMerge::Replace)?;
        for (i, n, w) in &a {
            let (pointer, make) = FIELDS[*i];
            // The last value written for this field in `b`, else the last in `a`.
            let winner = b.iter().rev().chain(a.iter().rev()).find(|(j, _, _)| j == i).map(|(_, n, w)| make(*n, w));
            prop_assert_eq!(merged.pointer(pointer), winner.as_ref(), "{} from {} {}", pointer, n, w);
        }
        for (i, n, w) in &b {
            let (pointer, make) = FIELDS[*i];
            let last = b.iter().rev().find(|(j, _, _)| j == i).map(|(_, n, w)| make(*n, w));
            prop_assert_eq!(merged.pointer(pointer), last.as_ref(), "{} from {} {}", pointer, n, w);
        }
    }

    #[test]
    fn a_set_flag_after_the_files_wins(a in overlay(), field in 0..FIELDS.len(), n in any::<u32>(), w in "w[a-z]{1,8}") {
        let (pointer, make) = FIELDS[field];
        let value = make(n, &w);
        let path = pointer.trim_start_matches("/spec/").replace('/', ".");
        let flag = match &value {
            Value::String(s) => format!("{path}={s}"),
            other => format!("{path}={other}"),
        };
        let mut overlays = Overlays::new();
        overlays.yaml("a.yaml", &overlay_yaml(&a)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        overlays.set(&flag).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let merged = overlays.user_config().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(merged.pointer(pointer), Some(&value), "{}", flag);
    }
}
