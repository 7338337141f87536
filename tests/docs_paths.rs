//! Every source path the docs name exists: README.md, ARCHITECTURE.md and
//! docs/*.md name files in backticks (`attendance-pg/src/qa.rs`, or
//! `conns.rs` where the text has said which crate), and a file that moves or
//! goes must take its mentions along.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

/// Endings of the files the docs talk about.
const SOURCE_ENDINGS: &[&str] = &[
    ".rs", ".sql", ".sh", ".md", ".toml", ".yaml", ".lua", ".json", ".jsonl",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The docs this test reads, relative to the root.
fn docs() -> Vec<String> {
    let mut docs = vec!["README.md".to_owned(), "ARCHITECTURE.md".to_owned()];
    let mut more: Vec<String> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    more.sort();
    docs.extend(more);
    docs
}

/// Inline code spans outside fenced blocks (commands in fences name build
/// output and placeholders, not sources).
fn code_spans(text: &str) -> Vec<&str> {
    let mut spans = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            spans.extend(line.split('`').skip(1).step_by(2));
        }
    }
    spans
}

/// The entries at the root: a span whose first segment is one of them is a
/// path from the root; any other path-like span is a path within a crate.
fn top_level() -> Vec<String> {
    std::fs::read_dir(root())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// `span` as a source path, if it reads as one: no spaces, placeholders,
/// URLs, HTTP routes or build output, and either a source file's ending or
/// a first segment that is an entry at the root.
fn as_source_path<'a>(span: &'a str, top: &[String]) -> Option<&'a str> {
    // `file.rs:120` names a line of the file.
    let path = match span.rsplit_once(':') {
        Some((file, line)) if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) => file,
        _ => span,
    };
    let unlike_a_path = path.is_empty()
        || path.starts_with('/')
        || path.contains("://")
        || path.contains("...")
        || path.chars().any(|c| " {}<>*$…?=,()\"'|".contains(c));
    if unlike_a_path {
        return None;
    }
    let first = path.split('/').next().unwrap_or_default();
    if first == "target" {
        return None;
    }
    let from_root = path.contains('/') && top.iter().any(|entry| entry == first);
    let source = SOURCE_ENDINGS.iter().any(|ending| path.ends_with(ending));
    (from_root || source).then(|| path.trim_end_matches('/'))
}

/// Every file and folder under `dir`, relative to the root, build output and
/// version control left out.
fn tree(dir: &Path, into: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy();
        if name == "target" || name == ".git" {
            continue;
        }
        let relative = path.strip_prefix(root()).unwrap();
        into.push(relative.to_string_lossy().replace('\\', "/"));
        if path.is_dir() {
            tree(&path, into);
        }
    }
}

#[test]
fn every_source_path_the_docs_name_exists() {
    let top = top_level();
    let mut files = Vec::new();
    tree(&root(), &mut files);
    let mut checked = 0;
    let mut missing = Vec::new();
    for doc in docs() {
        let text = std::fs::read_to_string(root().join(&doc)).unwrap();
        for span in code_spans(&text) {
            let Some(path) = as_source_path(span, &top) else {
                continue;
            };
            checked += 1;
            // `../shared/…` names what sits beside the checkout.
            let from_root = path.starts_with("../")
                || top
                    .iter()
                    .any(|entry| path.split('/').next() == Some(entry));
            let exists = if from_root {
                root().join(path).exists()
            } else {
                // A path within a crate (`conns.rs`, `memory/audit.rs`):
                // some file of the project ends with it.
                let suffix = format!("/{path}");
                files.iter().any(|f| f == path || f.ends_with(&suffix))
            };
            if !exists {
                missing.push(format!("{doc}: `{span}`"));
            }
        }
    }
    assert!(
        checked >= 50,
        "only {checked} paths found in the docs: is the extraction broken?"
    );
    assert!(
        missing.is_empty(),
        "the docs name paths that do not exist:\n{}",
        missing.join("\n")
    );
}

#[test]
fn paths_are_told_apart_from_other_code_spans() {
    let top = top_level();
    for path in [
        "attendance-pg/src/qa.rs",
        "benches/vs-pgbench.sh",
        "conns.rs",
        "memory/audit.rs",
        "docs/",
    ] {
        assert!(as_source_path(path, &top).is_some(), "{path}");
    }
    assert_eq!(
        as_source_path("attendance-pg/src/qa.rs:120", &top),
        Some("attendance-pg/src/qa.rs")
    );
    for other in [
        "Europe/Berlin",
        "application/problem+json",
        "/teams/{id}",
        "target/release/seed",
        "https://example.com/x.md",
        "cargo run --example server",
        "SessionStore::clock_in",
    ] {
        assert_eq!(as_source_path(other, &top), None, "{other}");
    }
}
