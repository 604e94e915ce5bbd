//! Runs every route test file under the workspace's `examples/routes/` folder.

use std::path::PathBuf;

#[test]
fn example_route_test_files_pass() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/routes");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/routes exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no route test files in {}", dir.display());
    for file in files {
        let report = mesh_routing::testing::run_file(&file).unwrap_or_else(|e| panic!("{e}"));
        println!("{}:\n{report}", file.display());
        assert!(report.results.len() >= 3, "{}: too few tests", file.display());
        report.assert_passed();
    }
}
