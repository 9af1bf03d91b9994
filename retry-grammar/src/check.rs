//! The checker: a term to what it means, with every mistake in it.

use crate::duration::read_duration;
use crate::problem::{Argument, Diagnostic, Problem, Table};
use crate::spec::{Base, Count, Delay, Fraction, StopSpec, WaitSpec};
use crate::table::{
    CHAIN_MAX, Family, HEDGE, HEDGE_AFTER, HEDGES_MAX, Role, STOPS, StopKind, Strategy, WAITS, WaitKind,
};
use crate::term::{Node, Op, Term};

/// Which front end a term came from: the only thing the checker treats differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Front {
    /// Rust tokens: a name or call where a value belongs is a Rust expression (a `const`,
    /// `Duration::from_millis(250)`), evaluated by the compiler.
    Rust,
    /// Configuration text: every value must be a literal.
    Text,
}

/// Everything wrong with a term, in the order written.
pub type Diagnostics<S> = Vec<Diagnostic<S>>;

/// Checks `term` as a stop condition.
///
/// ```
/// use retry_grammar::{check_stop, parse_text, Front, StopSpec, TextKind};
/// let term = parse_text("attempts(0) | elapsed(0)", TextKind::Stop).unwrap();
/// let errors = check_stop(&term, Front::Text).unwrap_err();
/// assert_eq!(errors.len(), 2);
/// let term = parse_text("attempts(3)", TextKind::Stop).unwrap();
/// assert!(matches!(check_stop(&term, Front::Text), Ok(StopSpec::Attempts { .. })));
/// ```
///
/// # Errors
/// Every [`Diagnostic`] found.
pub fn check_stop<S: Clone>(term: &Term<S>, front: Front) -> Result<StopSpec<S>, Diagnostics<S>> {
    let mut checker = Checker { front, found: Vec::new() };
    let spec = checker.stop(term);
    checker.finish(spec)
}

/// Checks `term` as a wait strategy.
///
/// ```
/// use retry_grammar::{check_wait, parse_text, Front, TextKind};
/// let term = parse_text("exponential(10s, 5s)", TextKind::Wait).unwrap();
/// let errors = check_wait(&term, Front::Text).unwrap_err();
/// assert_eq!(
///     errors[0].to_string(),
///     "`exponential`: the initial delay `10s` is larger than the maximum `5s`; swap them or raise the maximum"
/// );
/// ```
///
/// # Errors
/// Every [`Diagnostic`] found.
pub fn check_wait<S: Clone>(term: &Term<S>, front: Front) -> Result<WaitSpec<S>, Diagnostics<S>> {
    let mut checker = Checker { front, found: Vec::new() };
    let spec = checker.wait(term);
    checker.finish(spec)
}

/// Checks `term` as a duration on its own; with `positive_for`, zero is refused in that
/// key's name.
///
/// ```
/// use retry_grammar::{check_duration, parse_text, Delay, Front, TextKind};
/// use std::time::Duration;
/// let term = parse_text("1.5s", TextKind::Duration).unwrap();
/// assert_eq!(check_duration(&term, Front::Text, None), Ok(Delay::Known(Duration::from_millis(1_500))));
/// ```
///
/// # Errors
/// Every [`Diagnostic`] found.
pub fn check_duration<S: Clone>(
    term: &Term<S>,
    front: Front,
    positive_for: Option<&'static str>,
) -> Result<Delay<S>, Diagnostics<S>> {
    let mut checker = Checker { front, found: Vec::new() };
    let delay = checker.delay(term, None, positive_for);
    checker.finish(delay)
}

/// Checks `term` as `hedge`'s value, `after(D)` with D above zero.
///
/// ```
/// use retry_grammar::{check_hedge, parse_text, Delay, Front, TextKind};
/// use std::time::Duration;
/// let term = parse_text("after(200ms)", TextKind::Hedge).unwrap();
/// assert_eq!(check_hedge(&term, Front::Text), Ok(Delay::Known(Duration::from_millis(200))));
/// let term = parse_text("after(0s)", TextKind::Hedge).unwrap();
/// assert_eq!(check_hedge(&term, Front::Text).unwrap_err()[0].to_string(), "`hedge` needs a positive duration, found zero");
/// ```
///
/// # Errors
/// Every [`Diagnostic`] found.
pub fn check_hedge<S: Clone>(term: &Term<S>, front: Front) -> Result<Delay<S>, Diagnostics<S>> {
    let mut checker = Checker { front, found: Vec::new() };
    let delay = match &term.node {
        Node::Call { name, args: Some(args), .. } if name == HEDGE_AFTER && args.len() == 1 => {
            let what = Argument { role: Role::D, strategy: HEDGE_AFTER };
            checker.delay(&args[0], Some(what), Some(HEDGE.name))
        }
        _ => checker.report(Problem::NotAHedge { found: term.text.clone() }, &term.span),
    };
    checker.finish(delay)
}

