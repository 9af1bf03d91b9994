//! Syntax only: tokens to a small expression tree, with `|` below `&` below `+`, calls,
//! parentheses and numbers. What the names mean is [`strategy`](super::strategy)'s job.
//!
//! Nesting is capped at [`MAX_DEPTH`] so that no input, however deep, can exhaust the stack
//! here or in the passes that walk the tree after.

use super::MAX_LEN;
use super::lex::{Kind, Span, Token, tokens};
use crate::PolicyError;

/// The deepest nesting of parentheses (groups and argument lists) accepted.
pub(crate) const MAX_DEPTH: usize = 64;

/// A parsed expression.
#[derive(Debug)]
pub(crate) enum Expr {
    /// `name` (`args` is `None`) or `name(args…)`.
    Call { name: Span, args: Option<Vec<Expr>>, span: Span },
    /// A number with its unit (which starts at byte `unit`), after a `-` if `negative`.
    Number { span: Span, unit: usize, negative: bool },
    /// Two or more terms joined by the same operator, left to right.
    Op { op: Op, terms: Vec<Expr>, span: Span },
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
    const fn of(kind: Kind) -> Option<Self> {
        match kind {
            Kind::Pipe => Some(Self::Or),
            Kind::Amp => Some(Self::And),
            Kind::Plus => Some(Self::Add),
            _ => None,
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

pub(crate) const STOP: Context =
    Context { noun: "a stop condition", example: "`attempts(5) | elapsed(30s)`", follow: "`|`, `&` or the end" };

pub(crate) const WAIT: Context =
    Context { noun: "a wait strategy", example: "`exp_jitter(1s, 60s, 5s)`", follow: "`+` or the end" };

pub(crate) const DURATION: Context =
    Context { noun: "a duration", example: "`250ms`, `1.5s` or `2` (seconds)", follow: "the end" };

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

/// Refuses text longer than [`MAX_LEN`] before anything reads it: the tokens take a few
/// dozen bytes for each byte of punctuation, so a 10 MB line would cost most of a gigabyte.
pub(crate) fn check_len(src: &str, noun: &str) -> Result<(), PolicyError> {
    if src.len() > MAX_LEN {
        return Err(error(format!("{noun} cannot be longer than {MAX_LEN} bytes, found {}", src.len())));
    }
    Ok(())
}

/// Parses all of `src` as one expression.
pub(crate) fn parse(src: &str, context: &Context) -> Result<Expr, PolicyError> {
    check_len(src, context.noun)?;
    let mut parser = Parser { src, tokens: tokens(src), pos: 0 };
    if parser.tokens.is_empty() {
        return Err(error(format!("expected {}, found nothing; write one such as {}", context.noun, context.example)));
    }
    let expr = parser.expr(0, context.noun)?;
    match parser.peek() {
        None => Ok(expr),
        Some(token) if token.kind == Kind::Close => {
            Err(error(format!("unmatched `)` at column {}", parser.column(token.span))))
        }
        Some(token) => Err(parser.unexpected(token, context.follow)),
    }
}

/// Joins each run of terms linked by `tight` into one term, keeping the looser links.
fn join(terms: Vec<Expr>, links: Vec<Op>, tight: Op) -> (Vec<Expr>, Vec<Op>) {
    fn close(mut run: Vec<Expr>, op: Op) -> Expr {
        if run.len() == 1 {
            return run.remove(0);
        }
        let span = match (run.first(), run.last()) {
            (Some(first), Some(last)) => first.span().to(last.span()),
            _ => Span::new(0, 0),
        };
        Expr::Op { op, terms: run, span }
    }
    let mut out = Vec::new();
    let mut loose = Vec::new();
    let mut terms = terms.into_iter();
    let mut run: Vec<Expr> = terms.next().into_iter().collect();
    for (link, term) in links.into_iter().zip(terms) {
        if link == tight {
            run.push(term);
        } else {
            out.push(close(core::mem::take(&mut run), tight));
            loose.push(link);
            run.push(term);
        }
    }
    if !run.is_empty() {
        out.push(close(run, tight));
    }
    (out, loose)
}

/// Groups terms by precedence: `+` runs first, then `&`, then `|`.
#[inline(never)]
fn fold(terms: Vec<Expr>, links: Vec<Op>) -> Option<Expr> {
    let (terms, links) = join(terms, links, Op::Add);
    let (terms, links) = join(terms, links, Op::And);
    let (terms, _) = join(terms, links, Op::Or);
    terms.into_iter().next()
}

struct Parser<'s> {
    src: &'s str,
    tokens: Vec<Token>,
    pos: usize,
}

// The recursive methods (`expr`, `atom`, `group`, `call`, `arguments`) keep their frames small, since a
// debug build gives every `format!` its own stack space: messages are built in the cold
// methods below them.
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

    /// Terms joined by `|`, `&` and `+`, grouped by precedence in a loop rather than one
    /// call per precedence level.
    fn expr(&mut self, depth: usize, noun: &'static str) -> Result<Expr, PolicyError> {
        let mut terms = vec![self.atom(depth, noun)?];
        let mut links = Vec::new();
        while let Some((op, token)) = self.peek().and_then(|t| Some((Op::of(t.kind)?, t))) {
            self.pos += 1;
            if let Some(next) = self.peek().filter(|t| t.kind == token.kind) {
                return Err(self.doubled(op, token.span.to(next.span)));
            }
            if self.peek().is_none() {
                return Err(self.dangling(op, token.span, noun));
            }
            links.push(op);
            terms.push(self.atom(depth, noun)?);
        }
        fold(terms, links).ok_or_else(|| self.expected(noun))
    }

    /// A call, a name, a number, or a parenthesised expression.
    fn atom(&mut self, depth: usize, noun: &'static str) -> Result<Expr, PolicyError> {
        match self.peek() {
            Some(t) if t.kind == Kind::Open => self.group(depth, noun),
            Some(t) if t.kind == Kind::Name => self.call(depth),
            Some(_) => self.number(noun),
            None => Err(self.expected(noun)),
        }
    }

    /// `( expr )`.
    fn group(&mut self, depth: usize, noun: &'static str) -> Result<Expr, PolicyError> {
        let open = self.open(depth)?;
        let inner = self.expr(depth + 1, noun)?;
        match self.peek() {
            Some(t) if t.kind == Kind::Close => {
                self.pos += 1;
                Ok(inner)
            }
            None => Err(self.unclosed(open)),
            Some(t) => Err(self.unexpected(t, "`)`")),
        }
    }

    /// `name` or `name(args…)`.
    fn call(&mut self, depth: usize) -> Result<Expr, PolicyError> {
        let name = self.tokens.get(self.pos).map_or(Span::new(0, 0), |t| t.span);
        self.pos += 1;
        let Some(open) = self.peek().filter(|t| t.kind == Kind::Open) else {
            return Ok(Expr::Call { name, args: None, span: name });
        };
        self.open(depth)?;
        let (args, close) = self.arguments(depth + 1, open.span)?;
        Ok(Expr::Call { name, args: Some(args), span: name.to(close) })
    }

    /// A number, or `-` and a number; anything else is not a term.
    #[inline(never)]
    fn number(&mut self, noun: &'static str) -> Result<Expr, PolicyError> {
        let Some(token) = self.peek() else {
            return Err(self.expected(noun));
        };
        match token.kind {
            Kind::Number { unit } => {
                self.pos += 1;
                Ok(Expr::Number { span: token.span, unit, negative: false })
            }
            Kind::Minus => {
                self.pos += 1;
                match self.peek() {
                    Some(Token { kind: Kind::Number { unit }, span }) => {
                        self.pos += 1;
                        Ok(Expr::Number { span: token.span.to(span), unit, negative: true })
                    }
                    _ => Err(self.expected("a number after `-`")),
                }
            }
            _ => Err(self.unexpected(token, noun)),
        }
    }

    /// Steps over a `(` one level deeper than `depth`, unless that is too deep.
    fn open(&mut self, depth: usize) -> Result<Span, PolicyError> {
        let span = self.tokens.get(self.pos).map_or(Span::new(0, 0), |t| t.span);
        if depth >= MAX_DEPTH {
            return Err(self.too_deep(span));
        }
        self.pos += 1;
        Ok(span)
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
            args.push(self.expr(depth, "an argument")?);
            match self.peek() {
                Some(t) if t.kind == Kind::Comma => self.pos += 1,
                Some(t) if t.kind == Kind::Close => {}
                None => return Err(self.unclosed(open)),
                Some(t) => return Err(self.unexpected(t, "`,` or `)`")),
            }
        }
    }

