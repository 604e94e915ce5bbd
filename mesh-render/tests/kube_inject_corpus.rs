//! Conformance with `istioctl kube-inject` run offline (`inject/istioctl-kubeinject` of the
//! shared corpus): each case's flags go through [`KubeInject`], as `meshctl kube-inject`
//! passes them, and the injected objects must equal the golden (as data, leaving out the
//! empty maps and nulls Go's writer adds, such as `resources: {}` and `status: {}`).

mod common;

use std::path::Path;

use mesh_render::inject::{KubeInject, inject};
use serde_json::Value;

/// One case of `CASES.md`: the input, the golden, and the flags (`--flag file` pairs).
struct Case {
    input: &'static str,
    golden: &'static str,
    flags: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        input: "deployment/hello.yaml",
        golden: "deployment/hello.yaml.injected",
        flags: &[
            ("--meshConfigFile", "mesh-config.yaml"),
            ("--injectConfigFile", "inject-config.yaml"),
            ("--valuesFile", "inject-values.yaml"),
        ],
    },
    Case {
        input: "deployment/hello.yaml",
        golden: "deployment/hello.yaml.injected",
        flags: &[
            ("--meshConfigFile", "mesh-config.yaml"),
            ("--injectConfigFile", "inject-config-inline.yaml"),
            ("--valuesFile", "inject-values.yaml"),
        ],
    },
    Case {
        input: "deployment/hello.yaml",
        golden: "deployment/hello.yaml.iop.injected",
        flags: &[("--operatorFileName", "istio-operator.yaml"), ("--injectConfigFile", "inject-config-iop.yaml")],
    },
    Case {
        input: "deployment/hello.yaml",
        golden: "deployment/hello.yaml.iop.injected",
        flags: &[
            ("--operatorFileName", "istio-operator.yaml"),
            ("--injectConfigFile", "inject-config-inline-iop.yaml"),
        ],
    },
    Case {
        input: "deployment/hello.yaml",
        golden: "deployment/hello.yaml.iop.injected",
        flags: &[
            ("--operatorFileName", "istio-operator.yaml"),
            ("--injectConfigFile", "inject-config-iop.yaml"),
            ("--valuesFile", "inject-values.yaml"),
        ],
    },
    Case {
        input: "deployment/hello-with-proxyconfig-anno.yaml",
        golden: "deployment/hello-with-proxyconfig-anno.yaml.injected",
        flags: &[
            ("--meshConfigFile", "mesh-config.yaml"),
            ("--injectConfigFile", "inject-config.yaml"),
            ("--valuesFile", "inject-values.yaml"),
        ],
    },
];

/// Drops nulls and empty maps, which Go writes for unset fields.
fn normalize(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.values_mut().for_each(normalize);
            map.retain(|_, v| !(v.is_null() || v.as_object().is_some_and(serde_json::Map::is_empty)));
        }
        Value::Array(items) => items.iter_mut().for_each(normalize),
        _ => {}
    }
}

fn run(dir: &Path, case: &Case) -> Result<(), String> {
    let read = |file: &str| std::fs::read_to_string(dir.join(file)).map_err(|e| format!("{file}: {e}"));
    let mut inputs = KubeInject::new();
    for (flag, file) in case.flags {
        let text = read(file)?;
        match *flag {
            "--meshConfigFile" => inputs.mesh_config(file, &text),
            "--injectConfigFile" => inputs.inject_config(file, &text),
            "--valuesFile" => inputs.values(file, &text),
            "--operatorFileName" => inputs.operator(file, &text),
            other => return Err(format!("unknown flag {other}")),
        };
    }
    let (settings, _warnings) = inputs.settings().map_err(|e| e.to_string())?;
    let loaded = mesh_api::load_str(&read(case.input)?);
    let mut ours = Vec::new();
    for doc in &loaded.documents {
        let injected = inject(&doc.object, &settings).map_err(|e| e.to_string())?;
        let out = mesh_api::Document { object: injected.object, api_version: doc.api_version.clone(), source: None };
        let mut value = out.to_json().map_err(|e| e.to_string())?;
        normalize(&mut value);
        ours.push(value);
    }
    let mut theirs: Vec<Value> = mesh_api::read_untyped(&read(case.golden)?)
        .into_iter()
        .filter_map(Result::ok)
        .filter(Value::is_object)
        .collect();
    theirs.iter_mut().for_each(normalize);
    if ours == theirs {
        Ok(())
    } else {
        Err(format!(
            "ours:\n{}\ngolden:\n{}",
            serde_json::to_string_pretty(&ours).unwrap_or_default(),
            serde_json::to_string_pretty(&theirs).unwrap_or_default()
        ))
    }
}

#[test]
fn istioctl_kube_inject_goldens_match() {
    let Some(corpus) = common::corpus() else { return };
    let dir = corpus.join("inject/istioctl-kubeinject");
    let mut matched = 0;
    let mut differing = Vec::new();
    for (i, case) in CASES.iter().enumerate() {
        match run(&dir, case) {
            Ok(()) => matched += 1,
            Err(why) => differing.push(format!("case {} ({}): {why}", i + 1, case.golden)),
        }
    }
    println!("kube-inject: {matched}/{} cases match", CASES.len());
    assert!(differing.is_empty(), "{}", differing.join("\n"));
}

#[test]
fn a_template_with_functions_under_a_new_name_is_refused_by_name() {
    let (settings, _) = KubeInject::new()
        .inject_config("inject.yaml", "templates:\n  mine: '{{ toJSON .Spec }}'\n")
        .settings()
        .expect("settings");
    let pod = mesh_api::load_str(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    inject.istio.io/templates: mine\nspec:\n  containers: [{name: a, image: a}]\n",
    );
    let err = inject(&pod.documents[0].object, &settings).expect_err("not evaluated");
    assert!(err.to_string().starts_with("injection template \"mine\": function \"toJSON\""), "{err}");
}