/// Checks `term` as `hedges`' value: a whole number from 1 to [`HEDGES_MAX`].
///
/// ```
/// use retry_grammar::{check_hedges, parse_text, Count, Front, TextKind};
/// let term = parse_text("2", TextKind::Count).unwrap();
/// assert_eq!(check_hedges(&term, Front::Text), Ok(Count::Known(2)));
/// let term = parse_text("0", TextKind::Count).unwrap();
/// assert!(check_hedges(&term, Front::Text).unwrap_err()[0].to_string().starts_with("`hedges = 0` starts no hedge"));
/// ```
///
/// # Errors
/// Every [`Diagnostic`] found.
pub fn check_hedges<S: Clone>(term: &Term<S>, front: Front) -> Result<Count<S>, Diagnostics<S>> {
    let mut checker = Checker { front, found: Vec::new() };
    let count = match &term.node {
        Node::Number { number, unit, negative: false } if unit.is_empty() && !number.contains(['.', 'e', 'E']) => {
            match number.replace('_', "").parse::<u32>() {
                Ok(0) => checker.report(Problem::ZeroHedges, &term.span),
                Ok(n) if n <= HEDGES_MAX => Some(Count::Known(n)),
                Ok(_) => checker.report(Problem::TooManyHedges { found: term.text.clone() }, &term.span),
                Err(_) if number.bytes().all(|b| b.is_ascii_digit() || b == b'_') => {
                    checker.report(Problem::TooManyHedges { found: term.text.clone() }, &term.span)
                }
                Err(_) => checker.report(Problem::NotAHedgeCount { found: term.text.clone() }, &term.span),
            }
        }
        Node::Call { .. } | Node::Opaque if front == Front::Rust => Some(Count::Later(term.span.clone())),
        _ => checker.report(Problem::NotAHedgeCount { found: term.text.clone() }, &term.span),
    };
    checker.finish(count)
}

struct Checker<S> {
    front: Front,
    found: Vec<Diagnostic<S>>,
}

/// A strategy's arguments, checked one by one.
struct Args<'t, S> {
    strategy: &'static Strategy,
    terms: &'t [Term<S>],
}

impl<S: Clone> Checker<S> {
    fn finish<T>(self, value: Option<T>) -> Result<T, Diagnostics<S>> {
        match value {
            Some(value) if self.found.is_empty() => Ok(value),
            _ => Err(self.found),
        }
    }

    fn report<T>(&mut self, problem: Problem, span: &S) -> Option<T> {
        self.found.push(Diagnostic { problem, span: span.clone() });
        None
    }

    fn stop(&mut self, term: &Term<S>) -> Option<StopSpec<S>> {
        match &term.node {
            Node::Op { op: op @ (Op::Or | Op::And), terms } => {
                let parts: Vec<Option<StopSpec<S>>> = terms.iter().map(|t| self.stop(t)).collect();
                let parts: Vec<StopSpec<S>> = parts.into_iter().collect::<Option<_>>()?;
                Some(if *op == Op::Or { StopSpec::Either(parts) } else { StopSpec::Both(parts) })
            }
            Node::Op { op, .. } => self.report(Problem::MisplacedOp { op: *op }, &term.span),
            Node::Call { name, name_span, args } => {
                let strategy = self.lookup(Table::Stop, name, name_span)?;
                let Family::Stop(kind) = strategy.family else { return None };
                let args = self.arity(strategy, args.as_deref(), name_span)?;
                let at = name_span.clone();
                match kind {
                    StopKind::Never => Some(StopSpec::Never { at }),
                    StopKind::Attempts => Some(StopSpec::Attempts { count: self.count(&args.terms[0])?, at }),
                    StopKind::Elapsed => Some(StopSpec::Elapsed { limit: self.arg(&args, 0)?, at }),
                    StopKind::Deadline => Some(StopSpec::Deadline { limit: self.arg(&args, 0)?, at }),
                }
            }
            Node::Number { .. } | Node::Literal | Node::Opaque => {
                self.report(Problem::NotAStop { found: term.text.clone() }, &term.span)
            }
        }
    }

    fn wait(&mut self, term: &Term<S>) -> Option<WaitSpec<S>> {
        match &term.node {
            Node::Op { op: Op::Add, terms } => {
                let parts: Vec<Option<WaitSpec<S>>> = terms.iter().map(|t| self.wait(t)).collect();
                Some(WaitSpec::Sum(parts.into_iter().collect::<Option<_>>()?))
            }
            Node::Op { op, .. } => self.report(Problem::MisplacedOp { op: *op }, &term.span),
            Node::Call { name, name_span, args } => {
                let strategy = self.lookup(Table::Wait, name, name_span)?;
                let Family::Wait(kind) = strategy.family else { return None };
                let args = self.arity(strategy, args.as_deref(), name_span)?;
                let at = name_span.clone();
                if kind == WaitKind::Chain {
                    return self.chain(args.terms, &term.span, at);
                }
                self.wait_leaf(kind, &args, at)
            }
            Node::Number { .. } => {
                self.report(Problem::NotAWait { found: term.text.clone(), number: true }, &term.span)
            }
            Node::Literal | Node::Opaque => {
                self.report(Problem::NotAWait { found: term.text.clone(), number: false }, &term.span)
            }
        }
    }

