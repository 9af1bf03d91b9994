//! Code: a validated [`Config`] becomes the function with a plain retry loop for a body.
//! Nothing here can fail; every check happened in `validate.rs`.

use proc_macro2::{Group, Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, ItemFn, Lifetime, Pat, PatIdent, Type};

use retry_grammar::{
    AFTER, BEFORE, BEFORE_SLEEP, Base, Count, Delay, Fraction, Level, Nesting, ON_GIVE_UP, Problem, StopSpec, WaitSpec,
};

use crate::receiver;
use crate::spans::{as_generated, first_span, last_span, located, uniform};
use crate::terms::Site;
use crate::validate::{
    Config, ErrorFilter, Function, Guards, Hedging, Keys, Param, PartType, ReturnShape, Seed, Source, StreamShape,
};

/// Names the expansion keeps to itself: mixed-site hygiene, so the body cannot see them.
fn private(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// The function, with its body replaced by the retry loop.
pub(crate) fn expand(config: Config) -> TokenStream {
    let Config { krate, source, state, guards, hedge, function } = config;
    let Function { mut item, is_async, ret, params } = function;
    let krate = match &krate {
        Some(path) => as_generated(path.to_token_stream()),
        None => quote!(::retry_runtime),
    };
    let p = quote!(#krate::__private);
    let Mentions { ret, ok_ty, err_ty, err_inferred, err_path, err_qualifier, ret_span, stream } = mentions(&p, ret);
    let call = private("__retry_call");
    // A by-value argument goes to the attempt known to be the last instead of a clone, unless
    // a fallback needs it after the attempts, a hedged round clones it for each attempt, or a
    // stream's opener (a closure that knows no attempt number) does.
    let hold = (guards.fallback.is_none() && hedge.is_none() && stream.is_none()).then_some(&call);
    let Arguments { call_args, bindings: rebinds, holders, self_copy } = arguments(&p, &mut item, &params, hold);
    let self_by_mut_ref = params.iter().any(|param| matches!(param, Param::SelfRef { mutable: true }));
    let Guards { breaker, budget, limiter, bulkhead, fallback } = guards;
    let ItemFn { attrs, vis, sig, mut block, .. } = item;
    let policy = private("__retry_policy");
    let outcome = private("__retry_outcome");
    let result = private("__retry_result");
    let delay = private("__retry_delay");
    let name = sig.ident.to_string();

    let mut error_alias = TokenStream::new();
    let mut name_function = None;
    let mut timeout_check = TokenStream::new();
    // Where `breaker` is written: a missing `From<CircuitOpen>` is reported there, once, and
    // the guard falls back to none so that nothing else reports it again.
    let mut breaker_check = TokenStream::new();
    let breaker_guard = breaker.as_ref().map(|breaker| {
        if err_inferred {
            quote!(&#breaker)
        } else {
            breaker_check = located(quote!(#p::breaker_error::<#err_ty>();), first_span(breaker));
            quote_spanned!(breaker.span()=> {
                #[allow(unused_imports)]
                use #p::{ViaFromCircuitOpen as _, ViaNoBreaker as _};
                (&&#p::BreakerProbe::<#err_ty>::new()).guard(&#breaker)
            })
        }
    });
    // `limiter` and `bulkhead` as `breaker`: each check where its key is written, once.
    let mut shaping_checks = TokenStream::new();
    let mut shaping_guard = |guard: &Option<Expr>, check: &str, probe: &str, via: [&str; 2]| {
        guard.as_ref().map(|guard| {
            if err_inferred {
                quote!(&#guard)
            } else {
                let (check, probe) = (format_ident!("{check}"), format_ident!("{probe}"));
                let (yes, no) = (format_ident!("{}", via[0]), format_ident!("{}", via[1]));
                shaping_checks.extend(located(quote!(#p::#check::<#err_ty>();), first_span(guard)));
                quote_spanned!(guard.span()=> {
                    #[allow(unused_imports)]
                    use #p::{#yes as _, #no as _};
                    (&&#p::#probe::<#err_ty>::new()).guard(&#guard)
                })
            }
        })
    };
    let limiter_guard =
        shaping_guard(&limiter, "limiter_error", "LimiterProbe", ["ViaFromRateLimited", "ViaNoLimiter"]);
    let bulkhead_guard =
        shaping_guard(&bulkhead, "bulkhead_error", "BulkheadProbe", ["ViaFromBulkheadFull", "ViaNoBulkhead"]);
    let shaped = limiter_guard.is_some() || bulkhead_guard.is_some();
    let hedged = hedge.is_some();
    // Input:  hedge = after(200ms), hedges = 2
    // Output: p::Hedge::after(p::Duration::new(0, 200000000)).hedges(2)
    let hedge = hedge.map(|Hedging { after, hedges }| {
        let after = delay_tokens(&p, &after);
        let hedges = match hedges {
            None => quote!(1),
            Some(Count::Known(n)) => quote!(#n),
            Some(Count::Later(e)) => {
                let checked = at_site(&p, &e);
                quote!(const { #checked::hedges(#e) })
            }
        };
        quote!(#p::Hedge::after(#after).hedges(#hedges))
    });
    let mut history = quote!(#p::Kept::default());
    // Whether the call may have a `deadline`, after whose sleep `woke` needs the outcome.
    let mut may_have_deadline = true;
    let policy_init = match source {
        Source::Policy(expr) => {
            // Method autoderef reaches the policy through any references and smart pointers
            // (`&POLICY`, a `LazyLock`, an `Arc`), and a policy returned by value lives in
            // the extended temporary.
            let held = private("__retry_policy_held");
            // A shared policy cannot name the function it runs for; the call can.
            name_function = Some(quote!(
                #call.name_function(::core::concat!(::core::module_path!(), "::", #name));
            ));
            let found = quote_spanned!(expr.span()=> {
                #[allow(unused_imports)]
                use #p::AsPolicy as _;
                #held.__retry_policy()
            });
            // A run-time policy carries no guards of its own; the keys add them to a copy.
            let mut guarded = None;
            if let Some(guard) = &breaker_guard {
                let base = guarded.take().unwrap_or_else(|| quote!(::core::clone::Clone::clone(#found)));
                guarded = Some(quote!(#p::with_breaker(#base, #guard)));
            }
            if let Some(budget) = &budget {
                let base = guarded.take().unwrap_or_else(|| quote!(::core::clone::Clone::clone(#found)));
                guarded = Some(quote_spanned!(budget.span()=> #p::with_budget(#base, &#budget)));
            }
            if let Some(guard) = &limiter_guard {
                let base = guarded.take().unwrap_or_else(|| quote!(::core::clone::Clone::clone(#found)));
                guarded = Some(quote!(#p::with_limiter(#base, #guard)));
            }
            if let Some(guard) = &bulkhead_guard {
                let base = guarded.take().unwrap_or_else(|| quote!(::core::clone::Clone::clone(#found)));
                guarded = Some(quote!(#p::with_bulkhead(#base, #guard)));
            }
            if let Some(hedge) = &hedge {
                let base = guarded.take().unwrap_or_else(|| quote!(::core::clone::Clone::clone(#found)));
                guarded = Some(quote!(#p::with_hedge(#base, #hedge)));
            }
            // A stream outlives the function's locals, so it owns its policy: a clone.
            let policy_value = match (guarded, stream) {
                (Some(guarded), None) => quote!(&#guarded),
                (None, None) => found,
                (Some(guarded), Some(_)) => quote!(#p::Owned(#guarded)),
                (None, Some(_)) => quote!(#p::Owned(::core::clone::Clone::clone(#found))),
            };
            quote_spanned!(expr.span()=>
                let #held = &(#expr);
                let #policy = #policy_value;
            )
        }
        Source::Keys(keys) => {
            // Where `timeout` is written: a missing `From<Elapsed>` is reported there, once.
            if let Some((_, span)) = keys.timeout.as_ref().or(keys.first_item_timeout.as_ref())
                && !err_inferred
            {
                timeout_check = located(quote!(#p::timeout_error::<#err_ty>();), *span);
            }
            let constant = keys.constant;
            if !keys.history {
                // No history, no clock: no deadline.
                history = quote!(#p::Unkept);
                may_have_deadline = false;
            }
            // A bare variant name is qualified by the error type's path, or, for an alias of a
            // `Result` (`Fallible<T>`), by a `type` naming its error type.
            let needs_alias = err_qualifier.is_none()
                && keys.on.as_ref().is_some_and(|f| f.patterns.iter().any(|pat| qualifiable(pat, None)));
            let mut qualifier = err_qualifier.clone();
            if let (true, Some(err)) = (needs_alias, &err_path) {
                error_alias = quote!(#[allow(non_camel_case_types, clippy::all)] type __RetryErrorType = #err;);
                qualifier = Some(quote!(__RetryErrorType));
            }
            let mut builder = keys_builder(&p, &name, *keys, &ok_ty, &err_ty, err_inferred, qualifier.as_ref());
            if let Some(guard) = &breaker_guard {
                builder.extend(quote!(.breaker_marked(#guard)));
            }
            if let Some(budget) = &budget {
                builder.extend(quote_spanned!(budget.span()=> .budget(&#budget)));
            }
            if let Some(guard) = &limiter_guard {
                builder.extend(quote!(.limiter_marked(#guard)));
            }
            if let Some(guard) = &bulkhead_guard {
                builder.extend(quote!(.bulkhead_marked(#guard)));
            }
            if let Some(hedge) = &hedge {
                builder.extend(quote!(.hedge(#hedge)));
            }
            match (constant, stream) {
                (true, _) => quote!(let #policy = &const { #builder.build() };),
                (false, None) => quote!(let #policy = &#builder.build();),
                // A stream outlives the function's locals, so it owns a policy built here.
                (false, Some(_)) => quote!(let #policy = #p::Owned(#builder.build());),
            }
        }
    };
    let (clock, sleep) = if is_async {
        (quote!(#p::async_clock), quote!(#call.sleep_async(#delay).await))
    } else {
        (quote!(#p::blocking_clock), quote!(#call.sleep_blocking(#delay)))
    };
    let describe = if err_inferred {
        quote!(#p::Opaque)
    } else {
        located(
            quote!({
                #[allow(unused_imports)]
                use #p::{ViaDebug as _, ViaDisplay as _, ViaNothing as _};
                (&&&#p::Describer::<#err_ty>::new()).describer()
            }),
            ret_span,
        )
    };

    if let Some((copy, _)) = &self_copy {
        receiver::rename_self(&mut block, copy);
    }
    let body = block.to_token_stream();
    // The body's statements, for the async blocks that hold them: `{ Ok(1) }` as an async
    // block's tail would be braces rustc's `unused_braces` asks to remove.
    let statements = {
        let statements = &block.stmts;
        quote!(#(#statements)*)
    };
    let mut bindings = TokenStream::new();
    bindings.extend(rebinds);
    // A hedged round's attempts read the state inside their own futures (see `run` below).
    let hedge_bindings = bindings.clone();
    if let Some(state) = &state {
        bindings.extend(quote!(let #state = &#call.state();));
    }

    if let Some(shape) = stream {
        // Input:  fn tokens(prompt: &str) -> impl Stream<Item = Result<Token, E>> { body }
        // Output: p::retry_stream(policy, move || { bindings; p::opened((move || body)()) })
        let open = match (is_async, shape) {
            (false, StreamShape::Made) => quote!(#p::opened((move || #body)())),
            (false, StreamShape::Opened) => quote!(::core::future::ready((move || #body)())),
            (true, StreamShape::Made) => quote!(#p::opened_async(async move #body)),
            (true, StreamShape::Opened) => quote!(async move #body),
        };
        let retried = quote!(#p::retry_stream(#policy, move || { #bindings #open }));
        let tail = match (is_async, shape) {
            // An `async fn` that opens its stream returns once it has the first item, with
            // the error it gave up with if none came.
            (true, StreamShape::Opened) => quote!(#p::first_item(#retried).await),
            (false, StreamShape::Opened) => quote!(::core::result::Result::Ok(#retried)),
            (_, StreamShape::Made) => retried,
        };
        return with_body(
            attrs,
            vis,
            sig,
            quote!(#error_alias #timeout_check #breaker_check #shaping_checks #policy_init #tail),
        );
    }

    let returned = {
        let result = Ident::new("__retry_result", Span::mixed_site().located_at(ret_span));
        located(quote!(#p::returned::<#ret>(#result)), ret_span)
    };
    let give_up = match &fallback {
        Some(path) => {
            let fallback = if is_async {
                quote_spanned!(path.span()=> #path(#(#call_args),*).await)
            } else {
                quote_spanned!(path.span()=> #path(#(#call_args),*))
            };
            quote!({
                if #result.is_ok() {
                    return #returned;
                }
                #call.falling_back();
                // The parameters as received, `_x` included: no lint for a use the user did not write.
                #[allow(clippy::used_underscore_binding)]
                return #fallback;
            })
        }
        None => quote!(return #returned),
    };
    // The body's state reports the time since the first attempt, whatever the policy.
    let track_time = state.is_some().then(|| quote!(#call.track_time();));
    let refused = private("__retry_refused");

    // Every use of the return type is located at it, whole expressions included, so that a
    // type that is no `Result` is reported there once: rustc merges errors at one span.
    let value = Ident::new("__retry_value", Span::mixed_site().located_at(ret_span));
    let attempt = if is_async {
        // A `return` of the function's type that never runs fixes the async block's output
        // type before the body is checked, so the body's `return`s and tail coerce to it as
        // they would in the function itself (`&String` to `&str`, say), as
        // tracing-attributes does.
        let fake = private("__retry_fake_return");
        // `move`: the attempt's own copies of the arguments live in its future, not beside
        // it in the function's. Not with `&mut self`, which the first attempt would keep.
        let capture = (!self_by_mut_ref).then(|| quote!(move));
        // The attempt's future is created where it is awaited, never held in a local across
        // an await: a moved-from local would keep its room in the function's future too.
        // `run`: the attempt tells the retried calls nested in it that this layer is there
        // (spec §11), during each of its polls.
        let outcome = located(quote!(#p::outcome_of::<#ret, _>), ret_span);
        quote! {
            #call.run(#call.attempt_timeout(), #outcome(#p::attempt::<#ret, _>(async #capture {
                #[allow(unreachable_code, clippy::diverging_sub_expression, clippy::needless_return)]
                if false {
                    let #fake: #ret = loop {};
                    return #fake;
                }
                #statements
            }))).await
        }
    } else {
        let outcome = located(quote!(#p::outcome::<#ret>(#value)), ret_span);
        quote! {
            let #value = #call.run_blocking(|| -> #ret #body);
            #outcome
        }
    };

    let run = if hedged {
        // Input:  async fn ask(&self, prompt: &str, n: String) { body }, hedge = after(D)
        // Output: call.hedged(p::attempts_of(&call, |view| { let n = clone_arg(&n);
        //             outcome_of(attempt(async move { body })) })).await
        // Each attempt of a round is made afresh: by-value arguments cloned, references
        // shared (validation refused any borrowed mutably), the state read from the call.
        let view = private("__retry_view");
        let fake = private("__retry_fake_return");
        let outcome = located(quote!(#p::outcome_of::<#ret, _>), ret_span);
        let (state_outer, state_inner) = match &state {
            Some(state) => {
                let read = private("__retry_state");
                (quote!(let #read = #view.state();), quote!(let #state = &#read;))
            }
            None => (TokenStream::new(), TokenStream::new()),
        };
        quote! {
            #call.hedged(#p::attempts_of(&#call, |#view| {
                #hedge_bindings
                #state_outer
                #outcome(#p::attempt::<#ret, _>(async move {
                    #state_inner
                    #[allow(unreachable_code, clippy::diverging_sub_expression, clippy::needless_return)]
                    if false {
                        let #fake: #ret = loop {};
                        return #fake;
                    }
                    #statements
                }))
            })).await
        }
    } else if shaped {
        // The limiter's permit and the bulkhead's place (`shaping.rs`): the place is given
        // back and the permit reported before the outcome is decided.
        let shaping = private("__retry_shaped");
        quote! {
            match #call.shape().await {
                ::core::result::Result::Ok(#shaping) => {
                    let #outcome = {
                        #bindings
                        #attempt
                    };
                    #call.release_shaped(#shaping, &#outcome);
                    #call.after(#outcome)
                }
                ::core::result::Result::Err(#refused) => #p::Next::GiveUp(#call.shaping_refused(#refused)),
            }
        }
    } else {
        quote!({
            let #outcome = {
                #bindings
                #attempt
            };
            #call.after(#outcome)
        })
    };

    let last = private("__retry_last");
    let head = quote! {
        #error_alias
        #timeout_check
        #breaker_check
        #shaping_checks
        #policy_init
        #(#holders)*
        let mut #call = #p::Call::new(#policy, #clock, #describe, #history);
        #name_function
        #track_time
    };
    let next_of_attempt = quote! {
        match #call.before_attempt() {
            #p::Admit::Run => #run,
            #p::Admit::Refused(#refused) => #p::Next::GiveUp(#call.refused(#refused)),
        }
    };
    let looped = if may_have_deadline {
        // A sleep that ended past the deadline gives up with the outcome it followed, so that
        // sleep holds it: a second await point, only in a call that may have a deadline.
        quote! {
            #head
            loop {
                let #result = match #next_of_attempt {
                    #p::Next::Return(#result) => return #returned,
                    #p::Next::GiveUp(#result) => #result,
                    #p::Next::Again => continue,
                    #p::Next::Sleep(#delay) => {
                        #sleep;
                        continue;
                    }
                    #p::Next::SleepThenCheck(#delay, #last) => {
                        #sleep;
                        match #call.woke(#last) {
                            ::core::option::Option::Some(#result) => #result,
                            ::core::option::Option::None => continue,
                        }
                    }
                };
                #give_up
            }
        }
    } else {
        // One await point for every sleep: the function's future has one state that holds a
        // sleep, so dropping it once it is done is a test of its tag, inlined where it is
        // awaited (with two, a call of its drop glue after every call). `SleepThenCheck` is
        // never made for a call without a deadline; its outcome is dropped before the sleep
        // all the same, so that the future keeps no room for it there.
        let sleeping = Lifetime::new("'__retry_sleeping", Span::mixed_site());
        let attempts = Lifetime::new("'__retry_attempts", Span::mixed_site());
        quote! {
            #head
            #attempts: loop {
                let #delay = #sleeping: {
                    let #result = match #next_of_attempt {
                        #p::Next::Return(#result) => return #returned,
                        #p::Next::GiveUp(#result) => #result,
                        #p::Next::Again => continue #attempts,
                        #p::Next::Sleep(#delay) => break #sleeping #delay,
                        #p::Next::SleepThenCheck(#delay, #last) => {
                            ::core::mem::drop(#last);
                            break #sleeping #delay;
                        }
                    };
                    #give_up
                };
                #sleep;
            }
        }
    };
    with_body(attrs, vis, sig, looped)
}

/// The function as written, with `body` for a body.
fn with_body(attrs: Vec<syn::Attribute>, vis: syn::Visibility, sig: syn::Signature, body: TokenStream) -> TokenStream {
    quote! {
        #(#attrs)*
        #vis #sig {
            #body
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
    err_inferred: bool,
    qualifier: Option<&TokenStream>,
) -> TokenStream {
    let mut chain = quote!(#p::builder(::core::concat!(::core::module_path!(), "::", #name)));
    if let Some((preset, at)) = keys.preset {
        // Input:  preset = openai
        // Output: p::presets::openai(p::builder(…)), the preset's keys on the defaults
        let preset = Ident::new(preset.name, at);
        chain = quote!(#p::presets::#preset(#chain));
    }
    let mut add = |tokens: TokenStream| chain.extend(tokens);
    if let Some(stop) = keys.stop {
        let stop = stop_tokens(p, &stop);
        add(quote!(.stop(#stop)));
    }
    if let Some(wait) = keys.wait {
        let wait = wait_tokens(p, &wait);
        add(quote!(.wait(#wait)));
    }
    if let Some(predicate) = error_predicate(p, err_ty, keys.on, keys.when, qualifier) {
        add(quote!(.when(#predicate)));
    }
    if let Some(when_ok) = keys.when_ok {
        add(quote_spanned!(when_ok.span()=> .when_ok(#p::value_predicate::<#ok_ty, _>(#when_ok))));
    }
    if let Some(retry_after) = keys.retry_after {
        add(quote_spanned!(retry_after.span()=> .retry_after(#p::server_delay::<#err_ty, _>(#retry_after))));
    }
    match keys.seed {
        Some(Seed::Known(n)) => {
            let n = proc_macro2::Literal::u64_suffixed(n);
            add(quote!(.seed(#n)));
        }
        Some(Seed::Named(e)) => add(quote_spanned!(e.span()=> .seed(#e))),
        None => {}
    }
    if let Some(max) = keys.retry_after_max {
        let max = delay_tokens(p, &max);
        add(quote!(.retry_after_max(#max)));
    }
    if let Some((timeout, _)) = keys.timeout {
        let timeout = delay_tokens(p, &timeout);
        // The marker follows `E: From<Elapsed>`, so that a missing impl is reported only by
        // the check at `timeout`, not again wherever the policy is used.
        if err_inferred {
            add(quote!(.timeout(#timeout)));
        } else {
            add(quote!(.timeout_marked(#timeout, {
                #[allow(unused_imports)]
                use #p::{ViaFromElapsed as _, ViaNoTimeout as _};
                (&&#p::TimeoutProbe::<#err_ty>::new()).marker()
            })));
        }
    }
    // Each hook's builder method is spelled as its key.
    for (method, hook) in [
        (BEFORE.name, keys.before),
        (AFTER.name, keys.after),
        (BEFORE_SLEEP.name, keys.before_sleep),
        (ON_GIVE_UP.name, keys.on_give_up),
    ] {
        if let Some(hook) = hook {
            let method = Ident::new(method, hook.span());
            add(quote_spanned!(hook.span()=> .#method(#p::hook::<#ok_ty, #err_ty, _>(#hook))));
        }
    }
    if let Some((level, span)) = keys.log {
        let variant = match level {
            Level::Off => quote_spanned!(span=> Off),
            Level::Trace => quote_spanned!(span=> Trace),
            Level::Debug => quote_spanned!(span=> Debug),
            Level::Info => quote_spanned!(span=> Info),
            Level::Warn => quote_spanned!(span=> Warn),
            Level::Error => quote_spanned!(span=> Error),
        };
        add(quote!(.log(#p::LogLevel::#variant)));
    }
    if let Some(sleeper) = keys.sleeper {
        add(quote_spanned!(sleeper.span()=> .sleeper(#sleeper)));
    }
    if let Some((nesting, span)) = keys.nested {
        let variant = match nesting {
            Nesting::Inner => quote_spanned!(span=> Inner),
            Nesting::InnerOnce => quote_spanned!(span=> InnerOnce),
            Nesting::Multiply => quote_spanned!(span=> Multiply),
        };
        add(quote!(.nested(#p::Nested::#variant)));
    }
    if let Some((limit, _)) = keys.first_item_timeout {
        let limit = delay_tokens(p, &limit);
        // The marker as for `timeout`: a missing `From<Elapsed>` is reported once, at the key.
        if err_inferred {
            add(quote!(.first_item_timeout_marked(#limit, #p::WithTimeout)));
        } else {
            add(quote!(.first_item_timeout_marked(#limit, {
                #[allow(unused_imports)]
                use #p::{ViaFromElapsed as _, ViaNoTimeout as _};
                (&&#p::TimeoutProbe::<#err_ty>::new()).marker()
            })));
        }
    }
    chain
}

/// `p` moved to where the user's expression is, so that a failed `const` check is
/// reported there.
fn at_site(p: &TokenStream, site: &Site) -> TokenStream {
    located(p.clone(), first_span(site))
}

// Input:  Known(1.5s)          | Later { at: TIMEOUT, positive_for: Some("timeout") }
// Output: p::Duration::new(1, 500000000) | const { p::positive(TIMEOUT, "`timeout` needs …") }
fn delay_tokens(p: &TokenStream, delay: &Delay<Site>) -> TokenStream {
    match delay {
        Delay::Known(d) => {
            let (secs, nanos) = (d.as_secs(), d.subsec_nanos());
            quote!(#p::Duration::new(#secs, #nanos))
        }
        Delay::Later { at, positive_for: Some(what) } => {
            let message = Problem::ZeroDuration { what }.to_string();
            let p = at_site(p, at);
            quote_spanned!(first_span(at)=> const { #p::positive(#at, #message) })
        }
        Delay::Later { at, positive_for: None } => {
            quote_spanned!(first_span(at)=> const { #p::duration(#at) })
        }
    }
}

/// The runtime constructor a strategy's table entry names, at the user's name.
fn constructor(name: &str, at: &Site) -> Ident {
    Ident::new(name, first_span(at))
}

// Input:  attempts(5) | elapsed(30s)
// Output: p::stop::Either(p::stop::attempts(5), p::stop::elapsed(p::Duration::new(30, 0)))
/// The combinators' constructors rather than `|` and `&`, whose trait impls cannot run in
/// the `const` block that builds the policy.
fn stop_tokens(p: &TokenStream, spec: &StopSpec<Site>) -> TokenStream {
    let s = quote!(#p::stop);
    let name = |at: &Site| constructor(spec.strategy().map(|e| e.name).unwrap_or_default(), at);
    match spec {
        StopSpec::Attempts { count: Count::Known(n), at } => {
            let f = name(at);
            quote!(#s::#f(#n))
        }
        StopSpec::Attempts { count: Count::Later(e), at } => {
            let (f, checked) = (name(at), at_site(p, e));
            quote!(#s::#f(const { #checked::attempts(#e) }))
        }
        StopSpec::Elapsed { limit, at } | StopSpec::Deadline { limit, at } => {
            let (f, d) = (name(at), delay_tokens(p, limit));
            quote!(#s::#f(#d))
        }
        StopSpec::Never { at } => {
            let f = name(at);
            quote!(#s::#f())
        }
        StopSpec::Either(all) => fold(all.iter().map(|x| stop_tokens(p, x)), &quote!(#s::Either)),
        StopSpec::Both(all) => fold(all.iter().map(|x| stop_tokens(p, x)), &quote!(#s::Both)),
    }
}

/// `a, b, c` joined left to right by the combinator `join`: `join(join(a, b), c)`.
fn fold(mut parts: impl Iterator<Item = TokenStream>, join: &TokenStream) -> TokenStream {
    let first = parts.next().unwrap_or_default();
    parts.fold(first, |left, right| quote!(#join(#left, #right)))
}

// Input:  exponential(1, 60, 1.5) + fixed(TICK)
// Output: p::wait::Sum(p::wait::exponential(…).with_base(1.5), p::wait::fixed(const { p::duration(TICK) }))
fn wait_tokens(p: &TokenStream, spec: &WaitSpec<Site>) -> TokenStream {
    let w = quote!(#p::wait);
    let call = |at: &Site, args: &[&Delay<Site>]| {
        let f = constructor(spec.strategy().map(|e| e.name).unwrap_or_default(), at);
        let args = args.iter().map(|d| delay_tokens(p, d));
        quote!(#w::#f(#(#args),*))
    };
    match spec {
        WaitSpec::None { at } => call(at, &[]),
        WaitSpec::Fixed { delay, at } => call(at, &[delay]),
        WaitSpec::Random { min, max, at } => call(at, &[min, max]),
        WaitSpec::Exponential { initial, max, base, at } => {
            let exp = call(at, &[initial, max]);
            match base {
                None => exp,
                Some(Base::Known(b)) => quote!(#exp.with_base(#b)),
                Some(Base::Later(e)) => {
                    let checked = at_site(p, e);
                    quote!(#exp.with_base(const { #checked::base(#e) }))
                }
            }
        }
        WaitSpec::ExpJitter { initial, max, jitter, at } => call(at, &[initial, max, jitter]),
        WaitSpec::Jitter { base, cap, at, .. } => call(at, &[base, cap]),
        WaitSpec::Incrementing { start, step, max, at } => call(at, &[start, step, max]),
        WaitSpec::Decrementing { start, step, floor, at } => call(at, &[start, step, floor]),
        WaitSpec::ScaledJitter { initial, max, fraction, at } => {
            let f = constructor(spec.strategy().map(|e| e.name).unwrap_or_default(), at);
            let (initial, max) = (delay_tokens(p, initial), delay_tokens(p, max));
            let fraction = match fraction {
                Fraction::Known(x) => quote!(#x),
                Fraction::Later(e) => {
                    let checked = at_site(p, e);
                    quote!(const { #checked::fraction(#e) })
                }
            };
            quote!(#w::#f(#initial, #max, #fraction))
        }
        WaitSpec::Chain { waits, at } => {
            let f = constructor(spec.strategy().map(|e| e.name).unwrap_or_default(), at);
            let parts = waits.iter().map(|x| wait_tokens(p, x));
            quote!(#w::#f((#(#parts,)*)))
        }
        WaitSpec::Sum(all) => fold(all.iter().map(|x| wait_tokens(p, x)), &quote!(#w::Sum)),
    }
}

/// `on` / `unless` and `when`, as one `Fn(&E) -> bool`.
fn error_predicate(
    p: &TokenStream,
    err_ty: &TokenStream,
    filter: Option<ErrorFilter>,
    when: Option<Expr>,
    qualifier: Option<&TokenStream>,
) -> Option<TokenStream> {
    let error = private("__retry_error");
    let matches = filter.map(|ErrorFilter { negate, patterns }| {
        let patterns = patterns.iter().map(|pat| variant_pattern(pat, qualifier));
        let test = quote!(::core::matches!(#error, #(#patterns)|*));
        if negate { quote!(!#test) } else { test }
    });
    match (matches, when) {
        (None, None) => None,
        (None, Some(when)) => Some(quote_spanned!(when.span()=> #p::error_predicate::<#err_ty, _>(#when))),
        (Some(test), None) => Some(quote!(#p::error_fn::<#err_ty>(|#error: &#err_ty| #test))),
        (Some(test), Some(when)) => {
            let w = private("__retry_when");
            let when = quote_spanned!(when.span()=> #p::error_predicate::<#err_ty, _>(#when));
            Some(quote!({
                let #w = #when;
                #p::error_predicate::<#err_ty, _>(move |#error: &#err_ty| #test && #p::RetryError::retry(&#w, #error))
            }))
        }
    }
}

/// `function(args)` spanning the user's tokens from `first` to `last`, so that rustc's
/// errors about the call (an argument of the wrong type, an unmet bound) underline them.
fn over<A: ToTokens, B: ToTokens>(function: TokenStream, args: TokenStream, first: &A, last: &B) -> TokenStream {
    let (first, last) = (first_span(first), last_span(last));
    let function = located(function, first);
    let mut args = Group::new(proc_macro2::Delimiter::Parenthesis, args);
    args.set_span(Span::call_site().located_at(last));
    quote!(#function #args)
}

fn is_bare_name(pat: &Pat) -> bool {
    matches!(pat, Pat::Ident(pi) if pi.by_ref.is_none() && pi.mutability.is_none() && pi.subpat.is_none())
}

/// Whether `pat` names a variant by a bare name that the error type's path should qualify:
/// `Busy`, `Status(500..=599)`, `Status { code, .. }`; not a tuple or struct pattern named
/// after the error type itself (`HttpError(500..=599)` for `struct HttpError(u16)`), whose
/// last segment is `qualifier`'s.
fn qualifiable(pat: &Pat, qualifier: Option<&TokenStream>) -> bool {
    let single = |path: &syn::Path| {
        let named_as_type = qualifier
            .is_some_and(|q| q.clone().into_iter().last().is_some_and(|last| path.is_ident(&last.to_string())));
        path.leading_colon.is_none() && path.segments.len() == 1 && !named_as_type
    };
    match pat {
        Pat::TupleStruct(ts) => ts.qself.is_none() && single(&ts.path),
        Pat::Struct(st) => st.qself.is_none() && single(&st.path),
        _ => is_bare_name(pat),
    }
}

// Input:  Busy | Status(500..=599) | Status { code: 500, .. } | errors::E::Busy | Busy(_) with no qualifier
// Output: Q::Busy { .. } | Q::Status(500..=599) | Q::Status { code: 500, .. } | errors::E::Busy { .. } | Busy(_)
/// A path names its variant whatever the variant's fields (`P { .. }`); a bare name is
/// qualified by the function's error type (`qualifier`), so it can never become a
/// catch-all binding, and names a variant without a `use` of it.
fn variant_pattern(pat: &Pat, qualifier: Option<&TokenStream>) -> TokenStream {
    // `Q::path`, the qualifier located at the name it qualifies.
    let qualified = |path: &syn::Path| -> syn::Path {
        match qualifier {
            Some(q) if qualifiable(pat, Some(q)) => {
                let q = located(q.clone(), path.span());
                syn::parse2(quote!(#q::#path)).unwrap_or_else(|_| path.clone())
            }
            _ => path.clone(),
        }
    };
    match pat {
        Pat::Ident(pi) if is_bare_name(pat) => {
            let path = qualified(&syn::Path::from(pi.ident.clone()));
            quote_spanned!(pi.ident.span()=> #path { .. })
        }
        Pat::Path(pp) => {
            let span = pp.span();
            quote_spanned!(span=> #pp { .. })
        }
        Pat::TupleStruct(ts) => {
            let mut ts = ts.clone();
            ts.path = qualified(&ts.path);
            ts.to_token_stream()
        }
        Pat::Struct(st) => {
            let mut st = st.clone();
            st.path = qualified(&st.path);
            st.to_token_stream()
        }
        other => other.to_token_stream(),
    }
}

/// The return type's mentions in the expansion.
struct Mentions {
    /// The fenced return type, `impl Trait` replaced by `_`.
    ret: TokenStream,
    ok_ty: TokenStream,
    err_ty: TokenStream,
    /// The error type is `_`: nothing that needs its name (a probe, a describer) is written.
    err_inferred: bool,
    /// The error type for the alias that qualifies a bare variant name in `on`, where
    /// `err_qualifier` cannot (an alias of a `Result`).
    err_path: Option<TokenStream>,
    /// The error type's path without generic arguments, which qualifies a bare variant name.
    err_qualifier: Option<TokenStream>,
    /// The first token of the return type as written.
    ret_span: Span,
    /// The function returns a stream of results.
    stream: Option<StreamShape>,
}

// Input:  -> Result<impl Display, io::Error>      | -> Fallible<u8>
// Output: ret Result<_, io::Error>, ok _, err io::Error
//                                                 | ret Fallible<u8>, ok <Fallible<u8> as p::ResultParts>::Ok, …
/// Every mention of the return type sits on the first token of the type as written, so that
/// a type that is no `Result` (an alias, say) is reported there once rather than at each.
fn mentions(p: &TokenStream, shape: ReturnShape) -> Mentions {
    let ReturnShape { fenced, ok, err, err_name, err_qualifier, at, stream } = shape;
    let fenced = fenced.to_token_stream();
    let part = |part: &PartType, is_ok: bool| match part {
        PartType::OfReturn if is_ok => quote!(<#fenced as #p::ResultParts>::Ok),
        PartType::OfReturn => quote!(<#fenced as #p::ResultParts>::Err),
        PartType::Named(ty) => ty.to_token_stream(),
        PartType::Inferred => quote!(_),
    };
    let on = Span::call_site().located_at(at);
    Mentions {
        ret: uniform(fenced.clone(), on),
        ok_ty: uniform(part(&ok, true), on),
        err_ty: uniform(part(&err, false), on),
        err_inferred: err.is_inferred(),
        err_path: err_name.map(|name| part(&name, false)),
        err_qualifier: err_qualifier.map(|path| path.to_token_stream()),
        ret_span: at,
        stream,
    }
}

/// How the parameters reach each attempt, and how the fallback is called.
struct Arguments {
    /// The parameters as the function received them.
    call_args: Vec<TokenStream>,
    /// Each attempt's own bindings of them.
    bindings: Vec<TokenStream>,
    /// Before the loop: the by-value parameters held for the attempts (see `held`).
    holders: Vec<TokenStream>,
    /// `self` by value: the copy the body's `self` is renamed to, and whether it is `mut`.
    self_copy: Option<(Ident, bool)>,
}

// Input:  fn f(mut self, mut n: String, (a, b): (u8, u8), out: &mut Vec<u8>)
// Output: fn f(self, n: String, __retry_arg2: (u8, u8), out: &mut Vec<u8>)
//         … let mut __retry_self = clone_arg(&self); let mut n = clone_arg(&n);
//         let (a, b) = clone_arg(&__retry_arg2); let out = &mut *out;
// or, with `hold` (the call's name), each by-value parameter held before the loop and
// taken by the attempt known to be the last (see `held`).
/// The signature rewritten so that each attempt can bind the parameters afresh, and those
/// bindings; `params` were read from these inputs, one for one.
fn arguments(p: &TokenStream, item: &mut ItemFn, params: &[Param], hold: Option<&Ident>) -> Arguments {
    let mut out = Arguments { call_args: Vec::new(), bindings: Vec::new(), holders: Vec::new(), self_copy: None };
    // A primitive (`u64`, `(u8, char)`, `[f32; 4]`) is copied from the parameter itself:
    // a holder would be a second copy of it in the future (rustc keeps an `async fn`'s
    // parameters in its future beside any local they are moved into).
    let by_value =
        |out: &mut Arguments, pattern: TokenStream, source: TokenStream, written: TokenStream, ty: Option<&Type>| {
            let plain_copy = ty.is_some_and(is_primitive);
            let ty = ty.map_or_else(|| written.clone(), ToTokens::to_token_stream);
            let binding = match hold {
                Some(call) if !plain_copy => held(p, call, &mut out.holders, &pattern, &source, &written, &ty),
                _ => cloned(p, &pattern, &source, &written, &ty),
            };
            out.bindings.push(binding);
        };
    for (input, param) in item.sig.inputs.iter_mut().zip(params) {
        match (input, param) {
            (FnArg::Receiver(r), Param::SelfValue { mutable }) => {
                out.call_args.push(quote!(self));
                let written = r.to_token_stream();
                r.mutability = None;
                let copy = Ident::new("__retry_self", Span::call_site());
                let m = mutable.then(|| quote!(mut));
                // `self`, spanned at the receiver: a `self` that is not `Clone` is reported there.
                let source = Ident::new("self", first_span(&r.self_token)).to_token_stream();
                by_value(&mut out, quote!(#m #copy), source, written, None);
                out.self_copy = Some((copy, *mutable));
            }
            (_, Param::SelfRef { .. }) => out.call_args.push(quote!(self)),
            (_, Param::Shared(ident)) => out.call_args.push(ident.to_token_stream()),
            (_, Param::Reborrow(ident)) => {
                out.call_args.push(ident.to_token_stream());
                out.bindings.push(quote!(#[allow(clippy::used_underscore_binding, clippy::no_effect_underscore_binding)] let #ident = &mut *#ident;));
            }
            (FnArg::Typed(pt), Param::Clone { binding, ty }) => {
                let source = binding.ident.to_token_stream();
                out.call_args.push(source.clone());
                if let Pat::Ident(pi) = &mut *pt.pat {
                    pi.mutability = None;
                }
                by_value(&mut out, binding.to_token_stream(), source, binding.to_token_stream(), Some(ty));
            }
            (FnArg::Typed(pt), Param::Destructure { index, pattern, ty, shared }) => {
                let source = format_ident!("__retry_arg{}", index, span = Span::call_site());
                out.call_args.push(source.to_token_stream());
                *pt.pat = Pat::Ident(PatIdent {
                    attrs: Vec::new(),
                    by_ref: None,
                    mutability: None,
                    ident: source.clone(),
                    subpat: None,
                });
                if *shared {
                    out.bindings.push(quote!(let #pattern = #source;));
                } else {
                    let pattern = pattern.to_token_stream();
                    by_value(&mut out, pattern.clone(), source.to_token_stream(), pattern, Some(ty));
                }
            }
            (_, Param::SelfValue { .. } | Param::Clone { .. } | Param::Destructure { .. }) => {}
        }
    }
    out
}

/// A type that is `Copy` as written: a primitive or `Duration`, or a tuple or array of them.
/// Only a matter of cost: a type taken for one that is not `Copy` (a user's own `Duration`)
/// is cloned for every attempt, as before.
fn is_primitive(ty: &Type) -> bool {
    const PRIMITIVES: [&str; 17] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64", "bool",
        "char", "Duration",
    ];
    match ty {
        Type::Path(path) => {
            path.qself.is_none()
                && path
                    .path
                    .segments
                    .last()
                    .is_some_and(|last| last.arguments.is_none() && PRIMITIVES.iter().any(|name| last.ident == name))
        }
        Type::Tuple(tuple) => tuple.elems.iter().all(is_primitive),
        Type::Array(array) => is_primitive(&array.elem),
        Type::Paren(inner) => is_primitive(&inner.elem),
        _ => false,
    }
}

// Input:  n: String, with the call `call`
// Output: before the loop  let mut __retry_held0 = (&&p::Probe::of(&n)).hold(n);
//         in each attempt  let n = match __retry_held0.last(call.is_last()) {
//                              Some(v) => v, None => clone_arg(__retry_held0.get()) };
/// A by-value parameter held before the loop: a `Copy` one as it is, any other until the
/// attempt known to be the last takes it (`__private::HeldArg`). The clone is spanned as
/// in [`cloned`], so that a type that is not `Clone` is reported at the parameter.
fn held(
    p: &TokenStream,
    call: &Ident,
    holders: &mut Vec<TokenStream>,
    pattern: &TokenStream,
    source: &TokenStream,
    written: &TokenStream,
    ty: &TokenStream,
) -> TokenStream {
    // Call-site hygiene, as the parameters' own names: the clone's argument below can then
    // carry the parameter's span, which rustc joins with the type's into one underline.
    let holder = Ident::new(&format!("__retry_held{}", holders.len()), Span::call_site());
    holders.push(quote! {
        let mut #holder = {
            #[allow(unused_imports)]
            use #p::{ViaCopyArg as _, ViaHeldArg as _};
            (&&#p::Probe::of(&#source)).hold(#source)
        };
    });
    let original = private("__retry_original");
    // The argument spans the parameter, so that rustc underlines it whole.
    let at_parameter = Ident::new(&holder.to_string(), first_span(written));
    // A borrow, as `cloned` writes it: rustc would suggest borrowing the parameter otherwise.
    let borrow = quote_spanned!(first_span(ty)=> &*);
    let get = quote_spanned!(last_span(ty)=> .get());
    let clone = over(quote!(#p::clone_arg), quote!(#borrow #at_parameter #get), written, ty);
    quote! {
        #[allow(clippy::used_underscore_binding, clippy::no_effect_underscore_binding)]
        let #pattern = match #holder.last(#call.is_last()) {
            ::core::option::Option::Some(#original) => #original,
            ::core::option::Option::None => #clone,
        };
    }
}

/// `let pattern = clone_arg(&source);` on the parameter as written, so that a type that is
/// not `Clone` is reported there.
fn cloned(
    p: &TokenStream,
    pattern: &TokenStream,
    source: &TokenStream,
    written: &TokenStream,
    ty: &TokenStream,
) -> TokenStream {
    let borrow = quote_spanned!(first_span(ty)=> &);
    let clone = over(quote!(#p::clone_arg), quote!(#borrow #source), written, ty);
    // A parameter `_x` is read here, not by the user: clippy's `used_underscore_binding` is
    // not theirs to hear.
    quote!(#[allow(clippy::used_underscore_binding, clippy::no_effect_underscore_binding)] let #pattern = #clone;)
}
