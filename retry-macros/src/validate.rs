//! Meaning: the parsed keys and the function become a validated [`Config`]. Every mistake is
//! recorded with the exact token it concerns; expansion only ever sees a valid config.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{BinOp, Expr, FnArg, Ident, ItemFn, Lit, Pat, ReturnType, Type, UnOp};

use crate::attr::{Arg, Value};
use crate::errors::{Errors, one_of, unknown};

pub(crate) const STOPS: &[&str] = &["attempts", "elapsed", "deadline", "never"];
pub(crate) const WAITS: &[&str] = &[
    "none",
    "fixed",
    "random",
    "exponential",
    "exp_jitter",
    "full_jitter",
    "equal_jitter",
    "decorrelated_jitter",
    "incrementing",
    "chain",
];
pub(crate) const LEVELS: &[&str] = &["off", "trace", "debug", "info", "warn", "error"];
const UNITS: &[&str] = &["ns", "us", "ms", "s", "m", "h"];

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
    pub(crate) stop: Option<TokenStream>,
    pub(crate) wait: Option<TokenStream>,
    pub(crate) on: Option<ErrorFilter>,
    pub(crate) when: Option<Expr>,
    pub(crate) when_ok: Option<Expr>,
    pub(crate) retry_after: Option<Expr>,
    pub(crate) retry_after_max: Option<TokenStream>,
    /// The lowered duration, and where the user wrote it.
    pub(crate) timeout: Option<(TokenStream, Span)>,
    pub(crate) before: Option<Expr>,
    pub(crate) after: Option<Expr>,
    pub(crate) before_sleep: Option<Expr>,
    pub(crate) on_give_up: Option<Expr>,
    pub(crate) log: Option<Ident>,
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
            let mut e = syn::Error::new(key.span(), format!("duplicate key `{name}`; each key may appear once"));
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
                    errors.at(
                        key.span(),
                        "`on` and `unless` exclude each other; keep one (`when = …` can refine either)",
                    );
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
        errors.at(seen[on].1, "`on` and `unless` exclude each other; keep one (`when = …` can refine either)");
    }

    let stop_deadline = to_lower.iter().find_map(|(key, value)| match value {
        Value::Expr(e) if key == "stop" => deadline_of(e),
        _ => None,
    });
    for (key, value) in &to_lower {
        let e = match value {
            Value::Expr(e) => e,
            Value::Ident(level) => {
                if LEVELS.contains(&level.to_string().as_str()) {
                    keys.log = Some(level.clone());
                } else {
                    errors.spanned(level, unknown("log level", &level.to_string(), LEVELS));
                }
                continue;
            }
            Value::Patterns(_) | Value::Path(_) => continue,
        };
        let mut lower = Lower { krate: &krate, errors };
        match key.to_string().as_str() {
            "stop" => keys.stop = lower.stop(e),
            "wait" => keys.wait = lower.wait(e),
            "retry_after_max" => {
                keys.retry_after_max = lower.duration(e, Positive::Yes("retry_after_max"));
            }
            _ => {
                keys.timeout = lower.duration(e, Positive::Yes("timeout")).map(|d| (d, first_span(e)));
                if item.sig.asyncness.is_none() {
                    errors.spanned(key, "`timeout` needs an `async fn`: a blocking call cannot be cut short; bound it inside the body instead");
                }
                if let (Some(Ok(t)), Some((d, deadline))) = (literal_nanos(e), &stop_deadline)
                    && t > *d
                {
                    errors.spanned(
                        e,
                        format!(
                            "`timeout = {}` is longer than `{deadline}` in `stop`; every attempt would be cut by the deadline first",
                            shown(e)
                        ),
                    );
                }
            }
        }
    }

    let params = parameter_names(&item);
    let source = match policy {
        Some((key, expr)) => {
            // Every key of the policy's own belongs to the policy; the rest still apply.
            let beside_policy = ["state", "breaker", "budget", "fallback", "policy", "crate"];
            for conflict in crate::attr::KEYS.iter().filter(|k| !beside_policy.contains(k)) {
                if let Some((_, span)) = seen.iter().find(|(k, _)| k == conflict) {
                    errors.at(
                        *span,
                        format!(
                            "`{conflict}` cannot be combined with `policy`; set it on the `RetryPolicy` builder instead"
                        ),
                    );
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
            let names = |tokens: &Option<TokenStream>, wanted: &[&str]| {
                let mut idents = Vec::new();
                collect_idents(tokens.clone().unwrap_or_default(), &mut idents);
                idents.iter().any(|i| wanted.contains(&i.as_str()))
            };
            keys.history = state.is_some()
                || keys.timeout.is_some()
                || [&keys.before, &keys.after, &keys.before_sleep, &keys.on_give_up].iter().any(|h| h.is_some())
                || names(&keys.stop, &["elapsed", "deadline"])
                || names(&keys.wait, &["decorrelated_jitter"]);
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

/// The deadline a stop expression implies when its literals say, with the `deadline(…)`
/// that sets it as written.
fn deadline_of(e: &Expr) -> Option<(u128, String)> {
    match e {
        Expr::Paren(p) => deadline_of(&p.expr),
        Expr::Binary(b) if matches!(b.op, BinOp::BitOr(_)) => match (deadline_of(&b.left), deadline_of(&b.right)) {
            (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
            (a, b) => a.or(b),
        },
        Expr::Binary(b) if matches!(b.op, BinOp::BitAnd(_)) => {
            let (a, b) = (deadline_of(&b.left)?, deadline_of(&b.right)?);
            Some(if b.0 > a.0 { b } else { a })
        }
        Expr::Call(c) if path_ident(&c.func).is_some_and(|i| i == "deadline") && c.args.len() == 1 => {
            let nanos = literal_nanos(&c.args[0]).and_then(Result::ok)?;
            Some((nanos, format!("deadline({})", shown(&c.args[0]))))
        }
        _ => None,
    }
}

/// An expression as the user wrote it, near enough for a message: `-1`, not `- 1`.
fn shown(e: &Expr) -> String {
    match e {
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => format!("-{}", shown(&u.expr)),
        other => other.to_token_stream().to_string(),
    }
}

fn path_ident(e: &Expr) -> Option<&Ident> {
    match e {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => p.path.get_ident(),
        _ => None,
    }
}

enum Positive {
    /// Must be above zero; the name is the strategy or key, for the message.
    Yes(&'static str),
    /// Zero is fine.
    No,
}

struct Lower<'a> {
    krate: &'a TokenStream,
    errors: &'a mut Errors,
}

impl Lower<'_> {
    fn stop(&mut self, e: &Expr) -> Option<TokenStream> {
        let krate = self.krate;
        match e {
            Expr::Paren(p) => self.stop(&p.expr),
            Expr::Group(g) => self.stop(&g.expr),
            Expr::Binary(b) if matches!(b.op, BinOp::BitOr(_) | BinOp::BitAnd(_)) => {
                // The combinators' constructors rather than `|` and `&`, whose trait impls
                // cannot run in the `const` block that builds the policy.
                let (l, r) = (self.stop(&b.left), self.stop(&b.right));
                let s = quote!(#krate::__private::stop);
                let combinator = if matches!(b.op, BinOp::BitOr(_)) { quote!(Either) } else { quote!(Both) };
                Some(quote!(#s::#combinator(#l, #r)))
            }
            Expr::Path(_) | Expr::Call(_) => {
                let (name, args) = self.strategy(e, "stop condition", STOPS)?;
                let s = quote!(#krate::__private::stop);
                match name.to_string().as_str() {
                    "never" => self
                        .arity(&name, &args, 0, "`never` takes no arguments")
                        .then(|| quote_spanned!(name.span()=> #s::never())),
                    "attempts" => {
                        if !self.arity(&name, &args, 1, "`attempts` takes one number: `attempts(5)`") {
                            return None;
                        }
                        let n = self.count(&args[0])?;
                        Some(quote_spanned!(name.span()=> #s::attempts(#n)))
                    }
                    which @ ("elapsed" | "deadline") => {
                        let what: &'static str = if which == "elapsed" { "elapsed" } else { "deadline" };
                        if !self.arity(&name, &args, 1, &format!("`{which}` takes one duration: `{which}(30s)`")) {
                            return None;
                        }
                        let d = self.duration(&args[0], Positive::Yes(what))?;
                        Some(quote_spanned!(name.span()=> #s::#name(#d)))
                    }
                    _ => None,
                }
            }
            other => {
                self.errors.spanned(
                    other,
                    format!("expected a stop condition: {}, combined with `|`, `&` and parentheses", one_of(STOPS)),
                );
                None
            }
        }
    }

    fn wait(&mut self, e: &Expr) -> Option<TokenStream> {
        let krate = self.krate;
        match e {
            Expr::Paren(p) => self.wait(&p.expr),
            Expr::Group(g) => self.wait(&g.expr),
            Expr::Binary(b) if matches!(b.op, BinOp::Add(_)) => {
                let (l, r) = (self.wait(&b.left), self.wait(&b.right));
                Some(quote!(#krate::__private::wait::Sum(#l, #r)))
            }
            Expr::Path(_) | Expr::Call(_) => {
                let (name, args) = self.strategy(e, "wait strategy", WAITS)?;
                let w = quote!(#krate::__private::wait);
                let n = name.to_string();
                let span = name.span();
                let pair =
                    |this: &mut Self, first: &'static str, a: &str, b: &str| -> Option<(TokenStream, TokenStream)> {
                        if !this.arity(&name, &args, 2, &format!("`{n}` takes two durations: `{n}({a}, {b})`")) {
                            return None;
                        }
                        let lo =
                            this.duration(&args[0], if first.is_empty() { Positive::No } else { Positive::Yes(first) });
                        let hi = this.duration(&args[1], Positive::No);
                        this.ordered(&args[0], &args[1], &n, a, b);
                        Some((lo?, hi?))
                    };
                match n.as_str() {
                    "none" => self
                        .arity(&name, &args, 0, "`none` takes no arguments")
                        .then(|| quote_spanned!(span=> #w::none())),
                    "fixed" => {
                        if !self.arity(&name, &args, 1, "`fixed` takes one duration: `fixed(2s)`") {
                            return None;
                        }
                        let d = self.duration(&args[0], Positive::No)?;
                        Some(quote_spanned!(span=> #w::fixed(#d)))
                    }
                    "random" => {
                        let (lo, hi) = pair(self, "", "MIN", "MAX")?;
                        Some(quote_spanned!(span=> #w::random(#lo, #hi)))
                    }
                    "full_jitter" | "equal_jitter" | "decorrelated_jitter" => {
                        let what = static_name(&n);
                        let (lo, hi) = pair(self, what, "BASE", "CAP")?;
                        Some(quote_spanned!(span=> #w::#name(#lo, #hi)))
                    }
                    "exponential" => {
                        if args.len() != 2 && args.len() != 3 {
                            self.arity(&name, &args, 2, "`exponential` takes two or three arguments: `exponential(INITIAL, MAX)` or `exponential(INITIAL, MAX, BASE)`");
                            return None;
                        }
                        let lo = self.duration(&args[0], Positive::Yes("exponential"));
                        let hi = self.duration(&args[1], Positive::No);
                        self.ordered(&args[0], &args[1], "exponential", "INITIAL", "MAX");
                        let base = match args.get(2) {
                            Some(b) => Some(self.base(b)?),
                            None => None,
                        };
                        let (lo, hi) = (lo?, hi?);
                        Some(match base {
                            Some(b) => {
                                quote_spanned!(span=> #w::exponential(#lo, #hi).with_base(#b))
                            }
                            None => quote_spanned!(span=> #w::exponential(#lo, #hi)),
                        })
                    }
                    "exp_jitter" => {
                        if !self.arity(
                            &name,
                            &args,
                            3,
                            "`exp_jitter` takes three durations: `exp_jitter(INITIAL, MAX, JITTER)`",
                        ) {
                            return None;
                        }
                        let lo = self.duration(&args[0], Positive::Yes("exp_jitter"));
                        let hi = self.duration(&args[1], Positive::No);
                        let j = self.duration(&args[2], Positive::No);
                        self.ordered(&args[0], &args[1], "exp_jitter", "INITIAL", "MAX");
                        let (lo, hi, j) = (lo?, hi?, j?);
                        Some(quote_spanned!(span=> #w::exp_jitter(#lo, #hi, #j)))
                    }
                    "incrementing" => {
                        if !self.arity(
                            &name,
                            &args,
                            3,
                            "`incrementing` takes three durations: `incrementing(START, STEP, MAX)`",
                        ) {
                            return None;
                        }
                        let s = self.duration(&args[0], Positive::No);
                        let st = self.duration(&args[1], Positive::No);
                        let m = self.duration(&args[2], Positive::No);
                        self.ordered(&args[0], &args[2], "incrementing", "START", "MAX");
                        let (s, st, m) = (s?, st?, m?);
                        Some(quote_spanned!(span=> #w::incrementing(#s, #st, #m)))
                    }
                    "chain" => {
                        if args.is_empty() {
                            self.errors
                                .spanned(e, "`chain` needs at least one wait strategy: `chain(fixed(1), fixed(5))`");
                            return None;
                        }
                        if args.len() > 12 {
                            self.errors.spanned(
                                e,
                                "`chain` takes at most 12 strategies; use `policy = …` with a `Vec` for more",
                            );
                            return None;
                        }
                        let parts: Vec<Option<TokenStream>> = args.iter().map(|a| self.wait(a)).collect();
                        let parts: Vec<TokenStream> = parts.into_iter().collect::<Option<_>>()?;
                        Some(quote_spanned!(span=> #w::chain((#(#parts,)*))))
                    }
                    _ => None,
                }
            }
            other => {
                self.errors.spanned(other, format!("expected a wait strategy: {}, added with `+`", one_of(WAITS)));
                None
            }
        }
    }

    /// `name` or `name(args)`, with the name checked against `choices`.
    fn strategy(&mut self, e: &Expr, what: &str, choices: &[&str]) -> Option<(Ident, Vec<Expr>)> {
        let (func, args) = match e {
            Expr::Call(c) => (&*c.func, c.args.iter().cloned().collect()),
            other => (other, Vec::new()),
        };
        let Some(name) = path_ident(func) else {
            self.errors.spanned(func, format!("expected a {what}: {}", one_of(choices)));
            return None;
        };
        if !choices.contains(&name.to_string().as_str()) {
            self.errors.spanned(name, unknown(what, &name.to_string(), choices));
            return None;
        }
        if matches!(e, Expr::Path(_)) && !matches!(name.to_string().as_str(), "never" | "none") {
            self.errors
                .spanned(name, format!("`{name}` needs arguments in parentheses: `{}`", example(&name.to_string())));
            return None;
        }
        Some((name.clone(), args))
    }

    fn arity(&mut self, name: &Ident, args: &[Expr], n: usize, message: &str) -> bool {
        if args.len() == n {
            return true;
        }
        let found = args.len();
        self.errors.spanned(name, format!("{message}; found {found} argument{}", if found == 1 { "" } else { "s" }));
        false
    }

    fn ordered(&mut self, lo: &Expr, hi: &Expr, name: &str, a: &str, b: &str) {
        if let (Some(Ok(l)), Some(Ok(h))) = (literal_nanos(lo), literal_nanos(hi))
            && l > h
        {
            self.errors.spanned(
                quote!(#lo #hi),
                format!(
                    "`{name}`: {} `{}` is larger than {} `{}`",
                    in_words(a),
                    lo.to_token_stream(),
                    in_words(b),
                    hi.to_token_stream()
                ),
            );
        }
    }

    fn count(&mut self, e: &Expr) -> Option<TokenStream> {
        let krate = self.krate;
        match e {
            Expr::Lit(syn::ExprLit { lit: Lit::Int(i), .. }) if i.suffix().is_empty() || i.suffix() == "u32" => {
                match i.base10_parse::<u32>() {
                    Ok(0) => {
                        self.errors.spanned(i, "`attempts(0)` never runs the function; use `attempts(1)` or more");
                        None
                    }
                    Ok(n) => Some(quote_spanned!(i.span()=> #n)),
                    Err(_) => {
                        self.errors.spanned(i, format!("`attempts` takes a number from 1 to {}", u32::MAX));
                        None
                    }
                }
            }
            Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => {
                self.errors.spanned(e, "`attempts` cannot be negative; use `attempts(1)` or more");
                None
            }
            Expr::Lit(_) => {
                self.errors.spanned(e, "`attempts` takes a whole number: `attempts(5)`");
                None
            }
            other => {
                let krate = located(krate.clone(), other.span());
                Some(quote_spanned!(other.span()=> const { #krate::__private::attempts(#other) }))
            }
        }
    }

    fn base(&mut self, e: &Expr) -> Option<TokenStream> {
        let krate = self.krate;
        let literal = match e {
            Expr::Lit(syn::ExprLit { lit: Lit::Int(i), .. }) if i.suffix().is_empty() => i.base10_parse::<f64>().ok(),
            Expr::Lit(syn::ExprLit { lit: Lit::Float(f), .. }) if f.suffix().is_empty() => f.base10_parse::<f64>().ok(),
            Expr::Lit(_) | Expr::Unary(_) => {
                self.errors.spanned(e, base_message(e));
                return None;
            }
            other => {
                return Some({
                    let krate = located(krate.clone(), other.span());
                    quote_spanned!(other.span()=> const { #krate::__private::base(#other) })
                });
            }
        };
        match literal {
            Some(b) if b.is_finite() && b >= 1.0 => Some(quote_spanned!(e.span()=> #b)),
            _ => {
                self.errors.spanned(e, base_message(e));
                None
            }
        }
    }

    fn duration(&mut self, e: &Expr, positive: Positive) -> Option<TokenStream> {
        let krate = self.krate;
        match literal_nanos(e) {
            Some(Ok(nanos)) => {
                if nanos == 0
                    && let Positive::Yes(what) = positive
                {
                    self.errors
                        .spanned(e, format!("`{what}` needs a positive duration; `{}` is zero", e.to_token_stream()));
                    return None;
                }
                let secs = u64::try_from(nanos / 1_000_000_000);
                let Ok(secs) = secs else {
                    self.errors.spanned(e, "this duration does not fit in `Duration`");
                    return None;
                };
                let sub = (nanos % 1_000_000_000) as u32;
                Some(quote_spanned!(e.span()=> #krate::__private::Duration::new(#secs, #sub)))
            }
            Some(Err(message)) => {
                self.errors.spanned(e, message);
                None
            }
            None => Some(match positive {
                Positive::Yes(what) => {
                    // On the user's expression: a failed check is reported there.
                    let krate = located(krate.clone(), e.span());
                    let message = format!("`{what}` needs a positive duration; `{}` is zero", shown(e));
                    quote_spanned!(e.span()=> const { #krate::__private::positive(#e, #message) })
                }
                Positive::No => {
                    quote_spanned!(e.span()=> const { #krate::__private::duration(#e) })
                }
            }),
        }
    }
}

fn base_message(e: &Expr) -> String {
    format!("the exponential base must be a number of at least 1, such as `2` or `1.5`; found `{}`", shown(e))
}

/// A placeholder of the arity messages (`INITIAL`), as a phrase for the others.
fn in_words(placeholder: &str) -> &'static str {
    match placeholder {
        "INITIAL" => "the initial delay",
        "MIN" => "the minimum",
        "BASE" => "the base",
        "CAP" => "the cap",
        "START" => "the start",
        _ => "the maximum",
    }
}

/// A strategy written out with arguments, for messages.
fn example(name: &str) -> &'static str {
    match name {
        "attempts" => "attempts(5)",
        "elapsed" => "elapsed(30s)",
        "deadline" => "deadline(30s)",
        "fixed" => "fixed(2s)",
        "random" => "random(1, 5)",
        "exponential" => "exponential(1, 60)",
        "exp_jitter" => "exp_jitter(1, 60, 5)",
        "full_jitter" => "full_jitter(1, 60)",
        "equal_jitter" => "equal_jitter(1, 60)",
        "decorrelated_jitter" => "decorrelated_jitter(1, 60)",
        "incrementing" => "incrementing(1, 2, 30)",
        _ => "chain(fixed(1), fixed(5))",
    }
}

fn static_name(n: &str) -> &'static str {
    match n {
        "full_jitter" => "full_jitter",
        "equal_jitter" => "equal_jitter",
        _ => "decorrelated_jitter",
    }
}

/// A literal duration in nanoseconds (`Some(Ok)`), a malformed literal (`Some(Err)`), or an
/// expression to evaluate at compile time (`None`).
pub(crate) fn literal_nanos(e: &Expr) -> Option<Result<u128, String>> {
    let (digits, suffix, text) = match e {
        Expr::Lit(syn::ExprLit { lit: Lit::Int(i), .. }) => {
            (i.base10_digits().to_owned(), i.suffix().to_owned(), i.to_string())
        }
        Expr::Lit(syn::ExprLit { lit: Lit::Float(f), .. }) => {
            (f.base10_digits().to_owned(), f.suffix().to_owned(), f.to_string())
        }
        Expr::Lit(other) => {
            return Some(Err(format!(
                "expected a duration such as `1`, `250ms` or `1.5s`; found `{}`",
                other.to_token_stream()
            )));
        }
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) && matches!(&*u.expr, Expr::Lit(_)) => {
            return Some(Err(format!("durations cannot be negative; found `{}`", shown(e))));
        }
        Expr::Paren(p) => return literal_nanos(&p.expr),
        Expr::Group(g) => return literal_nanos(&g.expr),
        _ => return None,
    };
    let unit: u128 = match suffix.as_str() {
        "" | "s" => 1_000_000_000,
        "ms" => 1_000_000,
        "us" => 1_000,
        "ns" => 1,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        other => {
            return Some(Err(format!(
                "unknown duration unit `{other}` in `{text}`; expected a bare number of seconds or one of {}",
                one_of(UNITS)
            )));
        }
    };
    Some(
        decimal_times(&digits, unit)
            .ok_or_else(|| format!("`{text}` is not a whole number of nanoseconds that fits in `Duration`")),
    )
}

/// `digits` (decimal, maybe with a fraction and exponent) times `unit`, exactly.
fn decimal_times(digits: &str, unit: u128) -> Option<u128> {
    let (mantissa, exp) = match digits.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (digits, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = format!("{int}{frac}");
    let mut value: u128 = all.parse().ok()?;
    value = value.checked_mul(unit)?;
    let scale = exp - i32::try_from(frac.len()).ok()?;
    if scale >= 0 {
        value.checked_mul(10u128.checked_pow(scale.unsigned_abs())?)
    } else {
        let div = 10u128.checked_pow(scale.unsigned_abs())?;
        value.is_multiple_of(div).then_some(value / div)
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
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(g) => {
                let mut moved = Group::new(g.delimiter(), uniform(g.stream(), at));
                moved.set_span(at);
                TokenTree::Group(moved)
            }
            mut other => {
                other.set_span(at);
                other
            }
        })
        .collect()
}

/// `tokens` moved to where `at` is, each keeping its own hygiene, so that rustc reports what
/// it finds wrong with generated code at the user's token.
pub(crate) fn located(tokens: TokenStream, at: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(g) => {
                let mut moved = Group::new(g.delimiter(), located(g.stream(), at));
                moved.set_span(g.span().located_at(at));
                TokenTree::Group(moved)
            }
            mut other => {
                other.set_span(other.span().located_at(at));
                other
            }
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
