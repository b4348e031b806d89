//! docs/design.md lists every file under src/ with its one job: the list must match the tree,
//! so that a newcomer reading it finds every file, and no line describes a file that is gone.

use std::collections::BTreeSet;
use std::path::Path;

fn files_under(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files_under(&path, root, out);
        } else {
            let relative = path.strip_prefix(root).expect("under the root");
            out.insert(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// The paths of the layout block: the first word of each line that starts with `src/`.
fn listed_in_design() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let design = std::fs::read_to_string(root.join("docs/design.md")).expect("docs/design.md");
    let layout = design
        .split("## Layout")
        .nth(1)
        .and_then(|s| s.split("```").nth(1))
        .expect("a ``` block under ## Layout");
    layout
        .lines()
        .filter(|l| l.starts_with("src/"))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_layout_in_design_md_lists_every_file_of_src() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut tree = BTreeSet::new();
    files_under(&root.join("src"), root, &mut tree);
    let listed = listed_in_design();
    let missing: Vec<_> = tree.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(&tree).collect();
    assert!(
        missing.is_empty() && gone.is_empty(),
        "docs/design.md's layout is out of date: not listed {missing:?}, listed but absent {gone:?}"
    );
}
