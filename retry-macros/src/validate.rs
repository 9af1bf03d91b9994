//! Meaning: the parsed keys and the function become a validated [`Config`]. Every mistake is
//! recorded with the exact token it concerns; expansion only ever sees a valid config.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Expr, FnArg, Ident, ItemFn, Pat, PatIdent, Path, ReturnType, Type};

use retry_grammar::{
    AFTER, BEFORE, BEFORE_SLEEP, BREAKER, BUDGET, BULKHEAD, CRATE, Count, Delay, Diagnostics, FALLBACK,
    FIRST_ITEM_TIMEOUT, Front, HEDGE, HEDGES, KEYS, Key, LIMITER, LOG, Level, NESTED, Nesting, ON, ON_GIVE_UP, POLICY,
    PRESET, Preset, Problem, RETRY_AFTER, RETRY_AFTER_MAX, SEED, SLEEPER, STATE, STOP, StopSpec, TIMEOUT, UNLESS, WAIT,
    WHEN, WHEN_OK, WaitSpec, check_duration, check_hedge, check_hedges, check_stop, check_wait,
};

use crate::attr::{Arg, Value};
use crate::errors::Errors;
use crate::spans::first_span;
use crate::terms::{self, Site};

/// Everything expansion needs, already checked.
pub(crate) struct Config {
    /// `crate = path`: where the runtime is when it is renamed; `None` for `::retry_runtime`.
    pub(crate) krate: Option<Path>,
    pub(crate) source: Source,
    pub(crate) state: Option<Ident>,
    pub(crate) guards: Guards,
    /// `hedge = after(D)` and `hedges = N` (async fns whose attempts can run side by side).
    pub(crate) hedge: Option<Hedging>,
    pub(crate) function: Function,
}

/// `hedge = after(D), hedges = N`, checked.
pub(crate) struct Hedging {
    pub(crate) after: Delay<Site>,
    /// `None` for the default, one hedge.
    pub(crate) hedges: Option<Count<Site>>,
}

/// Overload protection: allowed with the attribute's keys and with `policy`.
#[derive(Default)]
pub(crate) struct Guards {
    pub(crate) breaker: Option<Expr>,
    pub(crate) budget: Option<Expr>,
    /// `limiter = NAME` and `bulkhead = NAME` (async fns only).
    pub(crate) limiter: Option<Expr>,
    pub(crate) bulkhead: Option<Expr>,
    pub(crate) fallback: Option<Expr>,
}

/// Where the policy comes from.
pub(crate) enum Source {
    /// `policy = EXPR`.
    Policy(Expr),
    /// The attribute's own keys.
    Keys(Box<Keys>),
}

/// The policy keys, lowered to runtime expressions.
#[derive(Default)]
pub(crate) struct Keys {
    pub(crate) stop: Option<StopSpec<Site>>,
    pub(crate) wait: Option<WaitSpec<Site>>,
    /// `preset = NAME`: the ready policy the other keys refine, and where it is written.
    pub(crate) preset: Option<(Preset, Span)>,
    pub(crate) on: Option<ErrorFilter>,
    pub(crate) when: Option<Expr>,
    pub(crate) when_ok: Option<Expr>,
    pub(crate) retry_after: Option<Expr>,
    pub(crate) retry_after_max: Option<Delay<Site>>,
    /// The duration, and where the user wrote it.
    pub(crate) timeout: Option<(Delay<Site>, Span)>,
    pub(crate) before: Option<Expr>,
    pub(crate) after: Option<Expr>,
    pub(crate) before_sleep: Option<Expr>,
    pub(crate) on_give_up: Option<Expr>,
    pub(crate) log: Option<(Level, Span)>,
    /// `nested = MODE`, and where the mode is written.
    pub(crate) nested: Option<(Nesting, Span)>,
    /// `first_item_timeout = D` (stream functions only), and where the duration is written.
    pub(crate) first_item_timeout: Option<(Delay<Site>, Span)>,
    pub(crate) sleeper: Option<Expr>,
    /// `seed = N`: a whole number, or a `const` of type `u64`.
    pub(crate) seed: Option<Seed>,
    /// Every expression the keys hold can be evaluated in a `const` block, so the policy is
    /// built at compile time and the future holds a `&'static` to it.
    pub(crate) constant: bool,
    /// Something reads the call's history (elapsed time, time slept, the last delay, the
    /// seeded generator): a time-based stop, a timeout, `decorrelated_jitter`, a hook,
    /// `state` or `seed`. Without it the
    /// call keeps none, 32 bytes fewer in the future.
    pub(crate) history: bool,
}

