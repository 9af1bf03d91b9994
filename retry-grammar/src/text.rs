//! The text front end: configuration text to [`Term`]s whose spans are byte ranges.
//!
//! Numbers lex as Rust literals do, so `1h30m` is one number with the unit `h30m` (and an
//! error naming it) rather than two numbers the reader did not mean. Parentheses nest at
//! most [`MAX_DEPTH`] deep and text longer than [`MAX_LEN`] is refused before it is read, so
//! that no input costs more than a bounded stack, time and memory.

use core::fmt;
use core::ops::Range;

use crate::suggest::snippet;
use crate::term::{Op, Term};

/// Where a term lies in the text, in bytes.
pub type ByteRange = Range<usize>;

/// The longest text, in bytes, that is read.
pub const MAX_LEN: usize = 1 << 20;

/// The deepest nesting of parentheses (groups and argument lists) accepted.
pub const MAX_DEPTH: usize = 64;

/// The most tokens (names, numbers, signs and parentheses) one text may hold: a policy
/// needs a few dozen. It bounds what the tokens and the tree cost, whatever the shape:
/// `a|a|…` to the length limit once cost 111 bytes a byte.
pub const MAX_TOKENS: usize = 10_000;

/// Text that does not parse: the message says where, by column.
///
/// ```
/// use retry_grammar::{parse_text, TextKind};
/// let err = parse_text("attempts(5", TextKind::Stop).unwrap_err();
/// assert_eq!(err.to_string(), "unclosed `(` at column 9; expected `)`");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What was wrong, and where.
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SyntaxError {}

fn error(message: String) -> SyntaxError {
    SyntaxError { message }
}

/// What the whole text is meant to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A stop condition.
    Stop,
    /// A wait strategy.
    Wait,
    /// A duration.
    Duration,
    /// When a hedge starts: `after(D)`.
    Hedge,
    /// A whole number.
    Count,
}

impl TextKind {
    /// "a stop condition", for messages.
    ///
    /// ```
    /// assert_eq!(retry_grammar::TextKind::Wait.noun(), "a wait strategy");
    /// ```
    pub const fn noun(self) -> &'static str {
        match self {
            Self::Stop => "a stop condition",
            Self::Wait => "a wait strategy",
            Self::Duration => "a duration",
            Self::Hedge => "a hedge",
            Self::Count => "a whole number",
        }
    }

    const fn example(self) -> &'static str {
        match self {
            Self::Stop => "`attempts(5) | elapsed(30s)`",
            Self::Wait => "`exp_jitter(1s, 60s, 5s)`",
            Self::Duration => "`250ms`, `1.5s` or `2` (seconds)",
            Self::Hedge => "`after(200ms)`",
            Self::Count => "`2`",
        }
    }

    const fn follow(self) -> &'static str {
        match self {
            Self::Stop => "`|`, `&` or the end",
            Self::Wait => "`+` or the end",
            Self::Duration | Self::Hedge | Self::Count => "the end",
        }
    }
}

/// The 1-based column (in characters) of byte `offset` of `src`.
///
/// ```
/// assert_eq!(retry_grammar::column("µs x", 2), 2);
/// ```
pub fn column(src: &str, offset: usize) -> usize {
    src.get(..offset).map_or(0, |before| before.chars().count()) + 1
}

/// Refuses text longer than [`MAX_LEN`] before anything reads it: the tokens take a few
/// dozen bytes for each byte of punctuation, so a 10 MB line would cost most of a gigabyte.
///
/// ```
/// assert!(retry_grammar::check_len("never", "a stop condition").is_ok());
/// ```
///
/// # Errors
/// A [`SyntaxError`] naming `noun` and the length.
pub fn check_len(src: &str, noun: &str) -> Result<(), SyntaxError> {
    if src.len() > MAX_LEN {
        return Err(error(format!("{noun} cannot be longer than {MAX_LEN} bytes, found {}", src.len())));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Name,
    /// Digits, an optional fraction, an optional unit starting at byte `unit`.
    Number {
        unit: usize,
    },
    Open,
    Close,
    Comma,
    Pipe,
    Amp,
    Plus,
    Minus,
    Eq,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn tokens(src: &str) -> Result<Vec<Token>, SyntaxError> {
    let mut out = Vec::new();
    let mut chars = src.char_indices().peekable();
    let eat_while =
        |chars: &mut core::iter::Peekable<core::str::CharIndices<'_>>, end: &mut usize, pred: &dyn Fn(char) -> bool| {
            while let Some(&(i, c)) = chars.peek() {
                if !pred(c) {
                    break;
                }
                *end = i + c.len_utf8();
                chars.next();
            }
        };
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut end = start + c.len_utf8();
        let kind = match c {
            '(' => Kind::Open,
            ')' => Kind::Close,
            ',' => Kind::Comma,
            '|' => Kind::Pipe,
            '&' => Kind::Amp,
            '+' => Kind::Plus,
            '-' => Kind::Minus,
            '=' => Kind::Eq,
            '0'..='9' => {
                eat_while(&mut chars, &mut end, &|c| c.is_ascii_digit() || c == '_');
                // A fraction only when a digit follows the point, as in Rust: `1.5s`.
                if src[end..].starts_with('.') && src[end + 1..].starts_with(|c: char| c.is_ascii_digit()) {
                    chars.next();
                    end += 1;
                    eat_while(&mut chars, &mut end, &|c| c.is_ascii_digit() || c == '_');
                }
                let unit = end;
                eat_while(&mut chars, &mut end, &is_word);
                Kind::Number { unit }
            }
            c if is_word(c) => {
                eat_while(&mut chars, &mut end, &is_word);
                Kind::Name
            }
            _ => Kind::Other,
        };
        if out.len() == MAX_TOKENS {
            return Err(error(format!(
                "the text holds more than {MAX_TOKENS} names, numbers and signs (from column {}); a policy needs a few dozen",
                column(src, start)
            )));
        }
        out.push(Token { kind, start, end });
    }
    Ok(out)
}

