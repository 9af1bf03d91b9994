//! The macro's front end to the grammar: a `syn::Expr` becomes a `retry_grammar::Term`
//! whose spans are the user's tokens, so every diagnostic lands on them.

use proc_macro2::TokenStream;
use quote::ToTokens;
use retry_grammar::{Node, Op, Term};
use syn::{BinOp, Expr, Lit, UnOp};

/// Where a term is: the user's expression, kept whole so that an error spans its tokens
/// (`syn::Error::new_spanned`) and an opaque expression can be emitted as written.
#[derive(Clone)]
pub(crate) struct Site(pub(crate) Expr);

impl ToTokens for Site {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.0.to_tokens(tokens);
    }
}

/// An expression as the user wrote it, near enough for a message: `-1`, not `- 1`.
pub(crate) fn shown(e: &Expr) -> String {
    match e {
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => format!("-{}", shown(&u.expr)),
        other => other.to_token_stream().to_string(),
    }
}

fn op_of(op: &BinOp) -> Option<Op> {
    match op {
        BinOp::BitOr(_) => Some(Op::Or),
        BinOp::BitAnd(_) => Some(Op::And),
        BinOp::Add(_) => Some(Op::Add),
        _ => None,
    }
}

/// A literal number as a term: its digits as written, its suffix as the unit.
fn number(lit: &Lit, negative: bool, site: Site) -> Option<Term<Site>> {
    let (text, suffix) = match lit {
        Lit::Int(i) => (i.to_string(), i.suffix().to_owned()),
        Lit::Float(f) => (f.to_string(), f.suffix().to_owned()),
        _ => return None,
    };
    let digits = &text[..text.len() - suffix.len()];
    let sign = if negative { "-" } else { "" };
    Some(Term::number_written(digits, &suffix, negative, &format!("{sign}{text}"), site))
}

// Input:  attempts(5) | elapsed(30s)            (a `syn::Expr`)
// Output: Term::op(Or, [attempts(5), elapsed(30s)])   with each site the user's tokens
/// The term `e` is; whatever the grammar cannot read as its own is `Opaque`, for the
/// compiler to evaluate.
pub(crate) fn term(e: &Expr) -> Term<Site> {
    let site = || Site(e.clone());
    match e {
        Expr::Paren(p) => term(&p.expr),
        Expr::Group(g) => term(&g.expr),
        Expr::Lit(l) => number(&l.lit, false, site())
            .unwrap_or_else(|| Term::other(Node::Literal, &l.to_token_stream().to_string(), site())),
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => match &*u.expr {
            Expr::Lit(l) => {
                number(&l.lit, true, site()).unwrap_or_else(|| Term::other(Node::Literal, &shown(e), site()))
            }
            _ => Term::other(Node::Opaque, &shown(e), site()),
        },
        Expr::Binary(b) if op_of(&b.op).is_some() => {
            let op = op_of(&b.op);
            // `a | b | c` is `(a | b) | c` to syn: one run of operands, as text reads it.
            let mut operands = vec![&*b.right];
            let mut left = &*b.left;
            while let Expr::Binary(inner) = left
                && op_of(&inner.op) == op
            {
                operands.push(&inner.right);
                left = &inner.left;
            }
            operands.push(left);
            let terms = operands.into_iter().rev().map(term).collect();
            Term::op(op.unwrap_or(Op::Or), terms, &shown(e), site())
        }
        Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
            let name = p.path.get_ident().map(ToString::to_string).unwrap_or_default();
            Term::call(&name, site(), None, &name, site())
        }
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
                let name = p.path.get_ident().map(ToString::to_string).unwrap_or_default();
                let args = c.args.iter().map(term).collect();
                Term::call(&name, Site((*c.func).clone()), Some(args), &shown(e), site())
            }
            _ => Term::other(Node::Opaque, &shown(e), site()),
        },
        _ => Term::other(Node::Opaque, &shown(e), site()),
    }
}

/// The two front ends agree: each text read once by syn through this adapter and once by
/// the grammar's text parser gives the same messages from the one checker.
#[cfg(test)]
mod differential {
    use retry_grammar::{Front, TextKind, check_stop, check_wait, parse_text};

    use super::term;

    fn messages<S: Clone>(result: Result<impl Sized, Vec<retry_grammar::Diagnostic<S>>>) -> Vec<String> {
        result.err().unwrap_or_default().iter().map(ToString::to_string).collect()
    }

    fn both(text: &str, kind: TextKind) -> (Vec<String>, Vec<String>) {
        let expr: syn::Expr = syn::parse_str(text).unwrap_or_else(|e| panic!("syn cannot read `{text}`: {e}"));
        let rust = term(&expr);
        let plain = parse_text(text, kind).unwrap_or_else(|e| panic!("text cannot read `{text}`: {e}"));
        match kind {
            TextKind::Stop => (messages(check_stop(&rust, Front::Rust)), messages(check_stop(&plain, Front::Text))),
            _ => (messages(check_wait(&rust, Front::Rust)), messages(check_wait(&plain, Front::Text))),
        }
    }