    fn chain(&mut self, terms: &[Term<S>], span: &S, at: S) -> Option<WaitSpec<S>> {
        if terms.is_empty() {
            return self.report(Problem::EmptyChain, span);
        }
        // The attribute builds a tuple, which has a limit; text builds a `Vec`, which has none.
        if self.front == Front::Rust && terms.len() > CHAIN_MAX {
            return self.report(Problem::ChainTooLong { found: terms.len() }, span);
        }
        let waits: Vec<Option<WaitSpec<S>>> = terms.iter().map(|t| self.wait(t)).collect();
        Some(WaitSpec::Chain { waits: waits.into_iter().collect::<Option<_>>()?, at })
    }

    /// Every wait strategy but `chain`; each argument is checked even when another is wrong.
    fn wait_leaf(&mut self, kind: WaitKind, args: &Args<'_, S>, at: S) -> Option<WaitSpec<S>> {
        // Every argument is a duration but a fraction, which is a plain number (and last).
        let params = args.strategy.params;
        let durations = params.iter().take_while(|role| **role != Role::Fraction).count();
        let values: Vec<Option<Delay<S>>> = (0..durations).map(|i| self.arg(args, i)).collect();
        let fraction = args.terms.get(durations).filter(|_| durations < params.len()).map(|t| self.fraction(t));
        // In the order `build` checks: positive, ordered, then the base.
        self.order(args, &values);
        let base = match args.terms.get(args.strategy.params.len()) {
            Some(term) => Some(self.base(term)),
            None => None,
        };
        let mut values = values.into_iter().collect::<Option<Vec<_>>>()?.into_iter();
        let mut next = || values.next();
        Some(match kind {
            WaitKind::None => WaitSpec::None { at },
            WaitKind::Fixed => WaitSpec::Fixed { delay: next()?, at },
            WaitKind::Random => WaitSpec::Random { min: next()?, max: next()?, at },
            WaitKind::Exponential => {
                let base = match base {
                    Some(base) => Some(base?),
                    None => None,
                };
                WaitSpec::Exponential { initial: next()?, max: next()?, base, at }
            }
            WaitKind::ExpJitter => WaitSpec::ExpJitter { initial: next()?, max: next()?, jitter: next()?, at },
            WaitKind::FullJitter | WaitKind::EqualJitter | WaitKind::DecorrelatedJitter => {
                WaitSpec::Jitter { kind, base: next()?, cap: next()?, at }
            }
            WaitKind::Incrementing => WaitSpec::Incrementing { start: next()?, step: next()?, max: next()?, at },
            WaitKind::Decrementing => WaitSpec::Decrementing { start: next()?, step: next()?, floor: next()?, at },
            WaitKind::ScaledJitter => {
                WaitSpec::ScaledJitter { initial: next()?, max: next()?, fraction: fraction??, at }
            }
            WaitKind::Chain => return None,
        })
    }

