//! Terms: what either front end reads, before any meaning is given to it.

/// A binary operator.
///
/// ```
/// assert_eq!(retry_grammar::Op::And.symbol(), "&");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `|`: either stops.
    Or,
    /// `&`: both stop.
    And,
    /// `+`: the delays added.
    Add,
}

impl Op {
    /// The operator as written.
    ///
    /// ```
    /// assert_eq!(retry_grammar::Op::Add.symbol(), "+");
    /// ```
    pub const fn symbol(self) -> &'static str {
        match self {
            Self::Or => "|",
            Self::And => "&",
            Self::Add => "+",
        }
    }
}

/// One term, with the span type of its front end (`ByteRange` for text, the macro's own
/// for tokens).
///
/// ```
/// use retry_grammar::{Node, Term};
/// let five = Term::number("5", "", false, ());
/// let term = Term::call("attempts", (), Some(vec![five]), "attempts(5)", ());
/// assert!(matches!(term.node, Node::Call { ref name, .. } if name == "attempts"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Term<S> {
    /// What it is.
    pub node: Node<S>,
    /// The term as written, cut short for messages.
    pub text: String,
    /// Where it is.
    pub span: S,
}

/// The kinds of [`Term`].
#[derive(Debug, Clone, PartialEq)]
pub enum Node<S> {
    /// `name` (`args` is `None`) or `name(args…)`.
    Call {
        /// The name.
        name: String,
        /// Where the name is.
        name_span: S,
        /// The arguments, if parenthesised.
        args: Option<Vec<Term<S>>>,
    },
    /// A number and its unit suffix, after a `-` if `negative`.
    Number {
        /// The digits as written, with any fraction and exponent.
        number: String,
        /// The unit (`""` for none).
        unit: String,
        /// After a `-`.
        negative: bool,
    },
    /// Two or more terms joined by the same operator, left to right.
    Op {
        /// The operator.
        op: Op,
        /// The operands.
        terms: Vec<Term<S>>,
    },
    /// A literal that is no number (`"5s"`, `true`): only the macro reads these.
    Literal,
    /// A Rust expression the macro cannot read as a literal (`TIMEOUT`,
    /// `Duration::from_millis(250)`), to be evaluated by the compiler.
    Opaque,
}

impl<S> Term<S> {
    /// A call or bare name.
    ///
    /// ```
    /// let never = retry_grammar::Term::call("never", 0..5, None, "never", 0..5);
    /// assert_eq!(never.text, "never");
    /// ```
    pub fn call(name: &str, name_span: S, args: Option<Vec<Self>>, text: &str, span: S) -> Self {
        Self { node: Node::Call { name: name.to_owned(), name_span, args }, text: crate::snippet(text), span }
    }

    /// A number with its unit.
    ///
    /// ```
    /// let t = retry_grammar::Term::number("250", "ms", false, ());
    /// assert_eq!(t.text, "250ms");
    /// ```
    pub fn number(number: &str, unit: &str, negative: bool, span: S) -> Self {
        let sign = if negative { "-" } else { "" };
        Self::number_written(number, unit, negative, &format!("{sign}{number}{unit}"), span)
    }

    /// A number with its unit, and the text it was written as (`- 3ms`).
    ///
    /// ```
    /// let t = retry_grammar::Term::number_written("3", "ms", true, "- 3ms", ());
    /// assert_eq!(t.text, "- 3ms");
    /// ```
    pub fn number_written(number: &str, unit: &str, negative: bool, text: &str, span: S) -> Self {
        Self {
            node: Node::Number { number: number.to_owned(), unit: unit.to_owned(), negative },
            text: crate::snippet(text),
            span,
        }
    }

    /// Terms joined by `op`.
    ///
    /// ```
    /// use retry_grammar::{Op, Term};
    /// let t = Term::op(Op::Or, vec![Term::call("never", (), None, "never", ())], "never", ());
    /// assert_eq!(t.text, "never");
    /// ```
    pub fn op(op: Op, terms: Vec<Self>, text: &str, span: S) -> Self {
        Self { node: Node::Op { op, terms }, text: crate::snippet(text), span }
    }

    /// A literal that is no number, or an opaque expression.
    ///
    /// ```
    /// use retry_grammar::{Node, Term};
    /// assert_eq!(Term::other(Node::Opaque, "TIMEOUT", ()).node, Node::<()>::Opaque);
    /// ```
    pub fn other(node: Node<S>, text: &str, span: S) -> Self {
        Self { node, text: crate::snippet(text), span }
    }
}