/// The jitter's seed as written.
pub(crate) enum Seed {
    /// A literal, read.
    Known(u64),
    /// A `const` (a path), which the builder's `seed(u64)` types.
    Named(Expr),
}

/// `on = …` or `unless = …`, each alternative already a full pattern.
pub(crate) struct ErrorFilter {
    pub(crate) negate: bool,
    pub(crate) patterns: Vec<Pat>,
}

/// The annotated function, as the expansion needs it.
pub(crate) struct Function {
    /// The function as written; the expansion rewrites its parameters as `params` say.
    pub(crate) item: ItemFn,
    pub(crate) is_async: bool,
    pub(crate) ret: ReturnShape,
    /// How each parameter reaches each attempt, in the order of the signature.
    pub(crate) params: Vec<Param>,
}

/// The function's return type, read as a `Result`.
pub(crate) struct ReturnShape {
    /// The return type with every `impl Trait` replaced by `_`, to fence inference.
    pub(crate) fenced: Type,
    pub(crate) ok: PartType,
    pub(crate) err: PartType,
    /// The error type, when a bare variant name in `on` can be qualified by it: written out
    /// (`Named`) or read through an alias (`OfReturn`); never `Inferred`.
    pub(crate) err_name: Option<PartType>,
    /// The error type's path without its generic arguments (`RepoError` of `RepoError<'a, T>`,
    /// `Self`), which qualifies a bare variant name in a pattern whatever generics, lifetimes
    /// or `Self` the type mentions; `None` for an error type that is no path or is one of the
    /// function's type parameters.
    pub(crate) err_qualifier: Option<syn::Path>,
    /// The first token of the return type as written: every mention of the type in the
    /// expansion sits there, so that a type that is no `Result` is reported once.
    pub(crate) at: Span,
    /// The function returns a stream of results; `ok` and `err` are its items' halves.
    pub(crate) stream: Option<StreamShape>,
}

/// How a function returns its stream of `Result<T, E>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamShape {
    /// `-> impl Stream<Item = Result<T, E>>`.
    Made,
    /// `-> Result<impl Stream<Item = Result<T, E>>, E>`: opened, then read.
    Opened,
}

/// The `Ok` or the `Err` type, as far as the expansion can name it.
pub(crate) enum PartType {
    /// Through the fenced return type's `ResultParts`, which reads aliases too.
    OfReturn,
    /// As written in `Result<T, E>`, every `impl Trait` in it replaced by `_`.
    Named(Box<Type>),
    /// An `impl Trait`: left to inference.
    Inferred,
}

impl PartType {
    /// `ty`, unless it is nothing but `_`.
    fn named(ty: Type) -> Self {
        if matches!(ty, Type::Infer(_)) { Self::Inferred } else { Self::Named(Box::new(ty)) }
    }

    pub(crate) fn is_inferred(&self) -> bool {
        matches!(self, Self::Inferred)
    }
}

/// How one parameter reaches each attempt.
pub(crate) enum Param {
    /// `&self` or `&mut self`, used as it is. An attempt's `async move` block would move a
    /// `&mut self` out for good, so with one the attempts do not `move`.
    SelfRef { mutable: bool },
    /// `self` or `mut self` by value: each attempt works on its own clone, and the body's
    /// `self` is renamed to it.
    SelfValue { mutable: bool },
    /// `x: &T`, used as it is.
    Shared(Ident),
    /// `x: &mut T`, reborrowed for each attempt.
    Reborrow(Ident),
    /// `x: T` or `mut x: T`: each attempt clones it into the same binding, `mut` included.
    Clone { binding: PatIdent, ty: Box<Type> },
    /// Any other pattern (`(a, b): (u32, u32)`): the function takes the value whole, as the
    /// `index`-th argument, and each attempt destructures its own clone of it (its copy, when
    /// it is a shared reference).
    Destructure { index: usize, pattern: Box<Pat>, ty: Box<Type>, shared: bool },
}

