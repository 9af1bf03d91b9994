//! The item the attribute is on, as it came: a function with a body, or an error that says
//! what it is instead.

use proc_macro2::TokenStream;
use syn::{ItemFn, spanned::Spanned};

/// What the attribute was placed on.
pub(crate) enum Item {
    /// A function with a body.
    Function(Box<ItemFn>),
    /// Anything else, kept as written so it is still emitted, with the error to report.
    Other(TokenStream, syn::Error),
}

/// Reads the annotated item.
pub(crate) fn parse(tokens: TokenStream) -> Item {
    match syn::parse2::<ItemFn>(tokens.clone()) {
        Ok(function) => Item::Function(Box::new(function)),
        Err(_) => {
            let error = match syn::parse2::<syn::Item>(tokens.clone()) {
                Ok(syn::Item::Verbatim(v)) if looks_like_bodyless_fn(&v) => syn::Error::new_spanned(
                    &v,
                    "`#[retry]` needs a function body; put it on the method in the `impl` block, not on the trait's declaration",
                ),
                Ok(item) => {
                    syn::Error::new(item.span(), format!("`#[retry]` goes on a function; this is {}", describe(&item)))
                }
                Err(e) => e,
            };
            Item::Other(tokens, error)
        }
    }
}

fn looks_like_bodyless_fn(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().any(|t| matches!(&t, proc_macro2::TokenTree::Ident(i) if i == "fn"))
}

fn describe(item: &syn::Item) -> &'static str {
    match item {
        syn::Item::Struct(_) => "a struct",
        syn::Item::Enum(_) => "an enum",
        syn::Item::Impl(_) => "an `impl` block",
        syn::Item::Trait(_) => "a trait",
        syn::Item::Mod(_) => "a module",
        syn::Item::Const(_) => "a constant",
        syn::Item::Static(_) => "a static",
        syn::Item::Type(_) => "a type alias",
        syn::Item::Use(_) => "a `use` declaration",
        syn::Item::Macro(_) => "a macro invocation",
        _ => "not a function",
    }
}
