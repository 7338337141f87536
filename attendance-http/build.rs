//! Lists the web app's files (`web/`) for `src/web/assets.rs`, so the
//! table of embedded assets is generated from the directory and cannot
//! forget a file or name one that is gone.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=web");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("assets.rs");
    let mut table = String::from("&[\n");
    if std::env::var_os("CARGO_FEATURE_WEB").is_some() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        let mut files = Vec::new();
        collect(&root, &root, &mut files);
        files.sort();
        for relative in files {
            let absolute = root.join(&relative);
            let _ = writeln!(
                table,
                "    ({relative:?}, include_bytes!({:?})),",
                absolute.display().to_string()
            );
        }
    }
    table.push(']');
    if let Err(err) = std::fs::write(&out, table) {
        println!("cargo::error=cannot write {}: {err}", out.display());
    }
}

/// Every file under `dir`, as a `/`-separated path relative to `root`;
/// hidden files (editor droppings) are left out.
fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push(parts.join("/"));
        }
    }
}