/// Validates the attribute against the function; all errors are recorded in `errors`.
pub(crate) fn validate(args: Vec<Arg>, item: ItemFn, errors: &mut Errors) -> Option<Config> {
    let mut seen: Vec<(Key, Span)> = Vec::new();
    let mut keys = Keys::default();
    let mut krate = None;
    let mut policy = None;
    let mut state = None;
    let mut guards = Guards::default();
    // Strategies, durations and the level, checked once every key is read (so that a
    // duplicate or misplaced key is reported first), in the order written so that their
    // errors read top to bottom.
    let mut to_lower: Vec<(Ident, Key, Value)> = Vec::new();
    let (mut hedge_after, mut hedges) = (None, None);
    let stream = match &item.sig.output {
        ReturnType::Type(_, ty) => stream_shape(ty),
        ReturnType::Default => None,
    };

    for Arg { key, known, value } in args {
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == known) {
            let mut e = syn::Error::new(key.span(), Problem::DuplicateKey { key: known.name });
            e.combine(syn::Error::new(*first, format!("`{}` first given here", known.name)));
            errors.push(e);
            continue;
        }
        seen.push((known, key.span()));
        match (known, value) {
            (CRATE, Value::Path(path)) => krate = Some(path),
            (STOP | WAIT | RETRY_AFTER_MAX | TIMEOUT | FIRST_ITEM_TIMEOUT | HEDGE | HEDGES, v @ Value::Expr(_))
            | (LOG, v @ Value::Ident(_)) => {
                to_lower.push((key.clone(), known, v));
            }
            (ON, Value::Patterns(p)) => keys.on = Some(ErrorFilter { negate: false, patterns: p }),
            (UNLESS, Value::Patterns(p)) => {
                if seen.iter().any(|(k, _)| *k == ON) {
                    errors.at(key.span(), Problem::OnWithUnless);
                    continue;
                }
                keys.on = Some(ErrorFilter { negate: true, patterns: p });
            }
            (WHEN, Value::Expr(e)) => keys.when = Some(e),
            (WHEN_OK, Value::Expr(e)) => keys.when_ok = Some(e),
            (RETRY_AFTER, Value::Expr(e)) => keys.retry_after = Some(e),
            (BEFORE, Value::Expr(e)) => keys.before = Some(e),
            (AFTER, Value::Expr(e)) => keys.after = Some(e),
            (BEFORE_SLEEP, Value::Expr(e)) => keys.before_sleep = Some(e),
            (ON_GIVE_UP, Value::Expr(e)) => keys.on_give_up = Some(e),
            (SLEEPER, Value::Expr(e)) => keys.sleeper = Some(e),
            (SEED, Value::Expr(e)) => keys.seed = seed(e, errors),
            (STATE, Value::Ident(ident)) => state = Some(ident),
            (NESTED, Value::Ident(mode)) => match Nesting::parse(&mode.to_string()) {
                Some(nesting) => keys.nested = Some((nesting, mode.span())),
                None => errors.spanned(&mode, Problem::UnknownNesting { found: mode.to_string() }),
            },
            (PRESET, Value::Ident(name)) => match Preset::find(&name.to_string()) {
                Some(preset) => keys.preset = Some((preset, name.span())),
                None => errors.spanned(&name, Problem::UnknownPreset { found: name.to_string() }),
            },
            (POLICY, Value::Expr(e)) => policy = Some(e),
            (BREAKER, Value::Expr(e)) => guards.breaker = Some(e),
            (BUDGET, Value::Expr(e)) => guards.budget = Some(e),
            (LIMITER | BULKHEAD, Value::Expr(e)) => {
                if item.sig.asyncness.is_none() {
                    errors.at(key.span(), Problem::ShapingNeedsAsync { key: known.name });
                }
                if known == LIMITER { guards.limiter = Some(e) } else { guards.bulkhead = Some(e) }
            }
            (FALLBACK, Value::Expr(e)) => {
                if matches!(e, Expr::Path(_)) {
                    guards.fallback = Some(e);
                } else {
                    errors.spanned(
                        &e,
                        "`fallback` takes the path of a function with the same parameters and return type, such as `ask_b` or `Self::ask_b`",
                    );
                }
            }
            (_, _) => errors.at(key.span(), format!("`{}` takes a different kind of value", known.name)),
        }
    }
    // The order in which keys were written must not matter, so `on`/`unless` is rechecked
    // here for `unless` written first.
    let position = |key: Key| seen.iter().position(|(k, _)| *k == key);
    if let (Some(on), Some(unless)) = (position(ON), position(UNLESS))
        && unless < on
    {
        errors.at(seen[on].1, Problem::OnWithUnless);
    }

    for (key, known, value) in &to_lower {
        let e = match value {
            Value::Expr(e) => e,
            Value::Ident(level) => {
                match Level::parse(&level.to_string()) {
                    Some(parsed) => keys.log = Some((parsed, level.span())),
                    None => errors.spanned(level, Problem::UnknownLevel { found: level.to_string() }),
                }
                continue;
            }
            Value::Patterns(_) | Value::Path(_) => continue,
        };
        let term = terms::term(e);
        match *known {
            STOP => keys.stop = report(check_stop(&term, Front::Rust), errors),
            WAIT => keys.wait = report(check_wait(&term, Front::Rust), errors),
            RETRY_AFTER_MAX => {
                keys.retry_after_max = report(check_duration(&term, Front::Rust, Some(RETRY_AFTER_MAX.name)), errors);
            }
            HEDGE => {
                hedge_after = report(check_hedge(&term, Front::Rust), errors);
                if item.sig.asyncness.is_none() {
                    errors.spanned(key, Problem::HedgeNeedsAsync);
                } else if stream.is_some() {
                    errors.spanned(key, Problem::NotForStreams { key: HEDGE.name });
                }
            }
            HEDGES => {
                hedges = report(check_hedges(&term, Front::Rust), errors);
                if !seen.iter().any(|(k, _)| *k == HEDGE) {
                    errors.spanned(key, Problem::HedgesWithoutHedge);
                }
            }
            FIRST_ITEM_TIMEOUT => {
                keys.first_item_timeout =
                    report(check_duration(&term, Front::Rust, Some(FIRST_ITEM_TIMEOUT.name)), errors)
                        .map(|d| (d, first_span(e)));
                if stream.is_none() {
                    errors.spanned(key, Problem::FirstItemTimeoutWithoutStream);
                }
            }
            _ => {
                keys.timeout =
                    report(check_duration(&term, Front::Rust, Some(TIMEOUT.name)), errors).map(|d| (d, first_span(e)));
                // A stream's attempt ends at its first item, which is awaited whatever the body.
                if item.sig.asyncness.is_none() && stream.is_none() {
                    errors.spanned(key, "`timeout` needs an `async fn`: a blocking call cannot be cut short; bound it inside the body instead");
                }
            }
        }
    }
    if let (Some((Delay::Known(timeout), at)), Some(deadline)) =
        (&keys.timeout, keys.stop.as_ref().and_then(StopSpec::deadline))
        && *timeout > deadline
    {
        errors.at(*at, Problem::TimeoutExceedsDeadline { timeout: *timeout, deadline });
    }

    if stream.is_some() {
        // A stream function's body makes each attempt's stream; it does not run to an outcome
        // the state could describe, and a fallback could not take over a stream half read.
        for key in [STATE, FALLBACK] {
            if let Some((_, span)) = seen.iter().find(|(k, _)| *k == key) {
                errors.at(*span, Problem::NotForStreams { key: key.name });
            }
        }
    }

    let params = parameter_names(&item);
    if let Some(state) = &state
        && params.iter().any(|p| *state == p)
    {
        errors.spanned(
            state,
            format!("`state = {state}` would hide the parameter `{state}` in the body; name the state something else, such as `state = attempt`"),
        );
    }
    let source = match policy {
        Some(expr) => {
            // Every key of the policy's own belongs to the policy; the rest still apply.
            for conflict in KEYS.iter().filter(|k| k.attribute && !k.beside_policy) {
                if let Some((_, span)) = seen.iter().find(|(k, _)| k == conflict) {
                    errors.at(*span, Problem::BesidePolicy { key: conflict.name });
                }
            }
            Source::Policy(expr)
        }
        None => {
            let user = [
                &keys.when,
                &keys.when_ok,
                &keys.retry_after,
                &keys.before,
                &keys.after,
                &keys.before_sleep,
                &keys.on_give_up,
                &keys.sleeper,
                &keys.seed.as_ref().and_then(|seed| match seed {
                    Seed::Named(e) => Some(e.clone()),
                    Seed::Known(_) => None,
                }),
                &guards.breaker,
                &guards.budget,
                &guards.limiter,
                &guards.bulkhead,
            ];
            keys.constant = user.into_iter().flatten().all(|e| is_constant(e, &params));
            keys.history = state.is_some()
                || keys.seed.is_some()
                || keys.timeout.is_some()
                || [&keys.before, &keys.after, &keys.before_sleep, &keys.on_give_up].iter().any(|h| h.is_some())
                || keys.stop.as_ref().map_or_else(|| keys.preset.is_some_and(|(p, _)| p.timed), StopSpec::is_timed)
                || keys.wait.as_ref().is_some_and(WaitSpec::remembers);
            Source::Keys(Box::new(keys))
        }
    };
    let hedge_key = seen.iter().find(|(k, _)| *k == HEDGE).map(|(_, span)| *span);
    if let Some(at) = hedge_key {
        for param in &item.sig.inputs {
            if let Some(mutable) = borrowed_mutably(param) {
                errors.at(at, Problem::HedgeNeedsShared { param: mutable });
            }
        }
    }
    let hedge = hedge_after.map(|after| Hedging { after, hedges });
    let function = check_function(item, errors);
    if let (Source::Keys(keys), Some(f)) = (&source, &function)
        && let Some(filter) = &keys.on
        && let Some(bare) = filter.patterns.iter().find(|p| matches!(p, Pat::Ident(_)))
        && let Some(written) = not_an_enum(&f.ret)
    {
        let key = if filter.negate { UNLESS.name } else { ON.name };
        errors.spanned(
            bare,
            format!(
                "`{key}` names variants of an enum error type, and `{written}` is no enum; decide from the value with `when = |e: &{written}| …` instead"
            ),
        );
    }
    let mut source = source;
    // Where the error type can be named, `timeout`, `breaker`, `limiter` and `bulkhead` pick
    // their markers by whether it converts from `Elapsed` / `CircuitOpen` / `RateLimited` /
    // `BulkheadFull`: a trait method, which a `const` block cannot call, so such a policy is
    // built at run time.
    if let (Source::Keys(keys), Some(f)) = (&mut source, &function)
        && !f.ret.err.is_inferred()
        && (keys.timeout.is_some()
            || keys.first_item_timeout.is_some()
            || guards.breaker.is_some()
            || guards.limiter.is_some()
            || guards.bulkhead.is_some())
    {
        keys.constant = false;
    }
    Some(Config { krate, source, state, guards, hedge, function: function? })
}