/// Parses all of `src` as one term of `kind`.
///
/// `&` binds tighter than `|`, and `+` tighter than both; parentheses group. Whitespace may
/// stand between any two tokens, but not between a number and its unit.
///
/// ```
/// use retry_grammar::{parse_text, Node, Op, TextKind};
/// let term = parse_text("attempts(5) | elapsed(30s)", TextKind::Stop).unwrap();
/// assert!(matches!(term.node, Node::Op { op: Op::Or, ref terms } if terms.len() == 2));
/// assert_eq!(term.span, 0..26);
/// ```
///
/// # Errors
/// A [`SyntaxError`] for the first token out of place, text too long or too deep.
pub fn parse_text(src: &str, kind: TextKind) -> Result<Term<ByteRange>, SyntaxError> {
    check_len(src, kind.noun())?;
    let mut parser = Parser { src, tokens: tokens(src)?, pos: 0 };
    if parser.tokens.is_empty() {
        return Err(error(format!("expected {}, found nothing; write one such as {}", kind.noun(), kind.example())));
    }
    let term = parser.expr(0, kind.noun())?;
    match parser.peek() {
        None => Ok(term),
        Some(token) if token.kind == Kind::Close => {
            Err(error(format!("unmatched `)` at column {}", column(src, token.start))))
        }
        Some(token) => Err(parser.unexpected(token, kind.follow())),
    }
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
}

struct Parser<'s> {
    src: &'s str,
    tokens: Vec<Token>,
    pos: usize,
}

