//! Meaning: the parsed keys and the function become a validated [`Config`]. Every mistake is
//! recorded with the exact token it concerns; expansion only ever sees a valid config.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, Ident, ItemFn, Pat, ReturnType, Type};

use retry_grammar::{
    Delay, Diagnostics, Front, Level, Problem, StopSpec, WaitSpec, check_duration, check_stop, check_wait,
};

use crate::attr::{Arg, Value};
use crate::errors::Errors;
use crate::spans::{first_span, uniform};
use crate::terms::{self, Site};

/// Everything expansion needs, already checked.
pub(crate) struct Config {
    pub(crate) krate: TokenStream,
    pub(crate) source: Source,
    pub(crate) state: Option<Ident>,
    pub(crate) guards: Guards,
    pub(crate) function: Function,
}

/// Overload protection: allowed with the attribute's keys and with `policy`.
#[derive(Default)]
pub(crate) struct Guards {
    pub(crate) breaker: Option<Expr>,
    pub(crate) budget: Option<Expr>,
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
    pub(crate) sleeper: Option<Expr>,
    /// Every expression the keys hold can be evaluated in a `const` block, so the policy is
    /// built at compile time and the future holds a `&'static` to it.
    pub(crate) constant: bool,
    /// Something reads the call's history (elapsed time, time slept, the last delay): a
    /// time-based stop, a timeout, `decorrelated_jitter`, a hook or `state`. Without it the
    /// call keeps none, 32 bytes fewer in the future.
    pub(crate) history: bool,
}

/// `on = …` or `unless = …`, each alternative already a full pattern.
pub(crate) struct ErrorFilter {
    pub(crate) negate: bool,
    pub(crate) patterns: Vec<Pat>,
}

/// The annotated function, as the expansion needs it.
pub(crate) struct Function {
    pub(crate) item: ItemFn,
    pub(crate) is_async: bool,
    /// The return type with `impl Trait` replaced by `_`, to fence inference.
    pub(crate) ret: TokenStream,
    /// Where the return type is written, for the expansion's mentions of it.
    pub(crate) ret_span: Span,
    /// The `Ok` and `Err` types, where they can be named.
    pub(crate) ok_ty: TokenStream,
    pub(crate) err_ty: TokenStream,
    /// The error type as written, when a bare variant name in `on` can be qualified by it.
    pub(crate) err_path: Option<Type>,
    pub(crate) rebinds: Vec<Rebind>,
    /// The parameters as the function received them, for calling a fallback.
    pub(crate) call_args: Vec<TokenStream>,
    /// `self` taken by value: the body's `self` is renamed to this.
    pub(crate) self_by_value: Option<(Ident, bool)>,
    /// `&mut self`, which an attempt's `async move` block would move out of for good.
    pub(crate) self_by_mut_ref: bool,
}

/// How one parameter reaches each attempt.
pub(crate) enum Rebind {
    /// `&mut T`: reborrowed.
    Reborrow(Ident),
    /// By value: cloned from `source` into `pattern`.
    Clone { pattern: TokenStream, source: Ident, ty: Box<Type> },
    /// A pattern over a shared reference: destructured from the copy.
    Destructure { pattern: TokenStream, source: Ident },
}

