//! Policies from configuration: the attribute's own words, read at run time.
//!
//! A stop condition, a wait strategy or a duration written in a configuration file reads
//! exactly as it would in `#[retry(…)]`, and gives the same strategy the attribute or the
//! code would build. Everything is checked as [`build`](crate::RetryPolicyBuilder::build)
//! checks it, and every mistake is a [`PolicyError`] whose message quotes the text and lists
//! the valid choices; no input panics.
//!
//! ```
//! use retry_runtime::config::{parse_stop, parse_wait};
//! use retry_runtime::RetryPolicy;
//!
//! let policy = RetryPolicy::builder()
//!     .stop(parse_stop("attempts(5) | elapsed(30s)")?)
//!     .wait(parse_wait("exp_jitter(1s, 60s, 5s)")?)
//!     .build()?;
//! # let _ = policy;
//! let err = parse_wait("exponental(1s, 60s)").unwrap_err();
//! assert!(err.to_string().starts_with("unknown wait strategy `exponental` (did you mean `exponential`?)"));
//! # Ok::<(), retry_runtime::PolicyError>(())
//! ```
//!
//! [`PolicyConfig`] gathers the keys a configuration can set (`stop`, `wait`,
//! `retry_after_max`, `timeout`, `log`, `seed`), reads them from one line of the
//! attribute's `key = value, …` form, and with the `serde` feature from any serde format.
//!
//! # Grammar
//!
//! ```text
//! stop      = either ;
//! either    = both { "|" both } ;                       (* stop when either does *)
//! both      = stop-term { "&" stop-term } ;             (* `&` binds tighter than `|` *)
//! stop-term = "attempts(" COUNT ")" | "elapsed(" D ")" | "deadline(" D ")" | "never"
//!           | "(" stop ")" ;
//!
//! wait      = wait-term { "+" wait-term } ;             (* the delays added *)
//! wait-term = "none" | "fixed(" D ")" | "random(" D "," D ")"
//!           | "exponential(" D "," D [ "," BASE ] ")" | "exp_jitter(" D "," D "," D ")"
//!           | "full_jitter(" D "," D ")" | "equal_jitter(" D "," D ")"
//!           | "decorrelated_jitter(" D "," D ")" | "incrementing(" D "," D "," D ")"
//!           | "decrementing(" D "," D "," D ")" | "scaled_jitter(" D "," D "," FRACTION ")"
//!           | "chain(" wait { "," wait } ")" | "(" wait ")" ;
//!
//! D         = DIGITS [ "." DIGITS ] [ UNIT ] ;          (* no unit: seconds *)
//! UNIT      = "ns" | "us" | "µs" | "ms" | "s" | "m" | "h" ;
//! COUNT     = DIGITS ;                                  (* 1 ..= 4294967295 *)
//! BASE      = DIGITS [ "." DIGITS ] ;                   (* at least 1 *)
//! FRACTION  = DIGITS [ "." DIGITS ] ;                   (* 0 ..= 1 *)
//! DIGITS    = digit { digit | "_" } ;
//! ```
//!
//! - Whitespace may stand between any two tokens, but not between a number and its unit
//!   (`500ms`, not `500 ms`), as in Rust. An argument list may end with a comma.
//! - Names are case-sensitive, as in the attribute.
//! - Units: the attribute's `us`, `ms`, `s`, `m`, `h`, and also `ns` and `µs` (the micro sign, or the
//!   Greek mu). A duration is exact to the nanosecond (`0.1` is 100 ms); digits finer than a
//!   nanosecond are dropped. A duration cannot be negative, and cannot exceed
//!   [`Duration::MAX`](core::time::Duration::MAX).
//! - Parentheses (groups and argument lists) nest at most 64 deep; deeper input is an
//!   error, not a stack overflow. Chains of `|`, `&` and `+` may be of any length within
//!   [`MAX_LEN`].
//! - Text longer than [`MAX_LEN`] (1 MiB) is refused before it is read, so that no input
//!   costs more than a bounded time and memory: a policy is a line of configuration, and a
//!   10 MB one is a mistake, not a policy.
//! - Only the first mistake is reported.
//!
//! The attribute's keys that name Rust code (`on`, `when`, hooks, `breaker`, …) cannot come
//! from configuration: add them to the builder that [`PolicyConfig::builder`] returns.

use core::fmt;
use core::time::Duration;

use retry_grammar::{Front, TextKind, check_duration, check_stop, check_wait, parse_text};

use crate::PolicyError;
use crate::stop::Stop;
use crate::wait::Wait;

mod lower;
mod policy_config;

#[cfg(feature = "serde")]
mod de;

pub use policy_config::PolicyConfig;