    const STOPS: &[&str] = &[
        "attempts(5)",
        "elapsed(30s)",
        "deadline(1m)",
        "never",
        "attempts(5) | elapsed(30s) & deadline(1h)",
        "attempts",
        "attempts()",
        "attempts(1, 2)",
        "elapsed(1, 2)",
        "never(1)",
        "deadline",
        "attempts(0)",
        "elapsed(0)",
        "deadline(0ms)",
        "attempts(2.5)",
        "attempts(-1)",
        "attempts(4294967296)",
        "elapsed(-1s)",
        "elapsed(5sec)",
        "elapsed(2d)",
        "elapsed(1h30m)",
        "stpo",
        "atempts(5)",
        "elapse(5s)",
        "forever",
        "fixed(1)",
        "attempts(5) + never",
        "5",
        "attempts(0) | elapsed(0) | stpo(1)",
        "elapsed(18446744073709551616)",
        "elapsed(0.0000000019)",
    ];

    const WAITS: &[&str] = &[
        "none",
        "fixed(2s)",
        "random(1, 5)",
        "exponential(1, 60)",
        "exponential(1, 60, 1.5)",
        "exp_jitter(1, 60, 5)",
        "full_jitter(1, 60)",
        "equal_jitter(1, 60)",
        "decorrelated_jitter(1, 60)",
        "incrementing(1, 2, 30)",
        "decrementing(10, 3, 1)",
        "scaled_jitter(0.5, 8, 0.25)",
        "chain(fixed(1), fixed(5))",
        "fixed(1) + random(0, 1)",
        "none()",
        "fixed",
        "fixed(1, 2)",
        "random(1s)",
        "exponential(1)",
        "exponential(1, 2, 3, 4)",
        "exp_jitter(1, 60)",
        "full_jitter(1)",
        "equal_jitter(1, 2, 3)",
        "decorrelated_jitter()",
        "incrementing(1, 2, 3, 4)",
        "decrementing(10, 3)",
        "scaled_jitter(0.5, 8)",
        "scaled_jitter(0.5, 8, 0.25, 1)",
        "chain",
        "chain()",
        "exponential(10s, 5s)",
        "random(2s, 1s)",
        "exp_jitter(2m, 1s, 0)",
        "full_jitter(10, 500ms)",
        "equal_jitter(1h, 60)",
        "decorrelated_jitter(2, 1.5)",
        "incrementing(30, 1, 10)",
        "decrementing(1, 1, 10)",
        "scaled_jitter(9, 8, 0.25)",
        "scaled_jitter(0, 8, 0.25)",
        "scaled_jitter(0.5, 8, 1.5)",
        "scaled_jitter(0.5, 8, -0.1)",
        "scaled_jitter(0.5, 8, 1s)",
        "scaled_jiter(0.5, 8, 0.25)",
        "decrementing(10, -3, 0)",
        "exponential(0, 1)",
        "exp_jitter(0, 1, 1)",
        "full_jitter(0s, 1s)",
        "equal_jitter(0, 1)",
        "decorrelated_jitter(0, 1)",
        "fixed(5sec)",
        "fixed(2d)",
        "fixed(-0.5)",
        "random(1ms, 5millis)",
        "exponential(1, 60, 0.5)",
        "exponential(1, 60, -2)",
        "exponential(1, 60, 2s)",
        "expo(1s)",
        "exponental(1, 60)",
        "Fixed(1)",
        "full_jiter(1, 60)",
        "backoff(1)",
        "attempts(3)",
        "fixed(1s) | fixed(2s)",
        "fixed(1) & none",
        "5s",
        "chain(fixed(1), expo(1, 2))",
        "fixed(0) + random(5, 1) + fixd(1)",
    ];

    /// Texts the two front ends cannot both read the same way, each with why.
    const EXCEPTIONS: &[(&str, &str)] = &[
        ("fixed(5µs)", "rustc refuses `µ` in a suffix (proc-macro2's own lexer takes it, so it is not checked here)"),
        ("fixed(5 ms)", "syn reads `5 ms` as no expression; text reports the gap"),
        ("fixed(1e3)", "Rust reads `1e3` as a float (1000 s); text lexes a unit `e3`"),
        ("fixed(never)", "in Rust a name in value position is a `const`, evaluated later"),
        (
            "chain(none, none, none, none, none, none, none, none, none, none, none, none, none)",
            "the attribute builds a tuple of at most 12; text builds a `Vec`",
        ),
    ];

    #[test]
    fn both_front_ends_give_the_same_messages() {
        for text in STOPS {
            let (rust, plain) = both(text, TextKind::Stop);
            assert_eq!(rust, plain, "stop = {text}");
        }
        for text in WAITS {
            let (rust, plain) = both(text, TextKind::Wait);
            assert_eq!(rust, plain, "wait = {text}");
        }
    }

    #[test]
    fn the_exceptions_do_differ() {
        for (text, why) in EXCEPTIONS.iter().filter(|(text, _)| !text.contains('µ')) {
            let Ok(expr) = syn::parse_str::<syn::Expr>(text) else { continue };
            let rust = messages(check_wait(&term(&expr), Front::Rust));
            let plain = parse_text(text, TextKind::Wait).map(|t| messages(check_wait(&t, Front::Text)));
            assert_ne!(Ok(rust), plain, "{text}: {why}");
        }
    }

    #[test]
    fn a_chain_of_thirteen_is_refused_in_the_attribute() {
        let text = format!("chain({})", vec!["none"; 13].join(", "));
        let expr: syn::Expr = syn::parse_str(&text).unwrap();
        assert_eq!(
            messages(check_wait(&term(&expr), Front::Rust)),
            ["`chain` takes at most 12 strategies, found 13; use `policy = …` with a `Vec` for more"]
        );
    }
}