/// Validates the attribute against the function; all errors are recorded in `errors`.
pub(crate) fn validate(args: Vec<Arg>, mut item: ItemFn, errors: &mut Errors) -> Option<Config> {
    let mut seen: Vec<(String, Span)> = Vec::new();
    let mut keys = Keys::default();
    let mut krate = quote!(::retry_runtime);
    let mut policy = None;
    let mut state = None;
    let mut guards = Guards::default();
    // Strategies and durations, lowered once `crate = …` is known, in the order written so
    // that their errors read top to bottom.
    let mut to_lower: Vec<(Ident, Value)> = Vec::new();

    for Arg { key, value } in args {
        let name = key.to_string();
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == name) {
            let duplicate = Problem::DuplicateKey { key: retry_grammar::Key::find(&name).map_or("", |k| k.name) };
            let mut e = syn::Error::new(key.span(), duplicate);
            e.combine(syn::Error::new(*first, format!("`{name}` first given here")));
            errors.push(e);
            continue;
        }
        seen.push((name.clone(), key.span()));
        match (name.as_str(), value) {
            ("crate", Value::Path(path)) => krate = as_generated(path.into_token_stream()),
            ("stop" | "wait" | "retry_after_max" | "timeout", v @ Value::Expr(_)) | ("log", v @ Value::Ident(_)) => {
                to_lower.push((key.clone(), v));
            }
            ("on", Value::Patterns(p)) => keys.on = Some(ErrorFilter { negate: false, patterns: p }),
            ("unless", Value::Patterns(p)) => {
                if seen.iter().any(|(k, _)| k == "on") {
                    errors.at(key.span(), Problem::OnWithUnless);
                    continue;
                }
                keys.on = Some(ErrorFilter { negate: true, patterns: p });
            }
            ("when", Value::Expr(e)) => keys.when = Some(e),
            ("when_ok", Value::Expr(e)) => keys.when_ok = Some(e),
            ("retry_after", Value::Expr(e)) => keys.retry_after = Some(e),
            ("before", Value::Expr(e)) => keys.before = Some(e),
            ("after", Value::Expr(e)) => keys.after = Some(e),
            ("before_sleep", Value::Expr(e)) => keys.before_sleep = Some(e),
            ("on_give_up", Value::Expr(e)) => keys.on_give_up = Some(e),
            ("sleeper", Value::Expr(e)) => keys.sleeper = Some(e),
            ("state", Value::Ident(ident)) => state = Some(ident),
            ("policy", Value::Expr(e)) => policy = Some((key.clone(), e)),
            ("breaker", Value::Expr(e)) => guards.breaker = Some(e),
            ("budget", Value::Expr(e)) => guards.budget = Some(e),
            ("fallback", Value::Expr(e)) => {
                if matches!(e, Expr::Path(_)) {
                    guards.fallback = Some(e);
                } else {
                    errors.spanned(
                        &e,
                        "`fallback` takes the path of a function with the same parameters and return type, such as `ask_b` or `Self::ask_b`",
                    );
                }
            }
            (_, _) => errors.at(key.span(), format!("`{name}` takes a different kind of value")),
        }
    }
    // The order in which keys were written must not matter, so `on`/`unless` is rechecked
    // here for `unless` written first.
    let position = |key: &str| seen.iter().position(|(k, _)| k == key);
    if let (Some(on), Some(unless)) = (position("on"), position("unless"))
        && unless < on
    {
        errors.at(seen[on].1, Problem::OnWithUnless);
    }

    for (key, value) in &to_lower {
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
        let name = key.to_string();
        if name == retry_grammar::STOP.name {
            keys.stop = report(check_stop(&term, Front::Rust), errors);
        } else if name == retry_grammar::WAIT.name {
            keys.wait = report(check_wait(&term, Front::Rust), errors);
        } else if name == retry_grammar::RETRY_AFTER_MAX.name {
            keys.retry_after_max =
                report(check_duration(&term, Front::Rust, Some(retry_grammar::RETRY_AFTER_MAX.name)), errors);
        } else {
            keys.timeout = report(check_duration(&term, Front::Rust, Some(retry_grammar::TIMEOUT.name)), errors)
                .map(|d| (d, first_span(e)));
            if item.sig.asyncness.is_none() {
                errors.spanned(key, "`timeout` needs an `async fn`: a blocking call cannot be cut short; bound it inside the body instead");
            }
        }
    }
    if let (Some((Delay::Known(timeout), at)), Some(deadline)) =
        (&keys.timeout, keys.stop.as_ref().and_then(StopSpec::deadline))
        && *timeout > deadline
    {
        errors.at(*at, Problem::TimeoutExceedsDeadline { timeout: *timeout, deadline });
    }

    let params = parameter_names(&item);
    let source = match policy {
        Some((key, expr)) => {
            // Every key of the policy's own belongs to the policy; the rest still apply.
            for conflict in retry_grammar::KEYS.iter().filter(|k| k.attribute && !k.beside_policy) {
                if let Some((_, span)) = seen.iter().find(|(k, _)| *k == conflict.name) {
                    errors.at(*span, Problem::BesidePolicy { key: conflict.name });
                }
            }
            let _ = key;
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
                &guards.breaker,
                &guards.budget,
            ];
            keys.constant = user.into_iter().flatten().all(|e| is_constant(e, &params));
            keys.history = state.is_some()
                || keys.timeout.is_some()
                || [&keys.before, &keys.after, &keys.before_sleep, &keys.on_give_up].iter().any(|h| h.is_some())
                || keys.stop.as_ref().is_some_and(StopSpec::is_timed)
                || keys.wait.as_ref().is_some_and(WaitSpec::remembers);
            Source::Keys(Box::new(keys))
        }
    };
    let function = check_function(&mut item, &krate, errors);
    let mut source = source;
    // Where the error type can be named, `timeout` and `breaker` pick their markers by
    // whether it converts from `Elapsed` / `CircuitOpen`: a trait method, which a `const`
    // block cannot call, so such a policy is built at run time.
    if let (Source::Keys(keys), Some(f)) = (&mut source, &function)
        && f.err_ty.to_string() != "_"
        && (keys.timeout.is_some() || guards.breaker.is_some())
    {
        keys.constant = false;
    }
    Some(Config { krate, source, state, guards, function: function? })
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

