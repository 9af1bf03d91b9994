//! Meaning: the parsed keys and the function become a validated [`Config`]. Every mistake is
//! recorded with the exact token it concerns; expansion only ever sees a valid config.

use proc_macro2::{Span, TokenStream};
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
const LEVELS: &[&str] = &["off", "trace", "debug", "info", "warn", "error"];
const UNITS: &[&str] = &["ns", "us", "ms", "s", "m", "h"];

/// Everything expansion needs, already checked.
pub(crate) struct Config {
    pub(crate) krate: TokenStream,
    pub(crate) source: Source,
    pub(crate) state: Option<Ident>,
    pub(crate) guards: Guards,
    pub(crate) function: Function,
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
    pub(crate) timeout: Option<TokenStream>,
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

/// Overload protection: allowed with the attribute's keys and with `policy`.
#[derive(Default)]
pub(crate) struct Guards {
    pub(crate) breaker: Option<Expr>,
    pub(crate) budget: Option<Expr>,
    pub(crate) fallback: Option<Expr>,
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
    let mut stop_expr: Option<Expr> = None;
    let mut timeout_key: Option<(Ident, Option<u128>, Span)> = None;

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
            ("crate", Value::Path(path)) => krate = path.into_token_stream(),
            ("stop", Value::Expr(e)) => stop_expr = Some(e),
            ("wait", Value::Expr(e)) => keys.wait = Some(e.to_token_stream()),
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
            ("retry_after_max", Value::Expr(e)) => keys.retry_after_max = Some(e.to_token_stream()),
            ("timeout", Value::Expr(e)) => {
                let nanos = literal_nanos(&e);
                timeout_key = Some((key.clone(), nanos.and_then(Result::ok), e.span()));
                keys.timeout = Some(e.to_token_stream());
            }
            ("before", Value::Expr(e)) => keys.before = Some(e),
            ("after", Value::Expr(e)) => keys.after = Some(e),
            ("before_sleep", Value::Expr(e)) => keys.before_sleep = Some(e),
            ("on_give_up", Value::Expr(e)) => keys.on_give_up = Some(e),
            ("log", Value::Ident(level)) => {
                if LEVELS.contains(&level.to_string().as_str()) {
                    keys.log = Some(level);
                } else {
                    errors.spanned(&level, unknown("log level", &level.to_string(), LEVELS));
                }
            }
            ("sleeper", Value::Expr(e)) => keys.sleeper = Some(e),
            ("state", Value::Ident(ident)) => state = Some(ident),
            ("policy", Value::Expr(e)) => policy = Some((key.clone(), e)),
            ("breaker", Value::Expr(e)) => guards.breaker = Some(e),
            ("budget", Value::Expr(e)) => guards.budget = Some(e),
            ("fallback", Value::Expr(e)) => {
                if matches!(e, Expr::Path(_)) {
                    guards.fallback = Some(e);
                } else {
                    errors.spanned(&e, "`fallback` takes the path of a function with the same parameters and return type, such as `ask_provider_b` or `Self::ask_b`");
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

    let params = parameter_names(&item);
    let function = check_function(&mut item, &krate, errors);
    let is_async = function.as_ref().is_some_and(|f| f.is_async);

    let mut lowered_stop = None;
    let mut stop_deadline = None;
    if let Some(e) = &stop_expr {
        let mut lower = Lower { krate: &krate, errors };
        lowered_stop = lower.stop(e);
        stop_deadline = deadline_of(e);
    }
    keys.stop = lowered_stop;
    if let Some(w) = keys.wait.take() {
        let e: Expr = syn::parse2(w).expect("re-parse of a parsed expression");
        keys.wait = Lower { krate: &krate, errors }.wait(&e);
    }
    if let Some(d) = keys.retry_after_max.take() {
        let e: Expr = syn::parse2(d).expect("re-parse of a parsed expression");
        keys.retry_after_max = Lower { krate: &krate, errors }.duration(&e, Positive::Yes("retry_after_max"));
    }
    if let Some(t) = keys.timeout.take() {
        let e: Expr = syn::parse2(t).expect("re-parse of a parsed expression");
        keys.timeout = Lower { krate: &krate, errors }.duration(&e, Positive::Yes("timeout"));
        if let Some((key, nanos, span)) = &timeout_key {
            if function.is_some() && !is_async {
                errors.at(key.span(), "`timeout` needs an `async fn`: a blocking call cannot be cut short; bound it inside the body instead");
            }
            if let (Some(t), Some(d)) = (nanos, stop_deadline)
                && *t > d
            {
                errors.at(*span, "`timeout` is longer than the `deadline` of `stop`; every attempt would be cut by the deadline first");
            }
        }
    }

    let source = match policy {
        Some((key, expr)) => {
            for conflict in [
                "stop",
                "wait",
                "on",
                "unless",
                "when",
                "when_ok",
                "retry_after",
                "retry_after_max",
                "timeout",
                "before",
                "after",
                "before_sleep",
                "on_give_up",
                "log",
                "sleeper",
            ] {
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

/// The per-attempt deadline a stop expression implies, when its literals say.
fn deadline_of(e: &Expr) -> Option<u128> {
    match e {
        Expr::Paren(p) => deadline_of(&p.expr),
        Expr::Binary(b) if matches!(b.op, BinOp::BitOr(_)) => match (deadline_of(&b.left), deadline_of(&b.right)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        },
        Expr::Binary(b) if matches!(b.op, BinOp::BitAnd(_)) => Some(deadline_of(&b.left)?.max(deadline_of(&b.right)?)),
        Expr::Call(c) if path_ident(&c.func).is_some_and(|i| i == "deadline") && c.args.len() == 1 => {
            literal_nanos(&c.args[0]).and_then(Result::ok)
        }
        _ => None,
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
            self.errors.spanned(name, format!("`{name}` needs arguments in parentheses"));
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
                    "`{name}`: {a} `{}` is larger than {b} `{}`; {a} must not exceed {b}",
                    lo.to_token_stream(),
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
            other => Some(quote_spanned!(other.span()=> const { #krate::__private::attempts(#other) })),
        }
    }

    fn base(&mut self, e: &Expr) -> Option<TokenStream> {
        let krate = self.krate;
        let literal = match e {
            Expr::Lit(syn::ExprLit { lit: Lit::Int(i), .. }) if i.suffix().is_empty() => i.base10_parse::<f64>().ok(),
            Expr::Lit(syn::ExprLit { lit: Lit::Float(f), .. }) if f.suffix().is_empty() => f.base10_parse::<f64>().ok(),
            Expr::Lit(_) | Expr::Unary(_) => {
                self.errors.spanned(e, "the exponential base must be a number of at least 1, such as `2` or `1.5`");
                return None;
            }
            other => {
                return Some(quote_spanned!(other.span()=> const { #krate::__private::base(#other) }));
            }
        };
        match literal {
            Some(b) if b.is_finite() && b >= 1.0 => Some(quote_spanned!(e.span()=> #b)),
            _ => {
                self.errors.spanned(e, "the exponential base must be a number of at least 1, such as `2` or `1.5`");
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
                    let message = format!("`{what}` needs a positive duration");
                    quote_spanned!(e.span()=> const { #krate::__private::positive(#e, #message) })
                }
                Positive::No => {
                    quote_spanned!(e.span()=> const { #krate::__private::duration(#e) })
                }
            }),
        }
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
            return Some(Err(format!("durations cannot be negative; found `{}`", e.to_token_stream())));
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
            Ok(parts) => parts,
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
    let err_path = if is_result && type_args.len() == 2 && !mentions_generic(&type_args[1], generics) {
        Some(type_args[1].clone())
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

fn mentions_generic(ty: &Type, generics: &syn::Generics) -> bool {
    let text = ty.to_token_stream().to_string();
    generics.type_params().any(|p| text.split(|c: char| !c.is_alphanumeric() && c != '_').any(|w| p.ident == w))
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
