//! The receiver of a method that takes `self` by value: each attempt works on its own clone,
//! so the body's `self` is renamed to it, by a visitor that stops where a nested item begins
//! (a nested `fn` or `impl` has a `self` of its own; the method's is not in scope there).

use proc_macro2::{Delimiter, Group, Ident, Spacing, TokenStream, TokenTree};
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, ExprPath, Item, Macro};

// Input:  { self.n += 1; impl Probe { fn get(&self) -> u8 { self.0 } } println!("{}", self.n); Ok(self) }
// Output: { __retry_self.n += 1; impl Probe { fn get(&self) -> u8 { self.0 } } println!("{}", __retry_self.n); Ok(__retry_self) }
/// Renames every use of the receiver `self` in `body` to `copy`.
///
/// Inside a macro's tokens, which are not yet code, every `self` not followed by `::` is
/// renamed, except in what a nested `fn NAME`, `impl`, `trait` or `mod NAME` there begins, up
/// to its body or `;`. A `self` captured by name in a format string (`"{self:?}"`) is text,
/// so it is not renamed: pass it as an argument (`"{:?}", self`).
pub(crate) fn rename_self(body: &mut Block, copy: &Ident) {
    RenameSelf { copy }.visit_block_mut(body);
}

struct RenameSelf<'a> {
    copy: &'a Ident,
}

impl RenameSelf<'_> {
    fn rename(&self, ident: &mut Ident) {
        *ident = Ident::new(&self.copy.to_string(), ident.span());
    }

    fn tokens(&self, tokens: TokenStream) -> TokenStream {
        let mut out = Vec::new();
        // Inside a nested item's header, up to the body that ends it.
        let mut in_item = false;
        let mut rest = tokens.into_iter().peekable();
        while let Some(tree) = rest.next() {
            match tree {
                TokenTree::Ident(ident) if starts_item(&ident, rest.peek()) => {
                    in_item = true;
                    out.push(TokenTree::Ident(ident));
                }
                TokenTree::Ident(mut ident) if !in_item && ident == "self" && !starts_path(rest.peek()) => {
                    self.rename(&mut ident);
                    out.push(TokenTree::Ident(ident));
                }
                TokenTree::Group(group) if in_item => {
                    in_item = group.delimiter() != Delimiter::Brace;
                    out.push(TokenTree::Group(group));
                }
                TokenTree::Group(group) => {
                    let mut renamed = Group::new(group.delimiter(), self.tokens(group.stream()));
                    renamed.set_span(group.span());
                    out.push(TokenTree::Group(renamed));
                }
                TokenTree::Punct(punct) if in_item && punct.as_char() == ';' => {
                    in_item = false;
                    out.push(TokenTree::Punct(punct));
                }
                other => out.push(other),
            }
        }
        out.into_iter().collect()
    }
}

impl VisitMut for RenameSelf<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            // What syn keeps as tokens is renamed as a macro's tokens are.
            Expr::Verbatim(tokens) => *tokens = self.tokens(tokens.clone()),
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_expr_path_mut(&mut self, expr: &mut ExprPath) {
        // `self` alone is the receiver; `self::f` is the module.
        if expr.qself.is_none()
            && expr.path.is_ident("self")
            && let Some(segment) = expr.path.segments.first_mut()
        {
            self.rename(&mut segment.ident);
        }
        visit_mut::visit_expr_path_mut(self, expr);
    }

    fn visit_item_mut(&mut self, item: &mut Item) {
        // A nested item cannot see the method's `self`, except a local `macro_rules!`, whose
        // body may use it.
        if let Item::Macro(item) = item
            && item.mac.path.is_ident("macro_rules")
        {
            self.visit_macro_mut(&mut item.mac);
        }
    }

    fn visit_macro_mut(&mut self, mac: &mut Macro) {
        mac.tokens = self.tokens(mac.tokens.clone());
    }
}

/// `fn NAME`, `impl`, `trait`, `mod NAME`: an item with a `self` of its own, or none. A `fn`
/// not followed by a name is a function pointer type.
fn starts_item(ident: &Ident, next: Option<&TokenTree>) -> bool {
    let named = matches!(next, Some(TokenTree::Ident(_)));
    ident == "impl" || ident == "trait" || ((ident == "fn" || ident == "mod") && named)
}

/// `::` follows: `self::name` is a path from the current module.
fn starts_path(next: Option<&TokenTree>) -> bool {
    matches!(next, Some(TokenTree::Punct(p)) if p.as_char() == ':' && p.spacing() == Spacing::Joint)
}
