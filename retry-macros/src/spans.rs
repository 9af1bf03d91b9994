//! Span helpers: where generated tokens say they are, so that rustc reports at the user's.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::ToTokens;

/// The span of the last token of `tokens`.
pub(crate) fn last_span<T: ToTokens>(tokens: &T) -> Span {
    tokens.to_token_stream().into_iter().last().map_or_else(Span::call_site, |t| t.span())
}

/// The span of the first token of `tokens`.
pub(crate) fn first_span<T: ToTokens>(tokens: &T) -> Span {
    tokens.to_token_stream().into_iter().next().map_or_else(Span::call_site, |t| t.span())
}

/// `tokens`, every one of them given the span `at`.
pub(crate) fn uniform(tokens: TokenStream, at: Span) -> TokenStream {
    respan(tokens, &|_| at)
}

/// `tokens` moved to where `at` is, each keeping its own hygiene, so that rustc reports what
/// it finds wrong with generated code at the user's token.
pub(crate) fn located(tokens: TokenStream, at: Span) -> TokenStream {
    respan(tokens, &|span| span.located_at(at))
}

/// `tokens`, groups included, each given the span `to` makes of its own.
fn respan(tokens: TokenStream, to: &impl Fn(Span) -> Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(g) => {
                let mut moved = Group::new(g.delimiter(), respan(g.stream(), to));
                moved.set_span(to(g.span()));
                TokenTree::Group(moved)
            }
            mut other => {
                other.set_span(to(other.span()));
                other
            }
        })
        .collect()
}

/// The user's `crate = path`, marked as the macro's own code where it is written, so that
/// lints about the user's paths (`unused_qualifications` on `path::__private::Duration`
/// with `Duration` imported) do not fire on the expansion. `$crate` keeps its span, which
/// is what it resolves by.
pub(crate) fn as_generated(path: TokenStream) -> TokenStream {
    path.into_iter()
        .map(|mut tree| {
            if !matches!(&tree, TokenTree::Ident(i) if i == "$crate") {
                tree.set_span(Span::call_site().located_at(tree.span()));
            }
            tree
        })
        .collect()
}