    /// "`x` at column N", or "the end" past the last token.
    #[cold]
    #[inline(never)]
    fn found(&self) -> String {
        match self.peek() {
            Some(t) => format!("`{}` at column {}", snippet(self.text(t.span)), self.column(t.span)),
            None => "the end".to_owned(),
        }
    }

    #[cold]
    #[inline(never)]
    fn expected(&self, what: &str) -> PolicyError {
        error(format!("expected {what}, found {}", self.found()))
    }

    /// A token where `expected` should have been; a unit set apart from its number gets
    /// a hint, since that is the likeliest reason.
    #[cold]
    #[inline(never)]
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
        self.expected(expected)
    }

    #[cold]
    #[inline(never)]
    fn doubled(&self, op: Op, both: Span) -> PolicyError {
        let symbol = op.symbol();
        error(format!("write `{symbol}`, not `{symbol}{symbol}` (column {})", self.column(both)))
    }

    #[cold]
    #[inline(never)]
    fn dangling(&self, op: Op, at: Span, noun: &str) -> PolicyError {
        error(format!("expected {noun} after `{}` at column {}, found the end", op.symbol(), self.column(at)))
    }

    #[cold]
    #[inline(never)]
    fn too_deep(&self, at: Span) -> PolicyError {
        error(format!("parentheses nest deeper than {MAX_DEPTH} levels at column {}", self.column(at)))
    }

    #[cold]
    #[inline(never)]
    fn unclosed(&self, open: Span) -> PolicyError {
        error(format!("unclosed `(` at column {}; expected `)`", self.column(open)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree as s-expressions, to compare shapes at a glance.
    fn show(src: &str, expr: &Expr) -> String {
        let text = |s: Span| &src[s.start..s.end];
        match expr {
            Expr::Call { name, args: None, .. } => text(*name).to_owned(),
            Expr::Call { name, args: Some(args), .. } => {
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
        assert_eq!(tree(" chain ( fixed(1s) , x + y , ) "), "chain(fixed(1s) [+ x y])");
        assert_eq!(tree("f()"), "f()");
        assert_eq!(tree("f(-1)"), "f(-1)");
    }

    #[test]
    fn nesting_at_the_limit_parses_and_one_more_does_not() {
        let ok = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(tree(&ok), "a");
        let deep = format!("{}a{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        assert!(parse(&deep, &STOP).is_err());
    }

    #[test]
    fn snippet_cuts_long_text_on_a_character_boundary() {
        assert_eq!(snippet("short"), "short");
        let long = "µ".repeat(50);
        assert_eq!(snippet(&long), format!("{}…", "µ".repeat(40)));
    }
}