/// The parameter as written when each attempt would borrow it mutably (`&mut self`,
/// `out: &mut Vec<u8>`, a pattern of a `&mut` type), which concurrent attempts cannot share.
fn borrowed_mutably(input: &FnArg) -> Option<String> {
    match input {
        FnArg::Receiver(r) if matches!(r.kind, syn::ReceiverKind::Reference(_, _, Some(_))) => Some("self".to_owned()),
        FnArg::Receiver(_) => None,
        FnArg::Typed(pt) => match &*pt.ty {
            Type::Reference(r) if r.mutability.is_some() => Some(pt.pat.to_token_stream().to_string()),
            _ => None,
        },
    }
}

/// The names the function's parameters bind, and `self`: the only locals in scope where the
/// expansion builds the policy.
fn parameter_names(item: &ItemFn) -> Vec<String> {
    let mut names = Vec::new();
    for input in &item.sig.inputs {
        match input {
            FnArg::Receiver(_) => names.push("self".to_owned()),
            FnArg::Typed(pt) => collect_idents(pt.pat.to_token_stream(), &mut names),
        }
    }
    names
}

fn collect_idents(tokens: TokenStream, into: &mut Vec<String>) {
    for tree in tokens {
        match tree {
            proc_macro2::TokenTree::Ident(i) => into.push(i.to_string()),
            proc_macro2::TokenTree::Group(g) => collect_idents(g.stream(), into),
            _ => {}
        }
    }
}

