//! Code: a validated [`Config`] becomes the function with a plain retry loop for a body.
//! Nothing here can fail; every check happened in `validate.rs`.

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, ItemFn, Pat};

use crate::validate::{Config, ErrorFilter, Function, Guards, Keys, Rebind, Source};

/// Names the expansion keeps to itself: mixed-site hygiene, so the body cannot see them.
fn private(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// The function, with its body replaced by the retry loop.
pub(crate) fn expand(config: Config) -> TokenStream {
    let Config { krate, source, state, guards, function } = config;
    let Function { item, is_async, ret, ok_ty, err_ty, err_path, rebinds, call_args, self_by_value, self_by_mut_ref } =
        function;
    let Guards { breaker, budget, fallback } = guards;
    let ItemFn { attrs, vis, sig, block } = item;
    let p = quote!(#krate::__private);
    let policy = private("__retry_policy");
    let call = private("__retry_call");
    let outcome = private("__retry_outcome");
    let result = private("__retry_result");
    let delay = private("__retry_delay");
    let name = sig.ident.to_string();

    let mut error_alias = TokenStream::new();
    let mut history = quote!(#p::Kept::default());
    let mut timeout_span = None;
    let policy_init = match source {
        Source::Policy(expr) => {
            if breaker.is_some() || budget.is_some() {
                // A run-time policy carries its own guards; the keys add them to a copy.
                let mut with = quote!(::core::clone::Clone::clone(&*(#expr)));
                if let Some(breaker) = &breaker {
                    with = quote_spanned!(breaker.span()=> #p::with_breaker(#with, &#breaker));
                }
                if let Some(budget) = &budget {
                    with = quote_spanned!(budget.span()=> #p::with_budget(#with, &#budget));
                }
                quote!(let #policy = &#with;)
            } else {
                quote_spanned!(expr.span()=> let #policy = &*(#expr);)
            }
        }
        Source::Keys(keys) => {
            timeout_span =
                keys.timeout.as_ref().map(|t| t.clone().into_iter().next().map_or_else(Span::call_site, |t| t.span()));
            let constant = keys.constant;
            if !keys.history {
                history = quote!(#p::Unkept);
            }
            let needs_alias = keys.on.as_ref().is_some_and(|f| f.patterns.iter().any(is_bare_name));
            if let (true, Some(err)) = (needs_alias, &err_path) {
                error_alias = quote!(#[allow(non_camel_case_types, clippy::all)] type __RetryErrorType = #err;);
            }
            let mut builder = keys_builder(&p, &name, *keys, &ok_ty, &err_ty, err_path.is_some(), state.is_some());
            if let Some(breaker) = &breaker {
                builder.extend(quote_spanned!(breaker.span()=> .breaker(&#breaker)));
            }
            if let Some(budget) = &budget {
                builder.extend(quote_spanned!(budget.span()=> .budget(&#budget)));
            }
            if constant {
                quote!(let #policy = &const { #builder.build() };)
            } else {
                quote!(let #policy = &#builder.build();)
            }
        }
    };
    let (clock, sleep) = if is_async {
        (quote!(#p::async_clock), quote!(#call.sleep_async(#delay).await))
    } else {
        (quote!(#p::blocking_clock), quote!(#call.sleep_blocking(#delay)))
    };
    let describe = if err_ty.to_string() == "_" {
        quote!(#p::opaque())
    } else {
        quote!({
            #[allow(unused_imports)]
            use #p::{ViaDebug as _, ViaDisplay as _, ViaNothing as _};
            (&&&#p::Describer::<#err_ty>::new()).describer()
        })
    };

    let body: TokenStream = match &self_by_value {
        Some((renamed, _)) => rename_self(block.to_token_stream(), renamed),
        None => block.to_token_stream(),
    };
    let mut bindings = TokenStream::new();
    if let Some((renamed, mutable)) = &self_by_value {
        let m = mutable.then(|| quote!(mut));
        bindings.extend(quote!(let #m #renamed = #p::clone_arg(&self);));
    }
    for rebind in &rebinds {
        bindings.extend(match rebind {
            Rebind::Reborrow(ident) => quote!(let #ident = &mut *#ident;),
            Rebind::Clone { pattern, source, ty } => {
                let clone = quote_spanned!(ty.span()=> #p::clone_arg(&#source));
                quote!(let #pattern = #clone;)
            }
            Rebind::Destructure { pattern, source } => quote!(let #pattern = #source;),
        });
    }
    if let Some(state) = &state {
        bindings.extend(quote!(let #state = &#call.state();));
    }

    let give_up = match &fallback {
        Some(path) => {
            let call = if is_async {
                quote_spanned!(path.span()=> #path(#(#call_args),*).await)
            } else {
                quote_spanned!(path.span()=> #path(#(#call_args),*))
            };
            quote!({
                if #result.is_ok() {
                    return #result;
                }
                return #call;
            })
        }
        None => quote!(return #result),
    };
    let next = private("__retry_next");
    let refused = private("__retry_refused");

    let attempt = if is_async {
        let run = match timeout_span {
            Some(span) => quote_spanned!(span=> #call.run),
            None => quote!(#call.run),
        };
        // `move`: the attempt's own copies of the arguments live in its future, not beside
        // it in the function's. Not with `&mut self`, which the first attempt would keep.
        let capture = (!self_by_mut_ref).then(|| quote!(move));
        quote!(#run(#p::attempt::<#ret, _>(async #capture #body)).await)
    } else {
        quote!((|| -> #ret #body)())
    };

    quote! {
        #(#attrs)*
        #vis #sig {
            #error_alias
            #policy_init
            let mut #call = #p::Call::new(#policy, #clock, || #describe, #history);
            loop {
                let #next = match #call.before_attempt() {
                    #p::Admit::Run => {
                        let #outcome = {
                            #bindings
                            #attempt
                        };
                        #call.after(#outcome)
                    }
                    #p::Admit::Refused(#refused) => #call.refused(#refused),
                };
                match #next {
                    #p::Next::Return(#result) => return #result,
                    #p::Next::GiveUp(#result) => #give_up,
                    #p::Next::Again => {}
                    #p::Next::Sleep(#delay) => #sleep,
                }
            }
        }
    }
}

/// The policy the attribute's keys describe, as a builder chain.
fn keys_builder(
    p: &TokenStream,
    name: &str,
    keys: Keys,
    ok_ty: &TokenStream,
    err_ty: &TokenStream,
    has_alias: bool,
    track_time: bool,
) -> TokenStream {
    let mut chain = quote!(#p::builder(::core::concat!(::core::module_path!(), "::", #name)));
    let mut add = |tokens: TokenStream| chain.extend(tokens);
    if let Some(stop) = keys.stop {
        add(quote!(.stop(#stop)));
    }
    if let Some(wait) = keys.wait {
        add(quote!(.wait(#wait)));
    }
    if let Some(predicate) = error_predicate(p, err_ty, keys.on, keys.when, has_alias) {
        add(quote!(.when(#predicate)));
    }
    if let Some(when_ok) = keys.when_ok {
        add(quote_spanned!(when_ok.span()=> .when_ok(#p::value_predicate::<#ok_ty, _>(#when_ok))));
    }
    if let Some(retry_after) = keys.retry_after {
        add(quote_spanned!(retry_after.span()=> .retry_after(#p::server_delay::<#err_ty, _>(#retry_after))));
    }
    if let Some(max) = keys.retry_after_max {
        add(quote!(.retry_after_max(#max)));
    }
    if let Some(timeout) = keys.timeout {
        add(quote!(.timeout(#timeout)));
    }
    for (method, hook) in [
        ("before", keys.before),
        ("after", keys.after),
        ("before_sleep", keys.before_sleep),
        ("on_give_up", keys.on_give_up),
    ] {
        if let Some(hook) = hook {
            let method = Ident::new(method, hook.span());
            add(quote_spanned!(hook.span()=> .#method(#p::hook::<#ok_ty, #err_ty, _>(#hook))));
        }
    }
    if let Some(level) = keys.log {
        let variant = Ident::new(
            match level.to_string().as_str() {
                "off" => "Off",
                "trace" => "Trace",
                "debug" => "Debug",
                "info" => "Info",
                "warn" => "Warn",
                _ => "Error",
            },
            level.span(),
        );
        add(quote!(.log(#p::LogLevel::#variant)));
    }
    if let Some(sleeper) = keys.sleeper {
        add(quote_spanned!(sleeper.span()=> .sleeper(#sleeper)));
    }
    if track_time {
        add(quote!(.track_time()));
    }
    chain
}

/// `on` / `unless` and `when`, as one `Fn(&E) -> bool`.
fn error_predicate(
    p: &TokenStream,
    err_ty: &TokenStream,
    filter: Option<ErrorFilter>,
    when: Option<Expr>,
    has_alias: bool,
) -> Option<TokenStream> {
    let error = private("__retry_error");
    let matches = filter.map(|ErrorFilter { negate, patterns }| {
        let patterns = patterns.iter().map(|pat| variant_pattern(pat, has_alias));
        let test = quote!(::core::matches!(#error, #(#patterns)|*));
        if negate { quote!(!#test) } else { test }
    });
    match (matches, when) {
        (None, None) => None,
        (None, Some(when)) => Some(quote_spanned!(when.span()=> #p::error_predicate::<#err_ty, _>(#when))),
        (Some(test), None) => Some(quote!(#p::error_predicate::<#err_ty, _>(|#error: &#err_ty| #test))),
        (Some(test), Some(when)) => {
            let w = private("__retry_when");
            let when = quote_spanned!(when.span()=> #p::error_predicate::<#err_ty, _>(#when));
            Some(quote!({
                let #w = #when;
                #p::error_predicate::<#err_ty, _>(move |#error: &#err_ty| #test && #w(#error))
            }))
        }
    }
}

fn is_bare_name(pat: &Pat) -> bool {
    matches!(pat, Pat::Ident(pi) if pi.by_ref.is_none() && pi.mutability.is_none() && pi.subpat.is_none())
}

/// A path names its variant whatever the variant's fields (`P { .. }`); a bare name is
/// qualified by the function's error type, so it can never become a catch-all binding.
fn variant_pattern(pat: &Pat, has_alias: bool) -> TokenStream {
    match pat {
        Pat::Ident(pi) if is_bare_name(pat) => {
            let ident = &pi.ident;
            let span = ident.span();
            if has_alias {
                quote_spanned!(span=> __RetryErrorType::#ident { .. })
            } else {
                quote_spanned!(span=> #ident { .. })
            }
        }
        Pat::Path(pp) => {
            let span = pp.span();
            quote_spanned!(span=> #pp { .. })
        }
        other => other.to_token_stream(),
    }
}

/// Renames `self` in the body of a method that takes `self` by value, so each attempt can
/// work on its own clone.
fn rename_self(tokens: TokenStream, renamed: &Ident) -> TokenStream {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Ident(ident) if ident == "self" => {
                TokenTree::Ident(Ident::new(&renamed.to_string(), ident.span()))
            }
            TokenTree::Group(group) => {
                let mut g = Group::new(group.delimiter(), rename_self(group.stream(), renamed));
                g.set_span(group.span());
                TokenTree::Group(g)
            }
            other => other,
        })
        .collect()
}