    /// The entry `name` names in `table`, or a report of why not.
    fn lookup(&mut self, table: Table, name: &str, span: &S) -> Option<&'static Strategy> {
        let (mine, theirs) = match table {
            Table::Stop => (STOPS, WAITS),
            Table::Wait => (WAITS, STOPS),
        };
        if let Some(found) = mine.iter().find(|s| s.name == name) {
            return Some(found);
        }
        let problem = match theirs.iter().find(|s| s.name == name) {
            Some(other) => Problem::WrongTable { table, name: other.name },
            None => Problem::UnknownName { table, name: name.to_owned() },
        };
        self.report(problem, span)
    }

    fn arity<'t>(&mut self, strategy: &'static Strategy, args: Option<&'t [Term<S>]>, span: &S) -> Option<Args<'t, S>> {
        let wanted = strategy.params.len();
        let fits = |n: usize| {
            if strategy.params == [Role::Strategies] {
                true
            } else {
                n == wanted || (strategy.optional.is_some() && n == wanted + 1)
            }
        };
        match args {
            None if wanted == 0 => Some(Args { strategy, terms: &[] }),
            Some(_) if wanted == 0 => self.report(Problem::TakesNoArguments { strategy }, span),
            Some(terms) if fits(terms.len()) => Some(Args { strategy, terms }),
            found => self.report(Problem::WrongArity { strategy, found: found.map(<[_]>::len) }, span),
        }
    }

    /// The `i`-th argument, a duration.
    fn arg(&mut self, args: &Args<'_, S>, i: usize) -> Option<Delay<S>> {
        let strategy = args.strategy;
        let what = Argument { role: strategy.params[i], strategy: strategy.name };
        let positive = (i == 0 && strategy.positive_first).then_some(strategy.name);
        self.delay(&args.terms[i], Some(what), positive)
    }

    /// Reports a known pair out of order.
    fn order(&mut self, args: &Args<'_, S>, values: &[Option<Delay<S>>]) {
        let Some((lo, hi)) = args.strategy.ordered else { return };
        let known = |i: usize| values.get(i).and_then(|v| v.as_ref()).and_then(Delay::known);
        if let (Some(low), Some(high)) = (known(lo), known(hi))
            && low > high
        {
            let span = args.terms[lo].span.clone();
            self.report::<()>(Problem::Misordered { strategy: args.strategy.name, low, high }, &span);
        }
    }

    fn delay(
        &mut self,
        term: &Term<S>,
        what: Option<Argument>,
        positive_for: Option<&'static str>,
    ) -> Option<Delay<S>> {
        match &term.node {
            Node::Number { negative: true, .. } => {
                self.report(Problem::Negative { what, found: term.text.clone() }, &term.span)
            }
            Node::Number { number, unit, .. } => match read_duration(number, unit) {
                Ok(d) if d.is_zero() && positive_for.is_some() => {
                    let what = positive_for.unwrap_or_default();
                    self.report(Problem::ZeroDuration { what }, &term.span)
                }
                Ok(d) => Some(Delay::Known(d)),
                Err(Problem::NotADuration { .. }) => {
                    self.report(Problem::NotADuration { what, found: term.text.clone() }, &term.span)
                }
                Err(problem) => self.report(problem, &term.span),
            },
            Node::Call { .. } | Node::Opaque if self.front == Front::Rust => {
                Some(Delay::Later { at: term.span.clone(), positive_for })
            }
            Node::Call { .. } | Node::Opaque | Node::Literal | Node::Op { .. } => {
                self.report(Problem::NotADuration { what, found: term.text.clone() }, &term.span)
            }
        }
    }

    fn count(&mut self, term: &Term<S>) -> Option<Count<S>> {
        match &term.node {
            Node::Number { number, unit, negative: false } if unit.is_empty() && !number.contains(['.', 'e', 'E']) => {
                match number.replace('_', "").parse::<u32>() {
                    Ok(0) => self.report(Problem::ZeroAttempts, &term.span),
                    Ok(n) => Some(Count::Known(n)),
                    Err(_) if number.bytes().all(|b| b.is_ascii_digit() || b == b'_') => {
                        self.report(Problem::CountTooLarge { found: term.text.clone() }, &term.span)
                    }
                    Err(_) => self.report(Problem::NotACount { found: term.text.clone() }, &term.span),
                }
            }
            Node::Call { .. } | Node::Opaque if self.front == Front::Rust => Some(Count::Later(term.span.clone())),
            _ => self.report(Problem::NotACount { found: term.text.clone() }, &term.span),
        }
    }

    fn fraction(&mut self, term: &Term<S>) -> Option<Fraction<S>> {
        match &term.node {
            Node::Number { number, unit, negative } if unit.is_empty() => {
                let Ok(fraction) = number.replace('_', "").parse::<f64>() else {
                    return self.report(Problem::NotAFraction { found: term.text.clone() }, &term.span);
                };
                let fraction = if *negative { -fraction } else { fraction };
                if (0.0..=1.0).contains(&fraction) {
                    Some(Fraction::Known(fraction))
                } else {
                    self.report(Problem::FractionOutOfRange { fraction }, &term.span)
                }
            }
            Node::Call { .. } | Node::Opaque if self.front == Front::Rust => Some(Fraction::Later(term.span.clone())),
            _ => self.report(Problem::NotAFraction { found: term.text.clone() }, &term.span),
        }
    }

    fn base(&mut self, term: &Term<S>) -> Option<Base<S>> {
        match &term.node {
            Node::Number { number, unit, negative } if unit.is_empty() => {
                let Ok(base) = number.replace('_', "").parse::<f64>() else {
                    return self.report(Problem::NotABase { found: term.text.clone() }, &term.span);
                };
                let base = if *negative { -base } else { base };
                if base.is_finite() && base >= 1.0 {
                    Some(Base::Known(base))
                } else {
                    self.report(Problem::BaseBelowOne { base }, &term.span)
                }
            }
            Node::Call { .. } | Node::Opaque if self.front == Front::Rust => Some(Base::Later(term.span.clone())),
            _ => self.report(Problem::NotABase { found: term.text.clone() }, &term.span),
        }
    }
}