/// Whether `e` can be evaluated in a `const` block: a path, or a closure, that names no
/// parameter. Anything else (a call, a closure over a parameter) is built at run time.
fn is_constant(e: &Expr, params: &[String]) -> bool {
    let names_a_param = || {
        let mut idents = Vec::new();
        collect_idents(e.to_token_stream(), &mut idents);
        idents.iter().any(|i| params.contains(i))
    };
    match e {
        Expr::Paren(p) => is_constant(&p.expr, params),
        Expr::Group(g) => is_constant(&g.expr, params),
        Expr::Path(p) => p.qself.is_none() && !names_a_param(),
        Expr::Closure(c) => c.asyncness.is_none() && !names_a_param(),
        _ => false,
    }
}

/// `seed = N`: a whole number that fits a `u64`, or the path of a `const`.
fn seed(e: Expr, errors: &mut Errors) -> Option<Seed> {
    let message = || format!("`seed` takes a whole number from 0 to {}, or a `const` of type `u64`", u64::MAX);
    match &e {
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(int), .. }) if matches!(int.suffix(), "" | "u64") => {
            match int.base10_parse::<u64>() {
                Ok(n) => Some(Seed::Known(n)),
                Err(_) => {
                    errors.spanned(&e, message());
                    None
                }
            }
        }
        Expr::Path(_) => Some(Seed::Named(e)),
        _ => {
            errors.spanned(&e, message());
            None
        }
    }
}

/// The checked value, or every diagnostic recorded at the tokens it concerns.
fn report<T>(checked: Result<T, Diagnostics<Site>>, errors: &mut Errors) -> Option<T> {
    match checked {
        Ok(value) => Some(value),
        Err(diagnostics) => {
            for d in diagnostics {
                errors.spanned(&d.span, d.problem);
            }
            None
        }
    }
}

/// `tokens` as a user writes them: `std::io::Error`, not `std :: io :: Error`.
fn as_written(tokens: &impl ToTokens) -> String {
    let spaced = tokens.to_token_stream().to_string();
    [(" :: ", "::"), (" < ", "<"), ("< ", "<"), (" >", ">"), ("& ", "&"), (" ,", ",")]
        .iter()
        .fold(spaced, |text, (from, to)| text.replace(from, to))
}