fn check_function(item: &mut ItemFn, krate: &TokenStream, errors: &mut Errors) -> Option<Function> {
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
    let (ret, ok_ty, err_ty, err_path) = match &sig.output {
        ReturnType::Default => {
            errors.spanned(
                &sig.ident,
                format!("`#[retry]` needs a function that returns `Result<_, _>`; `{}` returns `()`", sig.ident),
            );
            return None;
        }
        ReturnType::Type(_, ty) => match result_parts(ty, &item.sig.generics, krate) {
            // Every mention of the return type in the expansion sits on the first token of
            // the type as written, so that a type that is no `Result` (an alias, say) is
            // reported there once rather than at each mention.
            Ok((ret, ok, err, path)) => {
                let at = Span::call_site().located_at(first_span(ty));
                (uniform(ret, at), uniform(ok, at), uniform(err, at), path)
            }
            Err(()) => {
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
    let mut rebinds = Vec::new();
    let mut call_args = Vec::new();
    let mut self_by_value = None;
    let mut self_by_mut_ref = false;
    for (index, input) in item.sig.inputs.iter_mut().enumerate() {
        match input {
            FnArg::Receiver(r) => {
                call_args.push(quote!(self));
                self_by_mut_ref = r.reference.is_some() && r.mutability.is_some();
                if r.reference.is_none() {
                    self_by_value =
                        Some((Ident::new("__retry_self", Span::call_site()), r.mutability.take().is_some()));
                }
            }
            FnArg::Typed(pt) => {
                let ty = (*pt.ty).clone();
                match (&mut *pt.pat, &ty) {
                    (Pat::Ident(pi), Type::Reference(r)) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                        call_args.push(pi.ident.to_token_stream());
                        if r.mutability.is_some() {
                            rebinds.push(Rebind::Reborrow(pi.ident.clone()));
                        }
                    }
                    (Pat::Ident(pi), _) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                        let pattern = pi.to_token_stream();
                        call_args.push(pi.ident.to_token_stream());
                        pi.mutability = None;
                        rebinds.push(Rebind::Clone { pattern, source: pi.ident.clone(), ty: Box::new(ty) });
                    }
                    (pat, ty) => {
                        let source = format_ident!("__retry_arg{}", index, span = Span::call_site());
                        call_args.push(source.to_token_stream());
                        let pattern = pat.to_token_stream();
                        *pat = Pat::Ident(syn::PatIdent {
                            attrs: Vec::new(),
                            by_ref: None,
                            mutability: None,
                            ident: source.clone(),
                            subpat: None,
                        });
                        if matches!(ty, Type::Reference(r) if r.mutability.is_none()) {
                            rebinds.push(Rebind::Destructure { pattern, source });
                        } else {
                            rebinds.push(Rebind::Clone { pattern, source, ty: Box::new(ty.clone()) });
                        }
                    }
                }
            }
        }
    }
    let is_async = item.sig.asyncness.is_some();
    ok.then(|| Function {
        item: item.clone(),
        is_async,
        ret_span: match &item.sig.output {
            ReturnType::Type(_, ty) => first_span(ty),
            ReturnType::Default => item.sig.ident.span(),
        },
        ret,
        ok_ty,
        err_ty,
        err_path,
        rebinds,
        call_args,
        self_by_value,
        self_by_mut_ref,
    })
}

type Parts = (TokenStream, TokenStream, TokenStream, Option<Type>);

/// The user's `crate = path`, marked as the macro's own code where it is written, so that
/// lints about the user's paths (`unused_qualifications` on `path::__private::Duration`
/// with `Duration` imported) do not fire on the expansion. `$crate` keeps its span, which
/// is what it resolves by.
fn as_generated(path: TokenStream) -> TokenStream {
    path.into_iter()
        .map(|mut tree| {
            if !matches!(&tree, TokenTree::Ident(i) if i == "$crate") {
                tree.set_span(Span::call_site().located_at(tree.span()));
            }
            tree
        })
        .collect()
}

/// The return type fenced for inference, its `Ok` and `Err` types, and the error type when
/// it can qualify a bare variant name. `Err(())` for a type that cannot be a `Result`.
fn result_parts(ty: &Type, generics: &syn::Generics, krate: &TokenStream) -> Result<Parts, ()> {
    let path = match ty {
        Type::Path(p) if p.qself.is_none() => &p.path,
        Type::Paren(p) => return result_parts(&p.elem, generics, krate),
        Type::Group(g) => return result_parts(&g.elem, generics, krate),
        _ => return Err(()),
    };
    let last = path.segments.last().ok_or(())?;
    let mut fenced = ty.clone();
    let has_impl = replace_impl_trait(&mut fenced);
    let fenced_tokens = fenced.to_token_stream();
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
    let is_result = last.ident == "Result";
    let err_path = if is_result && type_args.len() == 2 {
        Some(type_args[1].clone()).filter(|e| !mentions_generic(e, generics))
    } else if !has_impl && !mentions_generic(ty, generics) {
        // An alias such as `Fallible<T>`: the error type is its `ResultParts::Err`.
        syn::parse2(quote!(<#ty as #krate::__private::ResultParts>::Err)).ok()
    } else {
        None
    };
    if !has_impl {
        return Ok((
            fenced_tokens.clone(),
            quote!(<#fenced_tokens as #krate::__private::ResultParts>::Ok),
            quote!(<#fenced_tokens as #krate::__private::ResultParts>::Err),
            err_path,
        ));
    }
    let (ok, err) = if is_result && type_args.len() == 2 {
        let mut ok = type_args[0].clone();
        let mut err = type_args[1].clone();
        replace_impl_trait(&mut ok);
        replace_impl_trait(&mut err);
        (ok.to_token_stream(), err.to_token_stream())
    } else {
        (quote!(_), quote!(_))
    };
    Ok((fenced_tokens, ok, err, err_path))
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
                *ty = Type::Infer(syn::TypeInfer { underscore_token: syn::Token![_](it.span()) });
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
