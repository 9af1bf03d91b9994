//! The macro's front end to the grammar: a `syn::Expr` becomes a `retry_grammar::Term`
//! whose spans are the user's tokens, so every diagnostic lands on them.

use proc_macro2::TokenStream;
use quote::ToTokens;
use retry_grammar::{Node, Op, Term};
use syn::{BinOp, Expr, Lit, UnOp};

/// Where a term is: the user's tokens, kept whole so that an error spans them
/// (`syn::Error::new_spanned`) and an opaque expression can be emitted as written.
#[derive(Clone)]
pub(crate) struct Site(pub(crate) TokenStream);

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
    let site = || Site(e.to_token_stream());
    match e {
        Expr::Paren(p) => term(&p.expr),
        Expr::Group(g) => term(&g.expr),
        Expr::Lit(l) => number(&l.lit, false, site())
            .unwrap_or_else(|| Term::other(Node::Literal, &l.to_token_stream().to_string(), site())),
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => match &*u.expr {
            Expr::Lit(l) => number(&l.lit, true, site()).unwrap_or_else(|| Term::other(Node::Literal, &shown(e), site())),
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
                Term::call(&name, Site(c.func.to_token_stream()), Some(args), &shown(e), site())
            }
            _ => Term::other(Node::Opaque, &shown(e), site()),
        },
        _ => Term::other(Node::Opaque, &shown(e), site()),
    }
}