/// The error type as written, when it is a well-known type that is no enum (`String`,
/// `&str`, `io::Error`, `anyhow::Error`, a `Box`), or the return type an alias to one
/// (`io::Result<T>`, `anyhow::Result<T>`): `on = Variant` cannot name a variant of it.
fn not_an_enum(ret: &ReturnShape) -> Option<String> {
    let path_ends = |ty: &Type, ends: &[&str]| match ty {
        Type::Path(p) => {
            let segments: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
            ends.iter().any(|end| {
                let end: Vec<&str> = end.split("::").collect();
                segments.len() >= end.len()
                    && segments[segments.len() - end.len()..].iter().zip(&end).all(|(a, b)| a == b)
            })
        }
        _ => false,
    };
    match &ret.err_name {
        Some(PartType::Named(ty)) => {
            let named = path_ends(ty, &["String", "io::Error", "anyhow::Error", "Box", "fmt::Error"])
                || matches!(&**ty, Type::Reference(r) if matches!(&*r.elem, Type::Path(p) if p.path.is_ident("str")));
            named.then(|| as_written(ty))
        }
        Some(PartType::OfReturn) => match &ret.fenced {
            ty if path_ends(ty, &["io::Result"]) => Some("std::io::Error".to_owned()),
            ty if path_ends(ty, &["anyhow::Result"]) => Some("anyhow::Error".to_owned()),
            _ => None,
        },
        _ => None,
    }
}

// Input:  #[tokio::test] #[retry(...)] async fn t() -> R { body }, as tokio-macros leaves it:
//         fn t() -> R { let body = async { body }; … Builder::…().block_on(body) }
/// Whether tokio's `#[tokio::test]` / `#[tokio::main]` expanded the function first: a plain
/// `fn` whose body makes an async block named `body` and blocks on it.
fn expanded_by_tokio(item: &ItemFn) -> bool {
    let makes_body = item.block.stmts.first().is_some_and(|stmt| {
        matches!(stmt, syn::Stmt::Local(syn::Local { pat: Pat::Ident(p), init: Some(init), .. })
            if p.ident == "body" && matches!(*init.expr, Expr::Async(_)))
    });
    let mut idents = Vec::new();
    collect_idents(item.block.to_token_stream(), &mut idents);
    makes_body && idents.iter().any(|i| i == "block_on") && idents.iter().any(|i| i == "Builder")
}

fn check_function(item: ItemFn, errors: &mut Errors) -> Option<Function> {
    let sig = &item.sig;
    let mut ok = true;
    if let Some(c) = &sig.constness {
        errors.spanned(c, "`#[retry]` cannot go on a `const fn`: retrying needs to sleep at run time");
        ok = false;
    }
    if let Some(abi) = &sig.abi {
        errors.spanned(abi, "`#[retry]` cannot go on an `extern fn`; wrap it in a Rust function and retry that");
        ok = false;
    }
    if let Some(v) = &sig.variadic {
        errors.spanned(v, "`#[retry]` cannot go on a variadic function");
        ok = false;
    }
    if sig.asyncness.is_none() && expanded_by_tokio(&item) {
        errors.spanned(
            &sig.ident,
            "`#[retry]` is below `#[tokio::test]` or `#[tokio::main]`, which has already made this `async fn` a blocking one (each attempt would start a runtime and sleep the thread); write `#[retry(...)]` above `#[tokio::test]`",
        );
        ok = false;
    }
    let ret = match &sig.output {
        ReturnType::Default => {
            errors.spanned(
                &sig.ident,
                format!("`#[retry]` needs a function that returns `Result<_, _>`; `{}` returns `()`", sig.ident),
            );
            return None;
        }
        ReturnType::Type(_, ty) => match stream_shape(ty)
            .and_then(|shape| stream_return(ty, shape, &sig.generics))
            .or_else(|| return_shape(ty, &sig.generics))
        {
            Some(shape) => shape,
            None => {
                errors.spanned(
                    ty,
                    format!(
                        "`#[retry]` needs a function that returns `Result<_, _>`; found `{}`",
                        ty.to_token_stream()
                    ),
                );
                return None;
            }
        },
    };
    for input in &sig.inputs {
        if let FnArg::Typed(pt) = input
            && let Some(object) = boxed_trait_object(&pt.ty)
        {
            let written = as_written(object);
            // An `FnOnce` could not run again even if it could be cloned: suggest an `Fn`.
            let once = object.bounds.iter().any(|bound| {
                matches!(bound, syn::TypeParamBound::Trait(t) if t.path.segments.last().is_some_and(|s| s.ident == "FnOnce"))
            });
            let suggested = if once { written.replacen("FnOnce", "Fn", 1) } else { written.clone() };
            // `&dyn A + B` does not parse: a reference to several bounds needs parentheses.
            let referenced = if object.bounds.len() > 1 { format!("&({suggested})") } else { format!("&{suggested}") };
            errors.spanned(
                &pt.ty,
                format!(
                    "`#[retry]` passes each parameter to every attempt, and a `Box<{written}>` cannot be cloned for the next one; take `{referenced}` or an `Arc<{suggested}>` instead"
                ),
            );
            ok = false;
        }
    }
    let params = sig.inputs.iter().enumerate().map(|(index, input)| param(index, input)).collect();
    let is_async = sig.asyncness.is_some();
    ok.then_some(Function { item, is_async, ret, params })
}

