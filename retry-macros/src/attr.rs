//! Syntax only: the attribute's `key = value` list, each value parsed by the grammar its key
//! takes. Meaning (which strategies exist, which values are valid) is `validate.rs`'s job.

use proc_macro2::{TokenStream, TokenTree};
use syn::parse::Parser;
use syn::{Expr, Ident, Pat, Path, Token};

use crate::errors::{Errors, unknown};

/// The keys the attribute knows, as users spell them.
pub(crate) const KEYS: &[&str] = &[
    "stop",
    "wait",
    "on",
    "unless",
    "when",
    "when_ok",
    "retry_after",
    "retry_after_max",
    "timeout",
    "before",
    "after",
    "before_sleep",
    "on_give_up",
    "log",
    "sleeper",
    "state",
    "breaker",
    "budget",
    "fallback",
    "policy",
    "crate",
];

/// One `key = value`.
pub(crate) struct Arg {
    pub(crate) key: Ident,
    pub(crate) value: Value,
}

/// A value, in the grammar of its key.
pub(crate) enum Value {
    /// `stop`, `wait`, durations, closures, paths, places.
    Expr(Expr),
    /// `on` / `unless`: patterns separated by `|`.
    Patterns(Vec<Pat>),
    /// `log`, `state`.
    Ident(Ident),
    /// `crate`.
    Path(Path),
}

enum Grammar {
    Expr,
    Patterns,
    Ident,
    Path,
}

fn grammar(key: &str) -> Grammar {
    match key {
        "on" | "unless" => Grammar::Patterns,
        "log" | "state" => Grammar::Ident,
        "crate" => Grammar::Path,
        _ => Grammar::Expr,
    }
}

/// Parses the attribute's arguments; every malformed entry is recorded and skipped, so one
/// build reports them all.
pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Vec<Arg> {
    let mut parsed = Vec::new();
    for entry in split_top_level_commas(args) {
        if let Some(arg) = parse_entry(entry, errors) {
            parsed.push(arg);
        }
    }
    parsed
}

fn split_top_level_commas(tokens: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut entries = vec![Vec::new()];
    for tree in tokens {
        match &tree {
            TokenTree::Punct(p) if p.as_char() == ',' => entries.push(Vec::new()),
            _ => entries.last_mut().expect("never empty").push(tree),
        }
    }
    entries.retain(|e| !e.is_empty());
    entries
}

fn parse_entry(entry: Vec<TokenTree>, errors: &mut Errors) -> Option<Arg> {
    let mut trees = entry.into_iter();
    let first = trees.next()?;
    let key = match &first {
        TokenTree::Ident(ident) => ident.clone(),
        other => {
            errors.spanned(other, format!("expected a key such as `stop = attempts(5)`; keys are {}", list(KEYS)));
            return None;
        }
    };
    let name = key.to_string();
    if !KEYS.contains(&name.as_str()) {
        errors.spanned(&key, unknown("key", &name, KEYS));
        return None;
    }
    match trees.next() {
        Some(TokenTree::Punct(p)) if p.as_char() == '=' => {}
        Some(other) => {
            errors.spanned(other, format!("expected `=` after `{name}`"));
            return None;
        }
        None => {
            errors.spanned(&key, format!("`{name}` needs a value: `{name} = …`"));
            return None;
        }
    }
    let value: TokenStream = trees.collect();
    if value.is_empty() {
        errors.spanned(&key, format!("`{name}` needs a value after `=`"));
        return None;
    }
    let value = match grammar(&name) {
        Grammar::Expr => errors.ok(syn::parse2::<Expr>(value)).map(Value::Expr),
        Grammar::Patterns => errors.ok(patterns.parse2(value)).map(Value::Patterns),
        Grammar::Ident => errors.ok(syn::parse2::<Ident>(value)).map(Value::Ident),
        Grammar::Path => errors.ok(Path::parse_mod_style.parse2(value)).map(Value::Path),
    }?;
    Some(Arg { key, value })
}

fn patterns(input: syn::parse::ParseStream<'_>) -> syn::Result<Vec<Pat>> {
    let _ = input.parse::<Option<Token![|]>>()?;
    let mut pats = vec![Pat::parse_single(input)?];
    while input.parse::<Option<Token![|]>>()?.is_some() {
        pats.push(Pat::parse_single(input)?);
    }
    Ok(pats)
}

fn list(keys: &[&str]) -> String {
    crate::errors::one_of(keys)
}
