//! The one set of messages: every mistake either front end can report, as a value whose
//! `Display` is the text both show (lowercase, no trailing period, the syntax quoted, the
//! alternatives listed).

use core::fmt;
use core::time::Duration;

use crate::duration::Words;
use crate::suggest::{closest, one_of, snippet};
use crate::table::{CHAIN_MAX, HEDGE, HEDGE_AFTER, HEDGES, HEDGES_MAX, Role, STOPS, Strategy, Unit, ValueKind, WAITS};
use crate::term::Op;

/// Which table a name was looked up in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Stop conditions.
    Stop,
    /// Wait strategies.
    Wait,
}

impl Table {
    const fn noun(self) -> &'static str {
        match self {
            Self::Stop => "stop condition",
            Self::Wait => "wait strategy",
        }
    }

    fn names(self) -> Vec<&'static str> {
        Strategy::names(match self {
            Self::Stop => STOPS,
            Self::Wait => WAITS,
        })
    }
}

/// Which argument a value is: `` `D` of `elapsed` ``.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argument {
    /// Its role.
    pub role: Role,
    /// The strategy's name.
    pub strategy: &'static str,
}

impl fmt::Display for Argument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` of `{}`", self.role.placeholder(), self.strategy)
    }
}

/// One mistake, in either front end.
///
/// ```
/// use retry_grammar::Problem;
/// assert_eq!(
///     Problem::ZeroAttempts.to_string(),
///     "`attempts(0)` never runs the function; use `attempts(1)` or more"
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// A name in neither table.
    UnknownName {
        /// Where it was looked up.
        table: Table,
        /// As written.
        name: String,
    },
    /// A name from the other table.
    WrongTable {
        /// Where it was looked up.
        table: Table,
        /// The entry it names.
        name: &'static str,
    },
    /// Too few or too many arguments; `found` is `None` for a bare name.
    WrongArity {
        /// The strategy.
        strategy: &'static Strategy,
        /// How many there were.
        found: Option<usize>,
    },
    /// Parentheses after a strategy that takes none.
    TakesNoArguments {
        /// The strategy.
        strategy: &'static Strategy,
    },
    /// `chain()`.
    EmptyChain,
    /// `chain` with more than [`CHAIN_MAX`] strategies in the attribute, which builds a tuple.
    ChainTooLong {
        /// How many there were.
        found: usize,
    },
    /// `attempts(0)`.
    ZeroAttempts,
    /// A zero duration where it must be positive.
    ZeroDuration {
        /// The strategy or key.
        what: &'static str,
    },
    /// A first value above the one that bounds it (`exponential(10s, 5s)`).
    Misordered {
        /// The strategy.
        strategy: &'static str,
        /// The first value.
        low: Duration,
        /// The bound.
        high: Duration,
    },
    /// A growth base below 1 or not finite.
    BaseBelowOne {
        /// The base as given.
        base: f64,
    },
    /// A `scaled_jitter` fraction outside 0 to 1, or not finite.
    FractionOutOfRange {
        /// The fraction as given.
        fraction: f64,
    },
    /// A fraction that is no plain number.
    NotAFraction {
        /// As written.
        found: String,
    },
    /// A growth base that is no plain number.
    NotABase {
        /// As written.
        found: String,
    },
    /// A count that is no whole number.
    NotACount {
        /// As written.
        found: String,
    },
    /// A count above `u32::MAX`.
    CountTooLarge {
        /// As written.
        found: String,
    },
    /// A negative duration.
    Negative {
        /// Which argument, if any.
        what: Option<Argument>,
        /// As written.
        found: String,
    },
    /// Something that is no duration where one belongs.
    NotADuration {
        /// Which argument, if any.
        what: Option<Argument>,
        /// As written.
        found: String,
    },
    /// A unit not in the table.
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The number before it.
        number: String,
    },
    /// A duration above `Duration::MAX`.
    TooLong {
        /// As written.
        text: String,
    },
    /// Something that is no stop condition.
    NotAStop {
        /// As written.
        found: String,
    },
    /// Something that is no wait strategy; `number` when it is a plain duration.
    NotAWait {
        /// As written.
        found: String,
        /// Whether it was a number.
        number: bool,
    },
    /// `+` between stop conditions, or `|` / `&` between wait strategies.
    MisplacedOp {
        /// The operator.
        op: Op,
    },
    /// A per-attempt timeout longer than the deadline.
    TimeoutExceedsDeadline {
        /// The timeout.
        timeout: Duration,
        /// The deadline.
        deadline: Duration,
    },
    /// `limiter` or `bulkhead` on a plain `fn`: waiting for a permit or a place is async.
    ShapingNeedsAsync {
        /// The key.
        key: &'static str,
    },
    /// A `hedge` value that is no `after(D)`.
    NotAHedge {
        /// As written.
        found: String,
    },
    /// `hedges = 0`.
    ZeroHedges,
    /// `hedges` above [`HEDGES_MAX`].
    TooManyHedges {
        /// As written.
        found: String,
    },
    /// A `hedges` value that is no whole number.
    NotAHedgeCount {
        /// As written.
        found: String,
    },
    /// `hedges` without `hedge`.
    HedgesWithoutHedge,
    /// `hedge` on a plain `fn`: hedges run concurrently.
    HedgeNeedsAsync,
    /// `hedge` on a function whose attempts need a parameter mutably: concurrent attempts
    /// cannot share it.
    HedgeNeedsShared {
        /// The parameter as written (`&mut self`, `out`).
        param: String,
    },
    /// A preset not in the table.
    UnknownPreset {
        /// As written.
        found: String,
    },
    /// A log level not in the table.
    UnknownLevel {
        /// As written.
        found: String,
    },
    /// A nesting mode not in the table.
    UnknownNesting {
        /// As written.
        found: String,
    },
    /// `first_item_timeout` on a function that returns no stream.
    FirstItemTimeoutWithoutStream,
    /// A key a function that returns a stream cannot take.
    NotForStreams {
        /// The key.
        key: &'static str,
    },
    /// A key not in the table (`valid` lists the keys this front end takes).
    UnknownKey {
        /// As written.
        found: String,
        /// The keys that would do.
        valid: Vec<&'static str>,
    },
    /// A key given twice.
    DuplicateKey {
        /// The key.
        key: &'static str,
    },
    /// A key without a value.
    NeedsValue {
        /// The key.
        key: &'static str,
    },
    /// A key configuration text does not take (Rust code, or a key only the attribute and
    /// the builder set).
    NotConfigurable {
        /// The key.
        key: &'static str,
    },
    /// A key of the policy's own beside `policy = …`.
    BesidePolicy {
        /// The key.
        key: &'static str,
    },
    /// `on` with `unless`.
    OnWithUnless,
}

