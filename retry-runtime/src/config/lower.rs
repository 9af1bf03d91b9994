//! A checked term to the runtime's own strategies, and the grammar's diagnostics to
//! [`PolicyError`]s.

use core::time::Duration;

use retry_grammar::{
    Base, ByteRange, Count, Delay, Diagnostic, Fraction, Problem, StopSpec, SyntaxError, WaitKind, WaitSpec,
};

use super::{BoxStop, BoxWait};
use crate::PolicyError;
use crate::stop::{Both, Either, attempts, deadline, elapsed, never};
use crate::wait::{
    Sum, chain, decorrelated_jitter, decrementing, equal_jitter, exp_jitter, exponential, fixed, full_jitter,
    incrementing, none, random, scaled_jitter,
};

/// The one mistake configuration reports: the first of form, else the first broken rule,
/// as `build` would have found it after reading.
pub(crate) fn first_error(diagnostics: Vec<Diagnostic<ByteRange>>) -> PolicyError {
    let pick = diagnostics.iter().position(|d| !d.problem.is_value_rule()).unwrap_or(0);
    diagnostics.into_iter().nth(pick).map_or(PolicyError::Parse { message: String::new() }, |d| error(d.problem))
}

/// A rule `build` checks too becomes the variant `build` returns; the rest are parse errors.
pub(crate) fn error(problem: Problem) -> PolicyError {
    match problem {
        Problem::ZeroAttempts => PolicyError::ZeroAttempts,
        Problem::ZeroDuration { what } => PolicyError::ZeroDuration { what },
        Problem::Misordered { strategy, low, high } => {
            PolicyError::InitialExceedsMax { strategy, initial: low, max: high }
        }
        Problem::BaseBelowOne { base } => PolicyError::InvalidBase { base },
        Problem::EmptyChain => PolicyError::EmptyChain,
        Problem::TimeoutExceedsDeadline { timeout, deadline } => {
            PolicyError::TimeoutExceedsDeadline { timeout, deadline }
        }
        Problem::ZeroHedges => PolicyError::InvalidHedges { hedges: 0 },
        Problem::TooManyHedges { found } => PolicyError::InvalidHedges { hedges: found.parse().unwrap_or(u32::MAX) },
        other => PolicyError::Parse { message: other.to_string() },
    }
}

pub(crate) fn syntax(err: SyntaxError) -> PolicyError {
    PolicyError::Parse { message: err.message }
}

/// Text never holds an expression to evaluate later, so every value is known.
fn known(d: &Delay<ByteRange>) -> Duration {
    d.known().unwrap_or_default()
}

/// Joins `items` pairwise into a balanced tree, so that a chain of n terms nests only
/// log₂ n deep (`|`, `&` and `+` are associative and the order is kept, so this is the
/// strategy code would write).
fn balanced<T>(mut items: Vec<T>, join: &dyn Fn(T, T) -> T) -> Option<T> {
    if items.len() <= 1 {
        return items.pop();
    }
    let right = items.split_off(items.len() / 2);
    Some(join(balanced(items, join)?, balanced(right, join)?))
}

pub(crate) fn stop(spec: StopSpec<ByteRange>) -> BoxStop {
    match spec {
        StopSpec::Attempts { count: Count::Known(n), .. } => Box::new(attempts(n)),
        StopSpec::Attempts { count: Count::Later(_), .. } => Box::new(attempts(0)),
        StopSpec::Elapsed { limit, .. } => Box::new(elapsed(known(&limit))),
        StopSpec::Deadline { limit, .. } => Box::new(deadline(known(&limit))),
        StopSpec::Never { .. } => Box::new(never()),
        StopSpec::Either(all) => join_stops(all, |a, b| Box::new(Either(a, b))),
        StopSpec::Both(all) => join_stops(all, |a, b| Box::new(Both(a, b))),
    }
}

fn join_stops(all: Vec<StopSpec<ByteRange>>, join: fn(BoxStop, BoxStop) -> BoxStop) -> BoxStop {
    balanced(all.into_iter().map(stop).collect(), &join).unwrap_or_else(|| Box::new(never()))
}

pub(crate) fn wait(spec: WaitSpec<ByteRange>) -> BoxWait {
    match spec {
        WaitSpec::None { .. } => Box::new(none()),
        WaitSpec::Fixed { delay, .. } => Box::new(fixed(known(&delay))),
        WaitSpec::Random { min, max, .. } => Box::new(random(known(&min), known(&max))),
        WaitSpec::Exponential { initial, max, base, .. } => {
            let exp = exponential(known(&initial), known(&max));
            match base {
                Some(Base::Known(b)) => Box::new(exp.with_base(b)),
                Some(Base::Later(_)) | None => Box::new(exp),
            }
        }
        WaitSpec::ExpJitter { initial, max, jitter, .. } => {
            Box::new(exp_jitter(known(&initial), known(&max), known(&jitter)))
        }
        WaitSpec::Jitter { kind, base, cap, .. } => {
            let (base, cap) = (known(&base), known(&cap));
            match kind {
                WaitKind::EqualJitter => Box::new(equal_jitter(base, cap)),
                WaitKind::DecorrelatedJitter => Box::new(decorrelated_jitter(base, cap)),
                _ => Box::new(full_jitter(base, cap)),
            }
        }
        WaitSpec::Incrementing { start, step, max, .. } => {
            Box::new(incrementing(known(&start), known(&step), known(&max)))
        }
        WaitSpec::Decrementing { start, step, floor, .. } => {
            Box::new(decrementing(known(&start), known(&step), known(&floor)))
        }
        WaitSpec::ScaledJitter { initial, max, fraction, .. } => {
            let fraction = match fraction {
                Fraction::Known(f) => f,
                // Text holds no expressions: the checker only gives `Later` to the attribute.
                Fraction::Later(_) => 0.0,
            };
            Box::new(scaled_jitter(known(&initial), known(&max), fraction))
        }
        WaitSpec::Chain { waits, .. } => Box::new(chain(waits.into_iter().map(wait).collect::<Vec<_>>())),
        WaitSpec::Sum(all) => {
            balanced(all.into_iter().map(wait).collect(), &|a: BoxWait, b: BoxWait| Box::new(Sum(a, b)) as BoxWait)
                .unwrap_or_else(|| Box::new(none()))
        }
    }
}
