//! Syntax only: tokens to a small expression tree, with `|` below `&` below `+`, calls,
//! parentheses and numbers. What the names mean is [`strategy`](super::strategy)'s job.
//!
//! Nesting is capped at [`MAX_DEPTH`] so that no input, however deep, can exhaust the stack
//! here or in the passes that walk the tree after.

use super::lex::{Kind, Span, Token, tokens};
use crate::PolicyError;

/// The deepest nesting of parentheses (groups and argument lists) accepted.
pub(crate) const MAX_DEPTH: usize = 64;

/// A parsed expression.
#[derive(Debug)]
pub(crate) enum Expr {
    /// `name` (`args` is `None`) or `name(args…)`.
    Call {
        name: Span,
        args: Option<Vec<Expr>>,
        span: Span,
    },
    /// A number with its unit (which starts at byte `unit`), after a `-` if `negative`.
    Number {
        span: Span,
        unit: usize,
        negative: bool,
    },
    /// Two or more terms joined by the same operator, left to right.
    Op {
        op: Op,
        terms: Vec<Expr>,
        span: Span,
    },
}

impl Expr {
    pub(crate) const fn span(&self) -> Span {
        match self {
            Self::Call { span, .. } | Self::Number { span, .. } | Self::Op { span, .. } => *span,
        }
    }
}

/// The binary operators, loosest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `|`: either stops.
    Or,
    /// `&`: both stop.
    And,
    /// `+`: the delays added.
    Add,
}

impl Op {
    const fn kind(self) -> Kind {
        match self {
            Self::Or => Kind::Pipe,
            Self::And => Kind::Amp,
            Self::Add => Kind::Plus,
        }
    }

    pub(crate) const fn symbol(self) -> &'static str {
        match self {
            Self::Or => "|",
            Self::And => "&",
            Self::Add => "+",
        }
    }
}

/// What the whole text is meant to be, for messages.
#[derive(Debug)]
pub(crate) struct Context {
    /// "a stop condition".
    pub(crate) noun: &'static str,
    /// An example of one, quoted.
    pub(crate) example: &'static str,
    /// What may follow a complete term: "`|`, `&` or the end".
    pub(crate) follow: &'static str,
}

pub(crate) const STOP: Context = Context {
    noun: "a stop condition",
    example: "`attempts(5) | elapsed(30s)`",
    follow: "`|`, `&` or the end",
};

pub(crate) const WAIT: Context = Context {
    noun: "a wait strategy",
    example: "`exp_jitter(1s, 60s, 5s)`",
    follow: "`+` or the end",
};

pub(crate) const DURATION: Context = Context {
    noun: "a duration",
    example: "`250ms`, `1.5s` or `2` (seconds)",
    follow: "the end",
};