impl Problem {
    /// Whether this breaks a rule on values that the runtime's `build` checks too
    /// (`attempts(0)`, order, zero, base, empty chain), rather than a mistake of form.
    ///
    /// ```
    /// assert!(retry_grammar::Problem::EmptyChain.is_value_rule());
    /// assert!(!retry_grammar::Problem::OnWithUnless.is_value_rule());
    /// ```
    pub const fn is_value_rule(&self) -> bool {
        matches!(
            self,
            Self::ZeroAttempts
                | Self::ZeroDuration { .. }
                | Self::Misordered { .. }
                | Self::BaseBelowOne { .. }
                | Self::FractionOutOfRange { .. }
                | Self::EmptyChain
                | Self::TimeoutExceedsDeadline { .. }
                | Self::ZeroHedges
                | Self::TooManyHedges { .. }
        )
    }
}

fn unknown(f: &mut fmt::Formatter<'_>, noun: &str, word: &str, valid: &[&str]) -> fmt::Result {
    write!(f, "unknown {noun} `{}`", snippet(word))?;
    if let Some(near) = closest(word, valid) {
        write!(f, " (did you mean `{near}`?)")?;
    }
    write!(f, "; expected one of {}", one_of(valid))
}

fn arity(strategy: &Strategy) -> String {
    if strategy.params == [Role::Strategies] {
        return format!("at least 1 argument (`{}(W1, W2, …)`)", strategy.name);
    }
    let n = strategy.params.len();
    let plural = if n == 1 { "" } else { "s" };
    match strategy.full_usage() {
        Some(full) => format!("{n} or {} arguments (`{}` or `{full}`)", n + 1, strategy.usage()),
        None => format!("{n} argument{plural} (`{}`)", strategy.usage()),
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const EXAMPLE_DURATION: &str = "such as `250ms`, `1.5s` or `2` (seconds)";
        match self {
            Self::UnknownName { table, name } => unknown(f, table.noun(), name, &table.names()),
            Self::WrongTable { table, name } => {
                let other = match table {
                    Table::Stop => Table::Wait,
                    Table::Wait => Table::Stop,
                };
                write!(
                    f,
                    "`{name}` is a {}, not a {}; expected one of {}",
                    other.noun(),
                    table.noun(),
                    one_of(&table.names())
                )
            }
            Self::WrongArity { strategy, found } => {
                let found = found.map_or_else(|| "none".to_owned(), |n| n.to_string());
                write!(f, "`{}` takes {}, found {found}", strategy.name, arity(strategy))
            }
            Self::TakesNoArguments { strategy } => {
                write!(f, "`{0}` takes no arguments; write `{0}` without parentheses", strategy.name)
            }
            Self::EmptyChain => write!(f, "`chain()` needs at least one wait strategy, such as `{}`", chain_example()),
            Self::ChainTooLong { found } => write!(
                f,
                "`chain` takes at most {CHAIN_MAX} strategies, found {found}; use `policy = …` with a `Vec` for more"
            ),
            Self::ZeroAttempts => f.write_str("`attempts(0)` never runs the function; use `attempts(1)` or more"),
            Self::ZeroDuration { what } => write!(f, "`{what}` needs a positive duration, found zero"),
            Self::Misordered { strategy, low, high } => {
                let (lo, hi) = Strategy::named(strategy)
                    .and_then(|s| s.ordered.map(|(a, b)| (s.params[a], s.params[b])))
                    .unwrap_or((Role::Initial, Role::Max));
                write!(
                    f,
                    "`{strategy}`: {} `{}` is larger than {} `{}`; swap them or raise {2}",
                    lo.in_words(),
                    Words(*low),
                    hi.in_words(),
                    Words(*high)
                )
            }
            Self::BaseBelowOne { base } => write!(
                f,
                "the base of `exponential(INITIAL, MAX, BASE)` must be a finite number of at least 1, found `{base}`"
            ),
            Self::FractionOutOfRange { fraction } => write!(
                f,
                "the fraction of `scaled_jitter(INITIAL, MAX, FRACTION)` must be a number from 0 to 1, found `{fraction}`"
            ),
            Self::NotAFraction { found } => write!(
                f,
                "`FRACTION` of `scaled_jitter` must be a plain number from 0 to 1 such as `0.25`, found `{}`",
                snippet(found)
            ),
            Self::NotABase { found } => write!(
                f,
                "`BASE` of `exponential` must be a plain number such as `2` or `1.5`, found `{}`",
                snippet(found)
            ),
            Self::NotACount { found } => write!(
                f,
                "`N` of `attempts` must be a whole number of attempts such as `5`, found `{}`",
                snippet(found)
            ),
            Self::CountTooLarge { found } => {
                write!(f, "`N` of `attempts` must be at most {}, found `{}`", u32::MAX, snippet(found))
            }
            Self::Negative { what: Some(what), found } => {
                write!(f, "{what} cannot be negative, found `{}`", snippet(found))
            }
            Self::Negative { what: None, found } => {
                write!(f, "a duration cannot be negative, found `{}`", snippet(found))
            }
            Self::NotADuration { what: Some(what), found } => {
                write!(f, "{what} must be a duration {EXAMPLE_DURATION}, found `{}`", snippet(found))
            }
            Self::NotADuration { what: None, found } => {
                write!(f, "expected a duration {EXAMPLE_DURATION}, found `{}`", snippet(found))
            }
            Self::UnknownUnit { unit, number } => {
                write!(f, "unknown unit `{}` in `{}{}`", snippet(unit), snippet(number), snippet(unit))?;
                if let Some(hint) = Unit::hint(unit) {
                    write!(f, " (did you mean `{}{hint}`?)", snippet(number))?;
                }
                write!(f, "; expected one of {} after the number, or none for seconds", one_of(&Unit::listed_names()))
            }
            Self::TooLong { text } => {
                write!(f, "`{}` is longer than the longest duration, {}s", snippet(text), Duration::MAX.as_secs())
            }
            Self::NotAStop { found } => {
                write!(
                    f,
                    "expected a stop condition such as `attempts(5)` or `elapsed(30s)`, found `{}`",
                    snippet(found)
                )?;
                if found.contains("||") || found.contains("&&") {
                    f.write_str(" (join stop conditions with a single `|` or `&`, not `||` or `&&`)")?;
                }
                Ok(())
            }
            Self::NotAWait { found, number } => {
                write!(
                    f,
                    "expected a wait strategy such as `fixed(1s)` or `exp_jitter(1s, 60s, 5s)`, found `{}`",
                    snippet(found)
                )?;
                if *number {
                    write!(f, " (write `fixed({})` for the same delay every time)", snippet(found))?;
                }
                Ok(())
            }
            Self::MisplacedOp { op: Op::Add } => f.write_str(
                "`+` adds wait strategies; join stop conditions with `|` (stop when either does) or `&` (when both do)",
            ),
            Self::MisplacedOp { op } => {
                write!(f, "`{}` joins stop conditions; add wait strategies with `+`", op.symbol())
            }
            Self::TimeoutExceedsDeadline { timeout, deadline } => write!(
                f,
                "`timeout = {}` is longer than `deadline({})`; every attempt would be cut by the deadline first",
                Words(*timeout),
                Words(*deadline)
            ),
            Self::ShapingNeedsAsync { key } => write!(
                f,
                "`{key}` needs an `async fn`: a blocking call would hold its thread while it waits; wait inside the body instead"
            ),
            Self::NotAHedge { found } => write!(
                f,
                "`{}` takes `{HEDGE_AFTER}(D)`, the time an attempt runs before a hedge starts, such as `{0} = {HEDGE_AFTER}(200ms)`; found `{}`",
                HEDGE.name,
                snippet(found)
            ),
            Self::ZeroHedges => {
                write!(f, "`{} = 0` starts no hedge; use `{0} = 1` or more, or remove `{}`", HEDGES.name, HEDGE.name)
            }
            Self::TooManyHedges { found } => write!(
                f,
                "`{}` must be at most {HEDGES_MAX}, found `{}`; each hedge is one more request in flight at once",
                HEDGES.name,
                snippet(found)
            ),
            Self::NotAHedgeCount { found } => write!(
                f,
                "`{}` must be a whole number of hedges from 1 to {HEDGES_MAX} such as `2`, found `{}`",
                HEDGES.name,
                snippet(found)
            ),
            Self::HedgesWithoutHedge => write!(
                f,
                "`{}` sets how many hedges `{} = {HEDGE_AFTER}(D)` may start, but there is no `{1}`; add `{1} = {HEDGE_AFTER}(…)`",
                HEDGES.name, HEDGE.name
            ),
            Self::HedgeNeedsAsync => write!(
                f,
                "`{}` needs an `async fn`: a hedge runs concurrently with the attempt it hedges, which a blocking call cannot",
                HEDGE.name
            ),
            Self::HedgeNeedsShared { param } => write!(
                f,
                "`{}` runs attempts concurrently, and they cannot all hold `{param}` mutably at once; \
                 take it by shared reference or by value (cloned for each attempt), or remove `{0}`",
                HEDGE.name
            ),
            Self::UnknownPreset { found } => unknown(f, "preset", found, &crate::table::Preset::names()),
            Self::UnknownLevel { found } => unknown(f, "log level", found, &crate::table::Level::names()),
            Self::UnknownNesting { found } => {
                unknown(f, &format!("`{}` mode", crate::table::NESTED.name), found, &crate::table::Nesting::names())
            }
            Self::FirstItemTimeoutWithoutStream => write!(
                f,
                "`{}` bounds the wait for a stream's first item, but this function returns no stream; \
                 return `impl Stream<Item = Result<T, E>>` (or `Result<impl Stream<…>, E>`), or use `{}`",
                crate::table::FIRST_ITEM_TIMEOUT.name,
                crate::table::TIMEOUT.name
            ),
            Self::NotForStreams { key } => write!(
                f,
                "`{key}` cannot go on a function that returns a stream: its body makes each attempt's \
                 stream, and the stream is the caller's once its first item is read"
            ),
            Self::UnknownKey { found, valid } => unknown(f, "key", found, valid),
            Self::DuplicateKey { key } => write!(f, "duplicate key `{key}`; each key may appear once"),
            Self::NeedsValue { key } => write!(f, "`{key}` needs a value: `{key} = …`"),
            // A word or a duration, which configuration could read but does not take yet.
            Self::NotConfigurable { key }
                if crate::table::Key::find(key)
                    .is_some_and(|k| matches!(k.value, ValueKind::Nesting | ValueKind::Duration)) =>
            {
                write!(
                    f,
                    "`{key}` is not read from configuration; set it on the builder that `PolicyConfig::builder` returns"
                )
            }
            Self::NotConfigurable { key } => write!(
                f,
                "`{key}` takes Rust code, so it cannot come from configuration; \
                 add it to the builder that `PolicyConfig::builder` returns"
            ),
            Self::BesidePolicy { key } => {
                write!(f, "`{key}` cannot be combined with `policy`; set it on the `RetryPolicy` builder instead")
            }
            Self::OnWithUnless => {
                f.write_str("`on` and `unless` exclude each other; keep one (`when = …` can refine either)")
            }
        }
    }
}

fn chain_example() -> &'static str {
    Strategy::wait(crate::table::WaitKind::Chain).example
}

/// A [`Problem`] and where it is, in the front end's own kind of span.
///
/// ```
/// use retry_grammar::{Diagnostic, Problem};
/// let d = Diagnostic { problem: Problem::EmptyChain, span: 0..7 };
/// assert!(d.to_string().starts_with("`chain()` needs at least one wait strategy"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic<S> {
    /// What is wrong.
    pub problem: Problem,
    /// Where.
    pub span: S,
}

impl<S> fmt::Display for Diagnostic<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.problem.fmt(f)
    }
}