/// The longest text, in bytes, that [`parse_stop`], [`parse_wait`], [`parse_duration`] and
/// [`PolicyConfig`]'s [`from_str`](core::str::FromStr::from_str) read; anything longer is
/// a [`PolicyError::Parse`] at once, whatever it holds.
///
/// ```
/// use retry_runtime::config::{MAX_LEN, parse_stop};
/// let huge = "never | ".repeat(MAX_LEN / 8 + 1);
/// assert_eq!(
///     parse_stop(&huge).unwrap_err().to_string(),
///     format!("a stop condition cannot be longer than {MAX_LEN} bytes, found {}", huge.len())
/// );
/// ```
pub const MAX_LEN: usize = retry_grammar::MAX_LEN;

/// A stop condition read from configuration: any [`Stop`], boxed.
///
/// ```
/// use retry_runtime::config::{BoxStop, parse_stop};
/// use retry_runtime::stop::{Stop, StopContext, attempts};
/// use std::time::Duration;
///
/// let stops: Vec<BoxStop> = vec![Box::new(attempts(2)), parse_stop("never")?];
/// let ctx = StopContext::new(2, Duration::ZERO, Duration::ZERO);
/// assert_eq!(stops.iter().map(|s| s.should_stop(&ctx)).collect::<Vec<_>>(), [true, false]);
/// # Ok::<(), retry_runtime::PolicyError>(())
/// ```
pub type BoxStop = Box<dyn Stop + Send + Sync>;

/// A wait strategy read from configuration: any [`Wait`], boxed.
///
/// ```
/// use retry_runtime::config::{BoxWait, parse_wait};
/// use retry_runtime::wait::{RetryRng, Wait, WaitContext, fixed};
/// use std::time::Duration;
///
/// let waits: Vec<BoxWait> = vec![Box::new(fixed(Duration::from_secs(1))), parse_wait("fixed(1s)")?];
/// let mut rng = RetryRng::seeded(0);
/// for w in &waits {
///     assert_eq!(w.delay(&mut WaitContext::new(1, Duration::ZERO, &mut rng)), Duration::from_secs(1));
/// }
/// # Ok::<(), retry_runtime::PolicyError>(())
/// ```
pub type BoxWait = Box<dyn Wait + Send + Sync>;

/// What [`PolicyConfig::timed_builder`] returns: a configured policy whose attempts a
/// configured `timeout` may cut. Mechanics: users write `let builder = config.timed_builder()?;`.
///
/// ```
/// use retry_runtime::config::{PolicyConfig, TimedPolicyBuilder};
/// let builder: TimedPolicyBuilder = PolicyConfig::default().timed_builder().unwrap();
/// # let _ = builder;
/// ```
#[doc(hidden)]
pub type TimedPolicyBuilder = crate::RetryPolicyBuilder<
    BoxStop,
    BoxWait,
    crate::predicate::AnyError,
    crate::predicate::NoValue,
    crate::predicate::NoServerDelay,
    crate::timeout::Execution<crate::sleep::DefaultSleep, crate::timeout::WithTimeout>,
>;

/// Lets a policy holding boxed strategies be `Debug`, as one holding concrete ones is.
impl fmt::Debug for dyn Stop + Send + Sync {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dyn Stop")
    }
}

/// Lets a policy holding boxed strategies be `Debug`, as one holding concrete ones is.
impl fmt::Debug for dyn Wait + Send + Sync {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dyn Wait")
    }
}

/// Reads a stop condition (`attempts(5) | elapsed(30s)`) and checks it as
/// [`build`](crate::RetryPolicyBuilder::build) would.
///
/// ```
/// use retry_runtime::config::parse_stop;
/// use retry_runtime::stop::{Stop, StopContext};
/// use std::time::Duration;
///
/// // `&` binds tighter: (5 attempts and 30 s) or past a minute.
/// let stop = parse_stop("attempts(5) & elapsed(30s) | deadline(1m)")?;
/// let at = |n, secs| StopContext::new(n, Duration::from_secs(secs), Duration::ZERO);
/// assert!(!stop.should_stop(&at(5, 0)));
/// assert!(stop.should_stop(&at(5, 31)));
/// assert!(!stop.should_stop(&at(2, 45)));
/// assert!(stop.should_stop(&at(2, 61)));
/// assert_eq!(stop.deadline(), Some(Duration::from_secs(60)));
///
/// assert_eq!(
///     parse_stop("atempts(5)").unwrap_err().to_string(),
///     "unknown stop condition `atempts` (did you mean `attempts`?); \
///      expected one of `attempts`, `elapsed`, `deadline` or `never`"
/// );
/// # Ok::<(), retry_runtime::PolicyError>(())
/// ```
///
/// # Errors
/// [`PolicyError::Parse`] for text that is not a stop condition, or the error `build`
/// gives for its values ([`PolicyError::ZeroAttempts`] for `attempts(0)`, …).
pub fn parse_stop(text: &str) -> Result<BoxStop, PolicyError> {
    let term = parse_text(text, TextKind::Stop).map_err(lower::syntax)?;
    let stop = lower::stop(check_stop(&term, Front::Text).map_err(lower::first_error)?);
    stop.validate()?;
    Ok(stop)
}

