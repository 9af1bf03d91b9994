//! The `#[retry]` attribute. Use it through `retry_runtime::retry`, whose documentation
//! describes every key.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod attr;
mod errors;
mod expand;
mod item;
mod receiver;
mod spans;
mod terms;
mod validate;

/// Retries the function it is placed on; see `retry_runtime::retry`.
#[proc_macro_attribute]
pub fn retry(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = errors::Errors::default();
    let args = attr::parse(args.into(), &mut errors);
    let function = match item::parse(item.into()) {
        item::Item::Function(function) => *function,
        item::Item::Other(tokens, error) => {
            errors.push(error);
            let mut out = errors.into_compile_errors();
            out.extend(tokens);
            return out.into();
        }
    };
    let original = function.clone();
    // A method `#[async_trait]` rewrote: retry the `async fn` it was, inside its box.
    let boxed = item::async_trait_method(&function);
    let function = boxed.clone().unwrap_or(function);
    let config = validate::validate(args, function, &mut errors);
    match (errors.finish(()), config) {
        (Ok(()), Some(config)) if boxed.is_some() => reboxed(expand::expand(config), original),
        (Ok(()), Some(config)) => expand::expand(config).into(),
        (Err(errors), _) => with_errors(errors, &original),
        (Ok(()), None) => with_errors(errors::Errors::default(), &original),
    }
}

/// The retried `async fn`'s body put back where `#[async_trait]` had the written one:
/// `Box::pin(async move { loop })` in the method as it rewrote it.
fn reboxed(expanded: proc_macro2::TokenStream, mut method: syn::ItemFn) -> TokenStream {
    match syn::parse2::<syn::ItemFn>(expanded) {
        Ok(retried) => {
            let body = &retried.block;
            method.block = Box::new(syn::parse_quote!({ ::std::boxed::Box::pin(async move #body) }));
            quote::ToTokens::into_token_stream(method).into()
        }
        Err(e) => with_errors_of(e, &method),
    }
}

fn with_errors_of(error: syn::Error, original: &syn::ItemFn) -> TokenStream {
    let mut errors = errors::Errors::default();
    errors.push(error);
    with_errors(errors, original)
}

/// The function as written, beside the errors, so rustc adds no follow-on noise.
fn with_errors(errors: errors::Errors, original: &syn::ItemFn) -> TokenStream {
    let mut out = errors.into_compile_errors();
    quote::ToTokens::to_tokens(original, &mut out);
    out.into()
}
