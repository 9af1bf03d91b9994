//! The item the attribute is on, as it came: a function with a body, or an error that says
//! what it is instead.

use proc_macro2::TokenStream;
use syn::{
    Block, Expr, GenericArgument, ItemFn, PathArguments, ReturnType, Stmt, Type, TypeParamBound, spanned::Spanned,
};

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

// Input:  fn f<'life0, 'async_trait>(&'life0 self, p: P)
//             -> Pin<Box<dyn Future<Output = R> + Send + 'async_trait>>
//         { Box::pin(async move { stmts }) }                     (as `#[async_trait]` leaves it)
// Output: async fn f<'life0, 'async_trait>(&'life0 self, p: P) -> R { stmts }, to retry, and
//         the wrapper that puts the retried body back inside `Box::pin(async move { … })`.
/// A method `#[async_trait]` has already rewritten (it expands the `impl` first), split into
/// the `async fn` it was written as, as tracing-attributes recognises the same shape.
pub(crate) fn async_trait_method(function: &ItemFn) -> Option<ItemFn> {
    if function.sig.asyncness.is_some() {
        return None;
    }
    let ReturnType::Type(_, ty) = &function.sig.output else { return None };
    let output = boxed_future_output(ty)?;
    let [Stmt::Expr(Expr::Call(call), None)] = function.block.stmts.as_slice() else { return None };
    let Expr::Path(callee) = &*call.func else { return None };
    let names: Vec<String> = callee.path.segments.iter().map(|s| s.ident.to_string()).collect();
    if names.len() < 2 || names[names.len() - 2..] != ["Box", "pin"] || call.args.len() != 1 {
        return None;
    }
    let Some(Expr::Async(inner)) = call.args.first() else { return None };
    let mut written = function.clone();
    written.sig.asyncness = Some(syn::Token![async](function.sig.fn_token.span));
    written.sig.output = ReturnType::Type(Default::default(), Box::new(output));
    written.block = Box::new(Block { brace_token: inner.block.brace_token, stmts: inner.block.stmts.clone() });
    Some(written)
}

/// `R` of `Pin<Box<dyn Future<Output = R> + …>>`, written with any path to `Pin`, `Box`
/// and `Future`.
fn boxed_future_output(ty: &Type) -> Option<Type> {
    let last_arg = |ty: &Type, name: &str| -> Option<Type> {
        let Type::Path(p) = ty else { return None };
        let segment = p.path.segments.last()?;
        if segment.ident != name {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &segment.arguments else { return None };
        match args.args.first()? {
            GenericArgument::Type(inner) => Some(inner.clone()),
            _ => None,
        }
    };
    let boxed = last_arg(ty, "Pin")?;
    let Type::Path(boxed_path) = &boxed else { return None };
    let segment = boxed_path.path.segments.last()?;
    if segment.ident != "Box" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else { return None };
    let Some(GenericArgument::Type(Type::TraitObject(object))) = args.args.first() else { return None };
    object.bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(t) = bound else { return None };
        let future = t.path.segments.last()?;
        if future.ident != "Future" {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &future.arguments else { return None };
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(assoc.ty.clone()),
            _ => None,
        })
    })
}
