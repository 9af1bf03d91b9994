//! Syntax only: the attribute's `key = value` list, each value parsed by the grammar its key
//! takes. Meaning (which strategies exist, which values are valid) is `validate.rs`'s job.

use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Ident, Pat, Path, Token};

use retry_grammar::{Key, Level, MAX_DEPTH, Nesting, Preset, Problem, ValueKind, one_of};

use crate::errors::Errors;

/// One `key = value`.
pub(crate) struct Arg {
    /// The key as written, for errors.
    pub(crate) key: Ident,
    /// Its entry in the grammar's table.
    pub(crate) known: Key,
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

/// Parses the attribute's arguments; every malformed entry is recorded and skipped, so one
/// build reports them all.
///
/// Each value is parsed by its key's grammar, which ends it at the first comma outside it:
/// splitting on commas first would cut `|s: &RetryState<'_, T, E>| …` at its generics.
pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Vec<Arg> {
    let mut parsed = Vec::new();
    // syn parses nested expressions by recursion: 800 parentheses overflowed rustc's stack.
    if let Some(group) = too_deep(&args, 0) {
        errors.push(syn::Error::new(
            group.span_open(),
            format!("the attribute nests deeper than {MAX_DEPTH} levels here; write the policy flatter"),
        ));
        return parsed;
    }
    let all = |input: ParseStream<'_>| -> syn::Result<()> {
        while !input.is_empty() {
            match entry(input) {
                Ok(arg) => parsed.push(arg),
                Err(error) => {
                    errors.push(error);
                    skip_entry(input)?;
                }
            }
            if input.is_empty() {
                break;
            }
            if input.peek(Token![,]) {
                input.parse::<Token![,]>()?;
            } else {
                errors.push(input.error("expected `,` before the next key"));
                skip_entry(input)?;
                let _ = input.parse::<Option<Token![,]>>()?;
            }
        }
        Ok(())
    };
    if let Err(error) = all.parse2(args) {
        errors.push(error);
    }
    parsed
}

/// The first group nested deeper than the grammar's [`MAX_DEPTH`], the limit the
/// configuration's parser keeps too; the walk itself stops there.
fn too_deep(tokens: &TokenStream, depth: usize) -> Option<proc_macro2::Group> {
    for tree in tokens.clone() {
        if let TokenTree::Group(group) = tree {
            if depth >= MAX_DEPTH {
                return Some(group);
            }
            if let Some(deeper) = too_deep(&group.stream(), depth + 1) {
                return Some(deeper);
            }
        }
    }
    None
}

/// Skips what is left of a malformed entry, up to the comma that ends it.
fn skip_entry(input: ParseStream<'_>) -> syn::Result<()> {
    input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tree, next)) = rest.token_tree() {
            if matches!(&tree, TokenTree::Punct(p) if p.as_char() == ',') {
                break;
            }
            rest = next;
        }
        Ok(((), rest))
    })
}

/// One `key = value`; an error for the caller to record before it skips the entry.
fn entry(input: ParseStream<'_>) -> syn::Result<Arg> {
    let ends = |input: ParseStream<'_>| input.is_empty() || input.peek(Token![,]);
    // `crate` is a keyword, so keys are read as any identifier.
    if !input.peek(Ident::peek_any) {
        return Err(input.error(format!(
            "expected a key such as `stop = attempts(5)`; keys are {}",
            one_of(&Key::attribute_names())
        )));
    }
    let key = input.call(Ident::parse_any)?;
    let name = key.to_string();
    let Some(known) = Key::find(&name).filter(|k| k.attribute) else {
        let problem = Problem::UnknownKey { found: name, valid: Key::attribute_names() };
        return Err(syn::Error::new_spanned(&key, problem));
    };
    if ends(input) {
        return Err(syn::Error::new_spanned(&key, Problem::NeedsValue { key: known.name }));
    }
    if input.parse::<Option<Token![=]>>()?.is_none() {
        return Err(input.error(format!("expected `=` after `{name}`")));
    }
    if ends(input) {
        return Err(syn::Error::new_spanned(&key, format!("`{name}` needs a value after `=`")));
    }
    let value = match known.value {
        ValueKind::Patterns => Value::Patterns(patterns(input)?),
        ValueKind::Level | ValueKind::Binding | ValueKind::Preset | ValueKind::Nesting => {
            match input.parse::<Ident>() {
                Ok(ident) => Value::Ident(ident),
                Err(_) => return Err(input.error(ident_expected(known))),
            }
        }
        ValueKind::Path => Value::Path(Path::parse_mod_style(input)?),
        ValueKind::Stop | ValueKind::Wait | ValueKind::Duration | ValueKind::Hedge => {
            if let Some(error) = spaced_unit(input) {
                return Err(error);
            }
            Value::Expr(input.parse()?)
        }
        ValueKind::Code | ValueKind::Seed | ValueKind::Hedges => Value::Expr(input.parse()?),
    };
    Ok(Arg { key, known, value })
}

/// What a key that takes a bare name expected, when it got something else (`log = "warn"`).
fn ident_expected(key: Key) -> String {
    match key.value {
        ValueKind::Level => format!(
            "`{}` takes a level without quotes, such as `{0} = warn`; expected one of {}",
            key.name,
            one_of(&Level::names())
        ),
        ValueKind::Preset => format!(
            "`{}` takes a preset's name without quotes, such as `{0} = openai`; expected one of {}",
            key.name,
            one_of(&Preset::names())
        ),
        ValueKind::Nesting => format!(
            "`{}` takes a mode without quotes, such as `{0} = multiply`; expected one of {}",
            key.name,
            one_of(&Nesting::names())
        ),
        _ => format!("`{0}` takes a name to bind in the body, such as `{0} = attempt`", key.name),
    }
}

fn patterns(input: syn::parse::ParseStream<'_>) -> syn::Result<Vec<Pat>> {
    let _ = input.parse::<Option<Token![|]>>()?;
    let mut pats = vec![Pat::parse_single(input)?];
    loop {
        if input.peek(Token![||]) {
            return Err(input.error("`||` is Rust's boolean or; separate variants with a single `|`: `on = A | B`"));
        }
        if input.parse::<Option<Token![|]>>()?.is_none() {
            break;
        }
        pats.push(Pat::parse_single(input)?);
    }
    Ok(pats)
}

/// A number and its unit written apart (`5 s`): one message, not syn's two.
fn spaced_unit(input: syn::parse::ParseStream<'_>) -> Option<syn::Error> {
    fn walk(tokens: TokenStream) -> Option<syn::Error> {
        let mut previous: Option<TokenTree> = None;
        for tree in tokens {
            if let (Some(TokenTree::Literal(number)), TokenTree::Ident(unit)) = (&previous, &tree) {
                let unit_text = unit.to_string();
                if number.to_string().starts_with(|c: char| c.is_ascii_digit())
                    && retry_grammar::UNITS.iter().any(|u| u.name == unit_text)
                {
                    return Some(syn::Error::new(
                        unit.span(),
                        format!("no space goes between a number and its unit: write `{number}{unit_text}`"),
                    ));
                }
            }
            if let TokenTree::Group(group) = &tree
                && let Some(found) = walk(group.stream())
            {
                return Some(found);
            }
            previous = Some(tree);
        }
        None
    }
    // The value, up to the comma that ends it.
    let rest: TokenStream = input.fork().cursor().token_stream();
    let value: TokenStream =
        rest.into_iter().take_while(|t| !matches!(t, TokenTree::Punct(p) if p.as_char() == ',')).collect();
    walk(value)
}