/// The trait object of a parameter taken as `Box<dyn …>`: a type that is never `Clone`, for
/// which rustc's own error suggests calling the type (`Box<dyn FnOnce()>()`).
fn boxed_trait_object(ty: &Type) -> Option<&syn::TypeTraitObject> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last().filter(|last| last.ident == "Box")?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.first() {
        Some(syn::GenericArgument::Type(Type::TraitObject(object))) => Some(object),
        _ => None,
    }
}

/// How the parameter `input`, the `index`-th, reaches each attempt.
fn param(index: usize, input: &FnArg) -> Param {
    let pt = match input {
        FnArg::Receiver(syn::Receiver { kind: syn::ReceiverKind::Reference(_, _, mutable), .. }) => {
            return Param::SelfRef { mutable: mutable.is_some() };
        }
        FnArg::Receiver(r) => return Param::SelfValue { mutable: r.mutability.is_some() },
        FnArg::Typed(pt) => pt,
    };
    match (&*pt.pat, &*pt.ty) {
        (Pat::Ident(pi), Type::Reference(r)) if pi.subpat.is_none() && pi.by_ref.is_none() => {
            if r.mutability.is_some() { Param::Reborrow(pi.ident.clone()) } else { Param::Shared(pi.ident.clone()) }
        }
        (Pat::Ident(pi), ty) if pi.subpat.is_none() && pi.by_ref.is_none() => {
            Param::Clone { binding: pi.clone(), ty: Box::new(ty.clone()) }
        }
        (pat, ty) => Param::Destructure {
            index,
            pattern: Box::new(pat.clone()),
            ty: Box::new(ty.clone()),
            shared: matches!(ty, Type::Reference(r) if r.mutability.is_none()),
        },
    }
}

/// The return type read as a `Result`: fenced for inference, its `Ok` and `Err` types, and
/// the error type when it can qualify a bare variant name. `None` for a type that cannot be
/// a `Result`.
fn return_shape(ty: &Type, generics: &syn::Generics) -> Option<ReturnShape> {
    let path = match ty {
        Type::Path(p) if p.qself.is_none() => &p.path,
        Type::Paren(p) => return return_shape(&p.elem, generics),
        Type::Group(g) => return return_shape(&g.elem, generics),
        _ => return None,
    };
    let last = path.segments.last()?;
    let mut fenced = ty.clone();
    let has_impl = replace_impl_trait(&mut fenced);
    let type_args: Vec<Type> = match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                syn::GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let written = (last.ident == "Result" && type_args.len() == 2).then_some(&type_args);
    let err_name = match written {
        Some(args) => {
            Some(PartType::Named(Box::new(args[1].clone()))).filter(|_| !mentions_generic(&args[1], generics))
        }
        // An alias such as `Fallible<T>`: the error type is its `ResultParts::Err`.
        None if !has_impl && !mentions_generic(ty, generics) => Some(PartType::OfReturn),
        None => None,
    };
    let (ok, err) = match written {
        _ if !has_impl => (PartType::OfReturn, PartType::OfReturn),
        Some(args) => {
            let (mut ok, mut err) = (args[0].clone(), args[1].clone());
            replace_impl_trait(&mut ok);
            replace_impl_trait(&mut err);
            (PartType::named(ok), PartType::named(err))
        }
        None => (PartType::Inferred, PartType::Inferred),
    };
    let err_qualifier = written.and_then(|args| qualifier(&args[1], generics));
    Some(ReturnShape { fenced, ok, err, err_name, err_qualifier, at: first_span(ty), stream: None })
}