/// Reads a wait strategy (`exp_jitter(1s, 60s, 5s)`, `fixed(1) + random(0, 1)`) and
/// checks it as [`build`](crate::RetryPolicyBuilder::build) would.
///
/// ```
/// use retry_runtime::config::parse_wait;
/// use retry_runtime::wait::{RetryRng, Wait, WaitContext};
/// use std::time::Duration;
///
/// let wait = parse_wait("chain(fixed(1s), fixed(2s), exponential(4s, 10s))")?;
/// let mut rng = RetryRng::seeded(0);
/// let delays: Vec<u64> = (1..=5)
///     .map(|n| wait.delay(&mut WaitContext::new(n, Duration::ZERO, &mut rng)).as_secs())
///     .collect();
/// assert_eq!(delays, [1, 2, 10, 10, 10]); // the third strategy sees attempt 3: 4s · 2²
///
/// assert_eq!(
///     parse_wait("random(5s)").unwrap_err().to_string(),
///     "`random` takes 2 arguments (`random(MIN, MAX)`), found 1"
/// );
/// # Ok::<(), retry_runtime::PolicyError>(())
/// ```
///
/// # Errors
/// [`PolicyError::Parse`] for text that is not a wait strategy, or the error `build`
/// gives for its values ([`PolicyError::InitialExceedsMax`] for `exponential(10s, 5s)`, …).
pub fn parse_wait(text: &str) -> Result<BoxWait, PolicyError> {
    let term = parse_text(text, TextKind::Wait).map_err(lower::syntax)?;
    let wait = lower::wait(check_wait(&term, Front::Text).map_err(lower::first_error)?);
    wait.validate()?;
    Ok(wait)
}

/// Reads a duration as the attribute writes one: a bare number of seconds (`1`,
/// `0.5`, `60`) or a number with a unit (`500us`, `250ms`, `1.5s`, `2m`, `1h`; also `ns`
/// and `µs`).
///
/// Zero is a duration; whether it is allowed is up to where it is used.
///
/// ```
/// use retry_runtime::config::parse_duration;
/// use std::time::Duration;
///
/// assert_eq!(parse_duration("1.5s")?, Duration::from_millis(1_500));
/// assert_eq!(parse_duration(" 0.1 ")?, Duration::from_millis(100));
/// assert_eq!(parse_duration("2m")?, Duration::from_secs(120));
/// assert_eq!(
///     parse_duration("5sec").unwrap_err().to_string(),
///     "unknown unit `sec` in `5sec` (did you mean `5s`?); \
///      expected one of `ns`, `us`, `µs`, `ms`, `s`, `m` or `h` after the number, or none for seconds"
/// );
/// assert!(parse_duration("-1s").is_err());
/// # Ok::<(), retry_runtime::PolicyError>(())
/// ```
///
/// # Errors
/// [`PolicyError::Parse`] for anything else: a negative number, an unknown unit, a
/// duration longer than [`Duration::MAX`], text around the number.
pub fn parse_duration(text: &str) -> Result<Duration, PolicyError> {
    let term = parse_text(text, TextKind::Duration).map_err(lower::syntax)?;
    let delay = check_duration(&term, Front::Text, None).map_err(lower::first_error)?;
    Ok(delay.known().unwrap_or_default())
}

/// Reads `hedge`'s value, `after(D)` with D above zero, as the attribute does.
pub(crate) fn parse_hedge(text: &str) -> Result<Duration, PolicyError> {
    let term = parse_text(text, TextKind::Hedge).map_err(lower::syntax)?;
    let delay = retry_grammar::check_hedge(&term, Front::Text).map_err(lower::first_error)?;
    Ok(delay.known().unwrap_or_default())
}

/// Reads `hedges`' value, a whole number from 1 to `HEDGES_MAX`, as the attribute does.
pub(crate) fn parse_hedges(text: &str) -> Result<u32, PolicyError> {
    let term = parse_text(text, TextKind::Count).map_err(lower::syntax)?;
    match retry_grammar::check_hedges(&term, Front::Text).map_err(lower::first_error)? {
        retry_grammar::Count::Known(n) => Ok(n),
        retry_grammar::Count::Later(_) => Err(PolicyError::Parse { message: String::new() }),
    }
}
