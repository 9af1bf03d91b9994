//! Every item behind a feature says so in the rendered docs, twice: docs.rs's nightly shows
//! `#[cfg_attr(docsrs, doc(cfg(feature = "X")))]` as a badge, and the sentence
//! "Needs the `X` feature." says it on stable's rustdoc, where that attribute does nothing.
//!
//! The items checked, read from `src/` line by line (rustfmt's layout):
//! - every `pub` item (`fn`, `struct`, `enum`, `trait`, `type`, `const`, `static`, `mod`)
//!   that carries `#[cfg(feature = "X")]` itself, or sits at the first level of a scope
//!   behind one: a file whose `mod` declaration carries it, an inline `mod { … }` or an
//!   inherent `impl { … }` that carries it;
//! - every implementation of one of this crate's public traits found at those places (the
//!   `Transient` of `http::StatusCode`, the `AsyncSleep` of a tokio sleeper): rustdoc lists
//!   it on the trait's page.
//!
//! A `pub mod` may say the sentence in its own file's `//!` docs.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The feature named by a `#[cfg(feature = "X")]` line.
fn gate(line: &str) -> Option<&str> {
    line.trim().strip_prefix("#[cfg(feature = \"")?.strip_suffix("\")]")
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The attribute and doc lines above line `at`, nearest first.
fn preamble(lines: &[&str], at: usize) -> Vec<String> {
    let mut block = Vec::new();
    for line in lines[..at].iter().rev() {
        let t = line.trim();
        let code_end = t.ends_with('{') || t.ends_with('}') || t.ends_with(';');
        if t.is_empty() || (!t.starts_with("///") && !t.starts_with("#[") && code_end) {
            break;
        }
        block.push(t.to_owned());
    }
    block
}

const ITEMS: [&str; 9] = ["fn ", "async fn ", "const fn ", "struct ", "enum ", "trait ", "type ", "static ", "mod "];

/// `Some(true)` for a `pub` item, `Some(false)` for an `impl`, `None` for anything else.
fn item(line: &str) -> Option<bool> {
    let t = line.trim_start();
    if t.starts_with("impl ") || t.starts_with("impl<") {
        return Some(false);
    }
    let rest = t.strip_prefix("pub ")?;
    (ITEMS.iter().any(|k| rest.starts_with(k)) || (rest.starts_with("const ") && !rest.starts_with("const fn ")))
        .then_some(true)
}

/// The trait an `impl` line implements, if it implements one.
fn implemented_trait(line: &str) -> Option<String> {
    let mut rest = line.trim_start().strip_prefix("impl")?;
    if rest.starts_with('<') {
        // Skip the impl's own generics.
        let mut depth = 0;
        let end = rest.char_indices().find_map(|(i, c)| {
            depth += match c {
                '<' => 1,
                '>' => -1,
                _ => 0,
            };
            (depth == 0).then_some(i)
        })?;
        rest = &rest[end + 1..];
    }
    let (path, _) = rest.trim().split_once(" for ")?;
    let path = path.split('<').next()?;
    Some(path.rsplit("::").next()?.to_owned())
}

/// Foreign traits whose implementations are what a feature adds.
const FOREIGN: [&str; 3] = ["Deserialize", "Layer", "Middleware"];

/// The module declared by a `mod` line, as a file beside `file`.
fn module_file(file: &Path, name: &str) -> Option<PathBuf> {
    let stem = file.file_stem()?.to_str()?;
    let dir = if matches!(stem, "lib" | "mod") { file.parent()?.to_path_buf() } else { file.with_extension("") };
    [dir.join(format!("{name}.rs")), dir.join(name).join("mod.rs")].into_iter().find(|p| p.exists())
}

fn mod_name(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let t = t.strip_prefix("pub ").or_else(|| t.strip_prefix("pub(crate) ")).unwrap_or(t);
    let name = t.strip_prefix("mod ")?.trim_end_matches(';').trim_end_matches('{').trim();
    Some(name)
}

#[test]
fn every_item_behind_a_feature_says_its_feature_in_the_docs() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let texts: BTreeMap<PathBuf, String> =
        files.iter().map(|f| (f.clone(), fs::read_to_string(f).expect("a source file"))).collect();

    // The crate's public traits, and the feature each file is behind (from its `mod` line).
    let mut traits = Vec::new();
    let mut file_gate: BTreeMap<PathBuf, String> = BTreeMap::new();
    for (file, text) in &texts {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if let Some(name) = line.trim_start().strip_prefix("pub trait ") {
                traits.push(name.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or("").to_owned());
            }
            if let Some(name) = mod_name(line).filter(|_| line.trim_end().ends_with(';'))
                && let Some(feature) = preamble(&lines, i).iter().find_map(|l| gate(l))
                && let Some(child) = module_file(file, name)
            {
                file_gate.insert(child, feature.to_owned());
            }
        }
    }

    let mut missing = Vec::new();
    for (file, text) in &texts {
        let lines: Vec<&str> = text.lines().collect();
        // Scopes behind a feature: (indentation of their items, feature, closing indentation).
        let mut scopes: Vec<(usize, String)> = file_gate.get(file).map(|f| vec![(0, f.clone())]).unwrap_or_default();
        let mut closes: Vec<usize> = vec![usize::MAX];
        for (i, line) in lines.iter().enumerate() {
            if closes.len() > 1 && line.trim() == "}" && indent(line) == *closes.last().unwrap() {
                closes.pop();
                scopes.pop();
                continue;
            }
            let opens_block = line.trim_end().ends_with('{');
            let is_mod = mod_name(line).is_some();
            let public = item(line);
            if public.is_none() && !is_mod {
                continue;
            }
            let block = preamble(&lines, i);
            let direct = block.iter().find_map(|l| gate(l)).map(str::to_owned);
            let scoped = scopes.last().filter(|(level, _)| *level == indent(line)).map(|(_, f)| f.clone());
            let trait_name = implemented_trait(line);
            // A gated inline module or inherent impl opens a scope for the items inside it.
            if let Some(feature) = &direct
                && opens_block
                && (is_mod || (public == Some(false) && trait_name.is_none()))
            {
                scopes.push((indent(line) + 4, feature.clone()));
                closes.push(indent(line));
            }
            let Some(feature) = direct.or(scoped) else { continue };
            let checked = match public {
                Some(true) => true,
                Some(false) => trait_name.is_some_and(|t| traits.contains(&t) || FOREIGN.contains(&t.as_str())),
                // A private module: only its items are in the docs.
                None => false,
            };
            if !checked {
                continue;
            }
            let badge = format!("#[cfg_attr(docsrs, doc(cfg(feature = \"{feature}\")))]");
            let sentence = format!("Needs the `{feature}` feature.");
            let mut docs: Vec<String> = block.iter().filter(|l| l.starts_with("///")).cloned().collect();
            if let Some(name) = mod_name(line)
                && let Some(child) = module_file(file, name)
            {
                docs.extend(texts[&child].lines().filter(|l| l.starts_with("//!")).map(str::to_owned));
            }
            let place = format!("{}:{}: `{}`", file.strip_prefix(&src).unwrap().display(), i + 1, line.trim());
            if !block.contains(&badge) {
                missing.push(format!("{place} lacks `{badge}`"));
            }
            if !docs.iter().any(|l| l.contains(&sentence)) {
                missing.push(format!("{place} lacks the sentence \"{sentence}\" in its docs"));
            }
        }
    }
    assert!(missing.is_empty(), "items behind a feature that do not say so:\n{}", missing.join("\n"));
}