/// Whether `ty` is a stream of results, and how: `impl Stream<Item = Result<T, E>>`, or a
/// `Result` of one.
fn stream_shape(ty: &Type) -> Option<StreamShape> {
    if stream_item(ty).is_some() {
        return Some(StreamShape::Made);
    }
    let (ok, _) = result_args(ty)?;
    stream_item(&ok).map(|_| StreamShape::Opened)
}

/// `T` and `E` of a type written `Result<T, E>`.
fn result_args(ty: &Type) -> Option<(Type, Type)> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else { return None };
    let mut args = a.args.iter().filter_map(|g| match g {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    });
    let pair = (args.next()?, args.next()?);
    (last.ident == "Result" && args.next().is_none()).then_some(pair)
}

/// The item type of `impl … Stream<Item = X> …`.
fn stream_item(ty: &Type) -> Option<Type> {
    let Type::ImplTrait(it) = ty else { return None };
    it.bounds.iter().find_map(|bound| {
        let syn::TypeParamBound::Trait(t) = bound else { return None };
        let last = t.path.segments.last()?;
        let syn::PathArguments::AngleBracketed(a) = &last.arguments else { return None };
        (last.ident == "Stream" || last.ident == "FusedStream").then_some(())?;
        a.args.iter().find_map(|g| match g {
            syn::GenericArgument::AssocType(at) if at.ident == "Item" => Some(at.ty.clone()),
            _ => None,
        })
    })
}

/// The shape of a function returning a stream: the `Ok` and `Err` types are its items'.
fn stream_return(ty: &Type, shape: StreamShape, generics: &syn::Generics) -> Option<ReturnShape> {
    let stream = match shape {
        StreamShape::Made => ty.clone(),
        StreamShape::Opened => result_args(ty)?.0,
    };
    let (mut ok, mut err) = result_args(&stream_item(&stream)?)?;
    let err_name = Some(PartType::Named(Box::new(err.clone()))).filter(|_| !mentions_generic(&err, generics));
    let err_qualifier = qualifier(&err, generics);
    replace_impl_trait(&mut ok);
    replace_impl_trait(&mut err);
    let mut fenced = ty.clone();
    replace_impl_trait(&mut fenced);
    Some(ReturnShape {
        fenced,
        ok: PartType::named(ok),
        err: PartType::named(err),
        err_name,
        err_qualifier,
        at: first_span(ty),
        stream: Some(shape),
    })
}

// Input:  RepoError<'a, T>      | Self | errors::E | E (a type parameter) | (u8, u8)
// Output: RepoError             | Self | errors::E | None                 | None
/// The path that qualifies a bare variant name of the error type `ty` in a pattern.
fn qualifier(ty: &Type, generics: &syn::Generics) -> Option<syn::Path> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() || generics.type_params().any(|param| p.path.is_ident(&param.ident)) {
        return None;
    }
    let mut path = p.path.clone();
    for segment in &mut path.segments {
        segment.arguments = syn::PathArguments::None;
    }
    Some(path)
}

/// Whether `ty` cannot be named by a `type` item in the function's body: it mentions the
/// function's generics, `Self`, `impl Trait`, `_`, or a lifetime other than `'static` (elided
/// ones included).
fn mentions_generic(ty: &Type, generics: &syn::Generics) -> bool {
    fn walk(tokens: TokenStream, generics: &syn::Generics) -> bool {
        let mut previous_quote = false;
        for tree in tokens {
            let quote = matches!(&tree, TokenTree::Punct(p) if p.as_char() == '\'');
            match &tree {
                TokenTree::Group(g) if walk(g.stream(), generics) => return true,
                TokenTree::Ident(i) if previous_quote && i != "static" => return true,
                TokenTree::Ident(i)
                    if i == "Self"
                        || i == "_"
                        || i == "impl"
                        || generics.type_params().any(|p| p.ident == *i)
                        || generics.const_params().any(|p| p.ident == *i) =>
                {
                    return true;
                }
                TokenTree::Punct(p) if p.as_char() == '&' => return true,
                _ => {}
            }
            previous_quote = quote;
        }
        false
    }
    walk(ty.to_token_stream(), generics)
}

/// Replaces every `impl Trait` in `ty` with `_`; says whether there was one.
fn replace_impl_trait(ty: &mut Type) -> bool {
    use syn::visit_mut::VisitMut;
    struct Replace(bool);
    impl VisitMut for Replace {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::ImplTrait(it) = ty {
                *ty = Type::Infer(syn::TypeInfer { attrs: Vec::new(), underscore_token: syn::Token![_](it.span()) });
                self.0 = true;
            } else {
                syn::visit_mut::visit_type_mut(self, ty);
            }
        }
    }
    let mut r = Replace(false);
    r.visit_type_mut(ty);
    r.0
}
