//! Tokens of the policy words: names, numbers with their unit, and punctuation.
//!
//! Numbers lex as Rust literals do, so `1h30m` is one number with the unit `h30m` (and an
//! error naming it) rather than two numbers the reader did not mean.

use core::iter::Peekable;
use core::str::CharIndices;

/// Where a token lies in the text, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Span {
    pub(crate) const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// From the start of `self` to the end of `other`.
    pub(crate) const fn to(self, other: Self) -> Self {
        Self::new(self.start, other.end)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `attempts`, `exp_jitter`, `warn`.
    Name,
    /// `5`, `0.5`, `250ms`, `1_000us`: digits, an optional fraction, an optional unit;
    /// the unit starts at `unit`.
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
    /// Any other character.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: Kind,
    pub(crate) span: Span,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Consumes characters while `pred` holds, moving `end` past them.
fn eat_while(chars: &mut Peekable<CharIndices<'_>>, end: &mut usize, pred: impl Fn(char) -> bool) {
    while let Some(&(i, c)) = chars.peek() {
        if !pred(c) {
            break;
        }
        *end = i + c.len_utf8();
        chars.next();
    }
}

/// Splits `src` into tokens, skipping whitespace; never fails (a stray character becomes
/// [`Kind::Other`] for the parser to report where it stands).
pub(crate) fn tokens(src: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = src.char_indices().peekable();
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
                eat_while(&mut chars, &mut end, |c| c.is_ascii_digit() || c == '_');
                // A fraction only when a digit follows the point, as in Rust: `1.5s`.
                if src[end..].starts_with('.') && src[end + 1..].starts_with(|c: char| c.is_ascii_digit()) {
                    chars.next();
                    end += 1;
                    eat_while(&mut chars, &mut end, |c| c.is_ascii_digit() || c == '_');
                }
                let unit = end;
                eat_while(&mut chars, &mut end, is_word);
                Kind::Number { unit }
            }
            c if is_word(c) => {
                eat_while(&mut chars, &mut end, is_word);
                Kind::Name
            }
            _ => Kind::Other,
        };
        out.push(Token { kind, span: Span::new(start, end) });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, &str)> {
        tokens(src).into_iter().map(|t| (t.kind, &src[t.span.start..t.span.end])).collect()
    }

    #[test]
    fn numbers_keep_their_unit_and_fraction() {
        assert_eq!(
            kinds("1.5s 250ms 7 1_000us"),
            [
                (Kind::Number { unit: 3 }, "1.5s"),
                (Kind::Number { unit: 8 }, "250ms"),
                (Kind::Number { unit: 12 }, "7"),
                (Kind::Number { unit: 18 }, "1_000us"),
            ]
        );
    }

    #[test]
    fn a_point_without_a_digit_after_it_is_not_a_fraction() {
        assert_eq!(kinds("1.s"), [(Kind::Number { unit: 1 }, "1"), (Kind::Other, "."), (Kind::Name, "s")]);
    }

    #[test]
    fn micro_sign_is_part_of_a_unit() {
        assert_eq!(kinds("5µs"), [(Kind::Number { unit: 1 }, "5µs")]);
    }

    #[test]
    fn punctuation_and_names() {
        assert_eq!(
            kinds("a(b)|c&d+-e=,$"),
            [
                (Kind::Name, "a"),
                (Kind::Open, "("),
                (Kind::Name, "b"),
                (Kind::Close, ")"),
                (Kind::Pipe, "|"),
                (Kind::Name, "c"),
                (Kind::Amp, "&"),
                (Kind::Name, "d"),
                (Kind::Plus, "+"),
                (Kind::Minus, "-"),
                (Kind::Name, "e"),
                (Kind::Eq, "="),
                (Kind::Comma, ","),
                (Kind::Other, "$"),
            ]
        );
    }
}
