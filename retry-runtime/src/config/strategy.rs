//! Meaning: a parsed expression to the stop condition or wait strategy it names, with the
//! arity and argument kinds of every row of the attribute's tables (§3).

use core::time::Duration;

use super::duration;
use super::suggest::{one_of, unknown};
use super::syntax::{Expr, Op, column, error, snippet};
use super::{BoxStop, BoxWait};
use crate::PolicyError;
use crate::stop::{Both, Either, attempts, deadline, elapsed, never};
use crate::wait::{
    Sum, chain, decorrelated_jitter, equal_jitter, exp_jitter, exponential, fixed, full_jitter, incrementing, none,
    random,
};

/// The stop conditions, as the attribute spells them.
pub(crate) const STOP_NAMES: &[&str] = &["attempts", "elapsed", "deadline", "never"];

/// The wait strategies, as the attribute spells them.
pub(crate) const WAIT_NAMES: &[&str] = &[
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

/// Reads expressions parsed from `src`.
pub(crate) struct Meaning<'s> {
    pub(crate) src: &'s str,
}

/// A call's name and arguments, borrowed from the tree.
struct Call<'e> {
    name: &'e str,
    args: Option<&'e [Expr]>,
}

/// Joins `items` pairwise into a balanced tree, so that a chain of n terms nests only
/// log₂ n deep (`|`, `&` and `+` are associative, and the order of the terms is kept, so
/// this is the same strategy as the left-leaning one code would write).
fn balanced<T>(mut items: Vec<T>, join: &dyn Fn(T, T) -> T) -> Option<T> {
    if items.len() <= 1 {
        return items.pop();
    }
    let right = items.split_off(items.len() / 2);
    Some(join(balanced(items, join)?, balanced(right, join)?))
}