// The recursive methods keep their frames small, since a debug build gives every `format!`
// its own stack space: messages are built in the cold methods below them.
impl Parser<'_> {
    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.pos).copied()
    }

    fn text(&self, range: ByteRange) -> &str {
        self.src.get(range).unwrap_or_default()
    }

    /// Joins each run of terms linked by `tight` into one term, keeping the looser links.
    fn join(&self, terms: Vec<Term<ByteRange>>, links: Vec<Op>, tight: Op) -> (Vec<Term<ByteRange>>, Vec<Op>) {
        let close = |mut run: Vec<Term<ByteRange>>| {
            if run.len() == 1 {
                return run.remove(0);
            }
            let span = run.first().map_or(0, |t| t.span.start)..run.last().map_or(0, |t| t.span.end);
            Term::op(tight, run, self.text(span.clone()), span)
        };
        let mut out = Vec::new();
        let mut loose = Vec::new();
        let mut terms = terms.into_iter();
        let mut run: Vec<Term<ByteRange>> = terms.next().into_iter().collect();
        for (link, term) in links.into_iter().zip(terms) {
            if link != tight {
                out.push(close(core::mem::take(&mut run)));
                loose.push(link);
            }
            run.push(term);
        }
        if !run.is_empty() {
            out.push(close(run));
        }
        (out, loose)
    }

    /// Terms joined by `|`, `&` and `+`, grouped by precedence in a loop rather than one
    /// call per precedence level.
    fn expr(&mut self, depth: usize, noun: &'static str) -> Result<Term<ByteRange>, SyntaxError> {
        let mut terms = vec![self.atom(depth, noun)?];
        let mut links = Vec::new();
        while let Some((op, token)) = self.peek().and_then(|t| Some((Op::of(t.kind)?, t))) {
            self.pos += 1;
            if let Some(next) = self.peek().filter(|t| t.kind == token.kind) {
                let _ = next;
                return Err(self.doubled(op, token.start));
            }
            if self.peek().is_none() {
                return Err(self.dangling(op, token.start, noun));
            }
            links.push(op);
            terms.push(self.atom(depth, noun)?);
        }
        let (terms, links) = self.join(terms, links, Op::Add);
        let (terms, links) = self.join(terms, links, Op::And);
        let (terms, _) = self.join(terms, links, Op::Or);
        terms.into_iter().next().ok_or_else(|| self.expected(noun))
    }

    fn atom(&mut self, depth: usize, noun: &'static str) -> Result<Term<ByteRange>, SyntaxError> {
        match self.peek() {
            Some(t) if t.kind == Kind::Open => self.group(depth, noun),
            Some(t) if t.kind == Kind::Name => self.call(depth),
            Some(_) => self.number(noun),
            None => Err(self.expected(noun)),
        }
    }

    fn group(&mut self, depth: usize, noun: &'static str) -> Result<Term<ByteRange>, SyntaxError> {
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

    fn call(&mut self, depth: usize) -> Result<Term<ByteRange>, SyntaxError> {
        let name = self.tokens.get(self.pos).map_or(0..0, |t| t.start..t.end);
        self.pos += 1;
        let name_text = self.text(name.clone()).to_owned();
        let Some(open) = self.peek().filter(|t| t.kind == Kind::Open) else {
            return Ok(Term::call(&name_text, name.clone(), None, &name_text, name));
        };
        self.open(depth)?;
        let (args, close) = self.arguments(depth + 1, open.start)?;
        let span = name.start..close;
        Ok(Term::call(&name_text, name, Some(args), self.text(span.clone()), span))
    }

    #[inline(never)]
    fn number(&mut self, noun: &'static str) -> Result<Term<ByteRange>, SyntaxError> {
        let Some(token) = self.peek() else {
            return Err(self.expected(noun));
        };
        let (negative, number) = match token.kind {
            Kind::Number { .. } => (false, token),
            Kind::Minus => {
                self.pos += 1;
                match self.peek() {
                    Some(number @ Token { kind: Kind::Number { .. }, .. }) => (true, number),
                    _ => return Err(self.expected("a number after `-`")),
                }
            }
            _ => return Err(self.unexpected(token, noun)),
        };
        self.pos += 1;
        let Kind::Number { unit } = number.kind else { return Err(self.expected(noun)) };
        let span = token.start..number.end;
        Ok(Term::number_written(
            self.text(number.start..unit),
            self.text(unit..number.end),
            negative,
            self.text(span.clone()),
            span,
        ))
    }

    fn open(&mut self, depth: usize) -> Result<usize, SyntaxError> {
        let at = self.tokens.get(self.pos).map_or(0, |t| t.start);
        if depth >= MAX_DEPTH {
            return Err(self.too_deep(at));
        }
        self.pos += 1;
        Ok(at)
    }

    /// `a, b, c)` after an opening parenthesis (a trailing comma is allowed); the
    /// arguments and the end of the `)`.
    fn arguments(&mut self, depth: usize, open: usize) -> Result<(Vec<Term<ByteRange>>, usize), SyntaxError> {
        let mut args = Vec::new();
        loop {
            match self.peek() {
                Some(t) if t.kind == Kind::Close => {
                    self.pos += 1;
                    // Most calls take one to three arguments: a `Vec` grown by pushing holds
                    // room for four, which would be most of the memory a long text costs.
                    args.shrink_to_fit();
                    return Ok((args, t.end));
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

    #[cold]
    #[inline(never)]
    fn found(&self) -> String {
        match self.peek() {
            Some(t) => format!("`{}` at column {}", snippet(self.text(t.start..t.end)), column(self.src, t.start)),
            None => "the end".to_owned(),
        }
    }

    #[cold]
    #[inline(never)]
    fn expected(&self, what: &str) -> SyntaxError {
        error(format!("expected {what}, found {}", self.found()))
    }

    /// A token where `expected` should have been; a unit set apart from its number gets
    /// a hint, since that is the likeliest reason.
    #[cold]
    #[inline(never)]
    fn unexpected(&self, token: Token, expected: &str) -> SyntaxError {
        let previous = self.pos.checked_sub(1).and_then(|i| self.tokens.get(i));
        if let (Kind::Name, Some(number)) = (token.kind, previous)
            && matches!(number.kind, Kind::Number { unit } if unit == number.end)
        {
            let number = self.text(number.start..number.end);
            let unit = snippet(self.text(token.start..token.end));
            return error(format!(
                "write the unit right after the number, `{number}{unit}`, not `{number} {unit}` (column {})",
                column(self.src, token.start)
            ));
        }
        self.expected(expected)
    }

    #[cold]
    #[inline(never)]
    fn doubled(&self, op: Op, at: usize) -> SyntaxError {
        let symbol = op.symbol();
        error(format!("write `{symbol}`, not `{symbol}{symbol}` (column {})", column(self.src, at)))
    }

    #[cold]
    #[inline(never)]
    fn dangling(&self, op: Op, at: usize, noun: &str) -> SyntaxError {
        error(format!("expected {noun} after `{}` at column {}, found the end", op.symbol(), column(self.src, at)))
    }

    #[cold]
    #[inline(never)]
    fn too_deep(&self, at: usize) -> SyntaxError {
        error(format!("parentheses nest deeper than {MAX_DEPTH} levels at column {}", column(self.src, at)))
    }

    #[cold]
    #[inline(never)]
    fn unclosed(&self, open: usize) -> SyntaxError {
        error(format!("unclosed `(` at column {}; expected `)`", column(self.src, open)))
    }
}

/// One `key = value` of a configuration line.
///
/// ```
/// let entries = retry_grammar::entries("stop = attempts(5), log = warn").unwrap();
/// assert_eq!((entries[1].key, entries[1].value, entries[1].key_at), ("log", "warn", 20));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'s> {
    /// The key as written.
    pub key: &'s str,
    /// Where it starts, in bytes.
    pub key_at: usize,
    /// The value's text (empty when none was written).
    pub value: &'s str,
}

/// Splits `key = value, key = value` at the commas outside parentheses.
///
/// ```
/// let entries = retry_grammar::entries("wait = chain(fixed(1), none)").unwrap();
/// assert_eq!(entries[0].value, "chain(fixed(1), none)");
/// assert!(retry_grammar::entries("stop attempts(5)").is_err());
/// ```
///
/// # Errors
/// A [`SyntaxError`] where a key or its `=` is missing, or a `,` between entries.
pub fn entries(src: &str) -> Result<Vec<Entry<'_>>, SyntaxError> {
    check_len(src, "a policy line")?;
    let tokens = tokens(src)?;
    let text = |t: &Token| src.get(t.start..t.end).unwrap_or_default();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(key) = tokens.get(i) {
        if key.kind != Kind::Name {
            return Err(error(format!(
                "expected a key such as `stop` at column {}, found `{}`",
                column(src, key.start),
                snippet(text(key))
            )));
        }
        if tokens.get(i + 1).map(|t| t.kind) != Some(Kind::Eq) {
            return Err(error(format!(
                "expected `=` after `{}` (column {}); write `{0} = …`",
                snippet(text(key)),
                column(src, key.start)
            )));
        }
        i += 2;
        let first = i;
        let mut depth = 0_usize;
        while let Some(token) = tokens.get(i) {
            match token.kind {
                Kind::Open => depth += 1,
                Kind::Close => depth = depth.saturating_sub(1),
                Kind::Comma if depth == 0 => break,
                Kind::Name if depth == 0 && i > first && tokens.get(i + 1).map(|t| t.kind) == Some(Kind::Eq) => {
                    return Err(error(format!(
                        "expected `,` before `{} =` (column {})",
                        snippet(text(token)),
                        column(src, token.start)
                    )));
                }
                _ => {}
            }
            i += 1;
        }
        let value = match (tokens.get(first), i.checked_sub(1).and_then(|l| tokens.get(l))) {
            (Some(start), Some(end)) if i > first => src.get(start.start..end.end).unwrap_or_default(),
            _ => "",
        };
        out.push(Entry { key: text(key), key_at: key.start, value });
        i += 1; // the comma
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::term::Node;

    fn show(term: &Term<ByteRange>) -> String {
        match &term.node {
            Node::Call { name, args: None, .. } => name.clone(),
            Node::Call { name, args: Some(args), .. } => {
                format!("{name}({})", args.iter().map(show).collect::<Vec<_>>().join(" "))
            }
            Node::Op { op, terms } => {
                format!("[{} {}]", op.symbol(), terms.iter().map(show).collect::<Vec<_>>().join(" "))
            }
            _ => term.text.clone(),
        }
    }

    fn tree(src: &str) -> String {
        show(&parse_text(src, TextKind::Stop).unwrap())
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
        assert!(parse_text(&deep, TextKind::Stop).is_err());
    }

    #[test]
    fn numbers_keep_their_unit_and_a_point_needs_a_digit() {
        let t = parse_text("1_000us", TextKind::Duration).unwrap();
        assert!(matches!(t.node, Node::Number { ref number, ref unit, .. } if number == "1_000" && unit == "us"));
        assert!(parse_text("1.s", TextKind::Duration).is_err());
        let micro = parse_text("5µs", TextKind::Duration).unwrap();
        assert!(matches!(micro.node, Node::Number { ref unit, .. } if unit == "µs"));
    }
}