/// `text` as a message quotes it: whole if short, else its start and an ellipsis.
pub(crate) fn snippet(text: &str) -> String {
    const LONG: usize = 40;
    match text.char_indices().nth(LONG) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The 1-based column (in characters) of byte `offset` of `src`.
pub(crate) fn column(src: &str, offset: usize) -> usize {
    src.get(..offset).map_or(0, |before| before.chars().count()) + 1
}

pub(crate) fn error(message: String) -> PolicyError {
    PolicyError::Parse { message }
}

/// Parses all of `src` as one expression.
pub(crate) fn parse(src: &str, context: &Context) -> Result<Expr, PolicyError> {
    let mut parser = Parser {
        src,
        tokens: tokens(src),
        pos: 0,
    };
    if parser.tokens.is_empty() {
        return Err(error(format!(
            "expected {}, found nothing; write one such as {}",
            context.noun, context.example
        )));
    }
    let expr = parser.binary(Op::Or, 0, context.noun)?;
    match parser.peek() {
        None => Ok(expr),
        Some(token) if token.kind == Kind::Close => Err(error(format!(
            "unmatched `)` at column {}",
            parser.column(token.span)
        ))),
        Some(token) => Err(parser.unexpected(token, context.follow)),
    }
}

struct Parser<'s> {
    src: &'s str,
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.pos).copied()
    }

    fn text(&self, span: Span) -> &str {
        self.src.get(span.start..span.end).unwrap_or_default()
    }

    fn column(&self, span: Span) -> usize {
        column(self.src, span.start)
    }

    /// "`x` at column N", or "the end" past the last token.
    fn found(&self) -> String {
        match self.peek() {
            Some(t) => format!(
                "`{}` at column {}",
                snippet(self.text(t.span)),
                self.column(t.span)
            ),
            None => "the end".to_owned(),
        }
    }

    /// A token where `expected` should have been; a unit set apart from its number gets
    /// a hint, since that is the likeliest reason.
    fn unexpected(&self, token: Token, expected: &str) -> PolicyError {
        let previous = self.pos.checked_sub(1).and_then(|i| self.tokens.get(i));
        if let (Kind::Name, Some(number)) = (token.kind, previous)
            && matches!(number.kind, Kind::Number { unit } if unit == number.span.end)
        {
            let number = self.text(number.span);
            let unit = snippet(self.text(token.span));
            return error(format!(
                "write the unit right after the number, `{number}{unit}`, not `{number} {unit}` (column {})",
                self.column(token.span)
            ));
        }
        error(format!("expected {expected}, found {}", self.found()))
    }

    /// Terms joined by `op`, each a tighter expression.
    fn binary(&mut self, op: Op, depth: usize, noun: &'static str) -> Result<Expr, PolicyError> {
        let operand = |parser: &mut Self| match op {
            Op::Or => parser.binary(Op::And, depth, noun),
            Op::And => parser.binary(Op::Add, depth, noun),
            Op::Add => parser.atom(depth, noun),
        };
        let mut terms = vec![operand(self)?];
        while let Some(token) = self.peek().filter(|t| t.kind == op.kind()) {
            self.pos += 1;
            if let Some(again) = self.peek().filter(|t| t.kind == op.kind()) {
                let symbol = op.symbol();
                return Err(error(format!(
                    "write `{symbol}`, not `{symbol}{symbol}` (column {})",
                    self.column(token.span.to(again.span))
                )));
            }
            if self.peek().is_none() {
                return Err(error(format!(
                    "expected {noun} after `{}` at column {}, found the end",
                    op.symbol(),
                    self.column(token.span)
                )));
            }
            terms.push(operand(self)?);
        }
        if terms.len() == 1 {
            return Ok(terms.remove(0));
        }
        let span = terms[0].span().to(terms[terms.len() - 1].span());
        Ok(Expr::Op { op, terms, span })
    }

    /// A call, a name, a number, or a parenthesised expression.
    fn atom(&mut self, depth: usize, noun: &'static str) -> Result<Expr, PolicyError> {
        let Some(token) = self.peek() else {
            return Err(error(format!("expected {noun}, found the end")));
        };
        match token.kind {
            Kind::Open => {
                let open = self.open(depth)?;
                let inner = self.binary(Op::Or, depth + 1, noun)?;
                match self.peek() {
                    Some(t) if t.kind == Kind::Close => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    None => Err(self.unclosed(open)),
                    Some(t) => Err(self.unexpected(t, "`)`")),
                }
            }
            Kind::Name => {
                self.pos += 1;
                let Some(open) = self.peek().filter(|t| t.kind == Kind::Open) else {
                    return Ok(Expr::Call {
                        name: token.span,
                        args: None,
                        span: token.span,
                    });
                };
                self.open(depth)?;
                let (args, close) = self.arguments(depth + 1, open.span)?;
                Ok(Expr::Call {
                    name: token.span,
                    args: Some(args),
                    span: token.span.to(close),
                })
            }
            Kind::Number { unit } => {
                self.pos += 1;
                Ok(Expr::Number {
                    span: token.span,
                    unit,
                    negative: false,
                })
            }
            Kind::Minus => {
                self.pos += 1;
                match self.peek() {
                    Some(Token {
                        kind: Kind::Number { unit },
                        span,
                    }) => {
                        self.pos += 1;
                        Ok(Expr::Number {
                            span: token.span.to(span),
                            unit,
                            negative: true,
                        })
                    }
                    _ => Err(error(format!(
                        "expected a number after `-`, found {}",
                        self.found()
                    ))),
                }
            }
            _ => Err(self.unexpected(token, noun)),
        }
    }

    /// Steps over a `(` one level deeper than `depth`, unless that is too deep.
    fn open(&mut self, depth: usize) -> Result<Span, PolicyError> {
        let span = self.tokens[self.pos].span;
        if depth >= MAX_DEPTH {
            return Err(error(format!(
                "parentheses nest deeper than {MAX_DEPTH} levels at column {}",
                self.column(span)
            )));
        }
        self.pos += 1;
        Ok(span)
    }

    fn unclosed(&self, open: Span) -> PolicyError {
        error(format!(
            "unclosed `(` at column {}; expected `)`",
            self.column(open)
        ))
    }

    /// `a, b, c)` after an opening parenthesis (a trailing comma is allowed); returns the
    /// arguments and the span of the `)`.
    fn arguments(&mut self, depth: usize, open: Span) -> Result<(Vec<Expr>, Span), PolicyError> {
        let mut args = Vec::new();
        loop {
            match self.peek() {
                Some(t) if t.kind == Kind::Close => {
                    self.pos += 1;
                    return Ok((args, t.span));
                }
                None => return Err(self.unclosed(open)),
                Some(_) => {}
            }
            args.push(self.binary(Op::Or, depth, "an argument")?);
            match self.peek() {
                Some(t) if t.kind == Kind::Comma => self.pos += 1,
                Some(t) if t.kind == Kind::Close => {}
                None => return Err(self.unclosed(open)),
                Some(t) => return Err(self.unexpected(t, "`,` or `)`")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree as s-expressions, to compare shapes at a glance.
    fn show(src: &str, expr: &Expr) -> String {
        let text = |s: Span| &src[s.start..s.end];
        match expr {
            Expr::Call {
                name, args: None, ..
            } => text(*name).to_owned(),
            Expr::Call {
                name,
                args: Some(args),
                ..
            } => {
                let args: Vec<_> = args.iter().map(|a| show(src, a)).collect();
                format!("{}({})", text(*name), args.join(" "))
            }
            Expr::Number { span, .. } => text(*span).to_owned(),
            Expr::Op { op, terms, .. } => {
                let terms: Vec<_> = terms.iter().map(|t| show(src, t)).collect();
                format!("[{} {}]", op.symbol(), terms.join(" "))
            }
        }
    }

    fn tree(src: &str) -> String {
        show(src, &parse(src, &STOP).unwrap())
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(tree("a | b & c | d"), "[| a [& b c] d]");
        assert_eq!(tree("(a | b) & c"), "[& [| a b] c]");
        assert_eq!(tree("a + b & c"), "[& [+ a b] c]");
    }

    #[test]
    fn calls_take_expressions_and_a_trailing_comma() {
        assert_eq!(
            tree(" chain ( fixed(1s) , x + y , ) "),
            "chain(fixed(1s) [+ x y])"
        );
        assert_eq!(tree("f()"), "f()");
        assert_eq!(tree("f(-1)"), "f(-1)");
    }

    #[test]
    fn nesting_at_the_limit_parses_and_one_more_does_not() {
        let ok = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(tree(&ok), "a");
        let deep = format!(
            "{}a{}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        assert!(parse(&deep, &STOP).is_err());
    }

    #[test]
    fn snippet_cuts_long_text_on_a_character_boundary() {
        assert_eq!(snippet("short"), "short");
        let long = "µ".repeat(50);
        assert_eq!(snippet(&long), format!("{}…", "µ".repeat(40)));
    }
}