impl<'s> Meaning<'s> {
    fn text(&self, expr: &Expr) -> &'s str {
        let span = expr.span();
        self.src.get(span.start..span.end).unwrap_or_default()
    }

    fn quoted(&self, expr: &Expr) -> String {
        format!("`{}`", snippet(self.text(expr)))
    }

    fn call<'e>(&self, expr: &'e Expr) -> Option<Call<'e>>
    where
        's: 'e,
    {
        match expr {
            Expr::Call { name, args, .. } => {
                Some(Call { name: self.src.get(name.start..name.end).unwrap_or_default(), args: args.as_deref() })
            }
            _ => None,
        }
    }

    /// The operator `op` where it means nothing: `+` between stop conditions, `|` or `&`
    /// between wait strategies.
    fn misplaced(&self, op: Op, terms: &[Expr], hint: &str) -> PolicyError {
        let at = terms.first().map_or(0, |t| t.span().end);
        let at = self.src.get(at..).and_then(|rest| rest.find(op.symbol())).map_or(at, |offset| at + offset);
        error(format!("`{}` at column {} {hint}", op.symbol(), column(self.src, at)))
    }

    // `stop`, `stops`, `wait`, `waits` and `wait_call` recurse once per level of nesting:
    // their messages are built in cold helpers so that their frames stay small.

    pub(crate) fn stop(&self, expr: &Expr) -> Result<BoxStop, PolicyError> {
        match expr {
            Expr::Op { op: Op::Or, terms, .. } => self.stops(expr, terms, |a, b| Box::new(Either(a, b))),
            Expr::Op { op: Op::And, terms, .. } => self.stops(expr, terms, |a, b| Box::new(Both(a, b))),
            Expr::Op { op: Op::Add, terms, .. } => Err(self.misplaced(
                Op::Add,
                terms,
                "adds wait strategies; join stop conditions with `|` (stop when either does) or `&` (when both do)",
            )),
            Expr::Number { .. } => Err(self.not_a_stop(expr)),
            Expr::Call { .. } => self.stop_call(expr),
        }
    }

    /// `terms` of `expr`, joined.
    fn stops(
        &self,
        expr: &Expr,
        terms: &[Expr],
        join: fn(BoxStop, BoxStop) -> BoxStop,
    ) -> Result<BoxStop, PolicyError> {
        let mut parts = Vec::with_capacity(terms.len());
        for term in terms {
            parts.push(self.stop(term)?);
        }
        balanced(parts, &join).ok_or_else(|| self.not_a_stop(expr))
    }

    #[cold]
    #[inline(never)]
    fn not_a_stop(&self, expr: &Expr) -> PolicyError {
        error(format!("expected a stop condition such as `attempts(5)` or `elapsed(30s)`, found {}", self.quoted(expr)))
    }

    fn stop_call(&self, expr: &Expr) -> Result<BoxStop, PolicyError> {
        let Some(call) = self.call(expr) else {
            return Err(error(format!("expected a stop condition, found {}", self.quoted(expr))));
        };
        Ok(match call.name {
            "attempts" => {
                let [n] = self.arity(&call, "attempts(N)")?;
                Box::new(attempts(self.count(n, "`N` of `attempts`")?))
            }
            "elapsed" => {
                let [d] = self.arity(&call, "elapsed(D)")?;
                Box::new(elapsed(self.duration(d, Some("`D` of `elapsed`"))?))
            }
            "deadline" => {
                let [d] = self.arity(&call, "deadline(D)")?;
                Box::new(deadline(self.duration(d, Some("`D` of `deadline`"))?))
            }
            "never" => {
                self.bare(&call)?;
                Box::new(never())
            }
            name if WAIT_NAMES.contains(&name) => {
                return Err(error(format!(
                    "`{name}` is a wait strategy, not a stop condition; expected one of {}",
                    one_of(STOP_NAMES)
                )));
            }
            name => return Err(error(unknown("stop condition", name, STOP_NAMES))),
        })
    }

    pub(crate) fn wait(&self, expr: &Expr) -> Result<BoxWait, PolicyError> {
        match expr {
            Expr::Op { op: Op::Add, terms, .. } => {
                let parts = self.waits(terms)?;
                balanced(parts, &|a: BoxWait, b: BoxWait| Box::new(Sum(a, b)) as BoxWait)
                    .ok_or_else(|| self.not_a_wait(expr))
            }
            Expr::Op { op, terms, .. } => {
                Err(self.misplaced(*op, terms, "joins stop conditions; add wait strategies with `+`"))
            }
            Expr::Number { .. } => Err(self.not_a_wait(expr)),
            Expr::Call { .. } => self.wait_call(expr),
        }
    }

    /// Each of `exprs` as a wait strategy.
    fn waits(&self, exprs: &[Expr]) -> Result<Vec<BoxWait>, PolicyError> {
        let mut waits = Vec::with_capacity(exprs.len());
        for expr in exprs {
            waits.push(self.wait(expr)?);
        }
        Ok(waits)
    }

    /// A named wait strategy. Only `chain` nests, so it is kept apart from the others,
    /// whose larger frame then never sits on the stack once per level.
    fn wait_call(&self, expr: &Expr) -> Result<BoxWait, PolicyError> {
        let Some(call) = self.call(expr) else {
            return Err(self.not_a_wait(expr));
        };
        match (call.name, call.args) {
            // `chain()` is left to validation, which says `EmptyChain` as `build` does.
            ("chain", Some(args)) => Ok(Box::new(chain(self.waits(args)?))),
            _ => self.wait_leaf(&call),
        }
    }

    #[cold]
    #[inline(never)]
    fn not_a_wait(&self, expr: &Expr) -> PolicyError {
        match expr {
            Expr::Number { .. } => error(format!(
                "expected a wait strategy such as `fixed(1s)` or `exp_jitter(1s, 60s, 5s)`, found {} (write `fixed({})` for the same delay every time)",
                self.quoted(expr),
                snippet(self.text(expr))
            )),
            _ => error(format!("expected a wait strategy, found {}", self.quoted(expr))),
        }
    }

    /// Every wait strategy but a `chain` with arguments.
    #[inline(never)]
    fn wait_leaf(&self, call: &Call<'_>) -> Result<BoxWait, PolicyError> {
        let d = |arg: &Expr, what: &str| self.duration(arg, Some(what));
        Ok(match call.name {
            "none" => {
                self.bare(call)?;
                Box::new(none())
            }
            "fixed" => {
                let [delay] = self.arity(call, "fixed(D)")?;
                Box::new(fixed(d(delay, "`D` of `fixed`")?))
            }
            "random" => {
                let [min, max] = self.arity(call, "random(MIN, MAX)")?;
                Box::new(random(d(min, "`MIN` of `random`")?, d(max, "`MAX` of `random`")?))
            }
            "exponential" => match call.args {
                Some([initial, max]) => {
                    Box::new(exponential(d(initial, "`INITIAL` of `exponential`")?, d(max, "`MAX` of `exponential`")?))
                }
                Some([initial, max, base]) => Box::new(
                    exponential(d(initial, "`INITIAL` of `exponential`")?, d(max, "`MAX` of `exponential`")?)
                        .with_base(self.base(base)?),
                ),
                _ => {
                    return Err(self.wrong_arity(
                        call,
                        "2 or 3 arguments (`exponential(INITIAL, MAX)` or `exponential(INITIAL, MAX, BASE)`)",
                    ));
                }
            },
            "exp_jitter" => {
                let [initial, max, jitter] = self.arity(call, "exp_jitter(INITIAL, MAX, JITTER)")?;
                Box::new(exp_jitter(
                    d(initial, "`INITIAL` of `exp_jitter`")?,
                    d(max, "`MAX` of `exp_jitter`")?,
                    d(jitter, "`JITTER` of `exp_jitter`")?,
                ))
            }
            "full_jitter" => {
                let [base, cap] = self.arity(call, "full_jitter(BASE, CAP)")?;
                Box::new(full_jitter(d(base, "`BASE` of `full_jitter`")?, d(cap, "`CAP` of `full_jitter`")?))
            }
            "equal_jitter" => {
                let [base, cap] = self.arity(call, "equal_jitter(BASE, CAP)")?;
                Box::new(equal_jitter(d(base, "`BASE` of `equal_jitter`")?, d(cap, "`CAP` of `equal_jitter`")?))
            }
            "decorrelated_jitter" => {
                let [base, cap] = self.arity(call, "decorrelated_jitter(BASE, CAP)")?;
                Box::new(decorrelated_jitter(
                    d(base, "`BASE` of `decorrelated_jitter`")?,
                    d(cap, "`CAP` of `decorrelated_jitter`")?,
                ))
            }
            "incrementing" => {
                let [start, step, max] = self.arity(call, "incrementing(START, STEP, MAX)")?;
                Box::new(incrementing(
                    d(start, "`START` of `incrementing`")?,
                    d(step, "`STEP` of `incrementing`")?,
                    d(max, "`MAX` of `incrementing`")?,
                ))
            }
            "chain" => {
                return Err(self.wrong_arity(call, "at least 1 argument (`chain(W1, W2, …)`)"));
            }
            name if STOP_NAMES.contains(&name) => {
                return Err(error(format!(
                    "`{name}` is a stop condition, not a wait strategy; expected one of {}",
                    one_of(WAIT_NAMES)
                )));
            }
            name => return Err(error(unknown("wait strategy", name, WAIT_NAMES))),
        })
    }

    /// The arguments of `call`, which must be exactly `N` (`usage` shows them).
    fn arity<'e, const N: usize>(&self, call: &Call<'e>, usage: &str) -> Result<&'e [Expr; N], PolicyError> {
        call.args.and_then(|args| <&[Expr; N]>::try_from(args).ok()).ok_or_else(|| {
            let plural = if N == 1 { "" } else { "s" };
            self.wrong_arity(call, &format!("{N} argument{plural} (`{usage}`)"))
        })
    }

    fn wrong_arity(&self, call: &Call<'_>, expected: &str) -> PolicyError {
        let found = match call.args {
            None => "none".to_owned(),
            Some(args) => args.len().to_string(),
        };
        error(format!("`{}` takes {expected}, found {found}", call.name))
    }

    /// A name written without parentheses: `never`, `none`.
    fn bare(&self, call: &Call<'_>) -> Result<(), PolicyError> {
        match call.args {
            None => Ok(()),
            Some(_) => Err(error(format!("`{0}` takes no arguments; write `{0}` without parentheses", call.name))),
        }
    }

    /// A duration: the argument `what` names ("`MAX` of `exponential`"), or with `None`
    /// one on its own.
    pub(crate) fn duration(&self, expr: &Expr, what: Option<&str>) -> Result<Duration, PolicyError> {
        let found = self.quoted(expr);
        match expr {
            Expr::Number { negative: true, .. } => {
                Err(error(format!("{} cannot be negative, found {found}", what.unwrap_or("a duration"))))
            }
            Expr::Number { span, unit, .. } => {
                duration::from_number(self.text(expr), unit.saturating_sub(span.start)).map_err(error)
            }
            _ => Err(error(match what {
                Some(what) => {
                    format!("{what} must be a duration such as `250ms`, `1.5s` or `2` (seconds), found {found}")
                }
                None => format!("expected a duration such as `250ms`, `1.5s` or `2` (seconds), found {found}"),
            })),
        }
    }

    /// A whole, non-negative number below 2³².
    fn count(&self, expr: &Expr, what: &str) -> Result<u32, PolicyError> {
        let digits = match expr {
            Expr::Number { negative: false, span, unit } if *unit == span.end => self.text(expr),
            _ => "",
        };
        if digits.is_empty() || digits.contains('.') {
            return Err(error(format!(
                "{what} must be a whole number of attempts such as `5`, found {}",
                self.quoted(expr)
            )));
        }
        digits
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .map_err(|_| error(format!("{what} must be at most {}, found {}", u32::MAX, self.quoted(expr))))
    }

    /// The growth base of `exponential`: a plain number; its range is left to validation.
    fn base(&self, expr: &Expr) -> Result<f64, PolicyError> {
        match expr {
            Expr::Number { span, unit, negative } if *unit == span.end => {
                let digits: String = self.text(expr).chars().filter(|c| c.is_ascii_digit() || *c == '.').collect();
                let base: f64 = digits.parse().map_err(|_| {
                    error(format!("`BASE` of `exponential` must be a number, found {}", self.quoted(expr)))
                })?;
                Ok(if *negative { -base } else { base })
            }
            _ => Err(error(format!(
                "`BASE` of `exponential` must be a plain number such as `2` or `1.5`, found {}",
                self.quoted(expr)
            ))),
        }
    }
}
