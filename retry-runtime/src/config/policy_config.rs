//! [`PolicyConfig`]: the keys a configuration can set, and their `key = value, …` line.

use core::fmt;
use core::str::FromStr;
use core::time::Duration;

use retry_grammar::{Entry, Key, Problem, ValueKind, Words, column, entries, snippet};

use super::lower::syntax;
use super::{BoxStop, BoxWait, TimedPolicyBuilder, parse_duration, parse_stop, parse_wait};
use crate::stop::Attempts;
use crate::wait::FullJitter;
use crate::{LogLevel, PolicyError, RetryPolicy, RetryPolicyBuilder};

/// The attribute's keys that a configuration can set, as text and plain values; `None`
/// keeps the default.
///
/// Turn one into a policy with [`build`](Self::build), or into a builder with
/// [`builder`](Self::builder) to add what configuration cannot say (`when`, hooks, a
/// sleeper). It reads from the attribute's own `key = value, …` line with
/// [`str::parse`], writes that line back with `to_string`, and with the `serde` feature
/// deserializes from a table or map of the same keys (or from the line as one string).
///
/// # Default
/// Every key unset: `attempts(3)`, `full_jitter(1s, 60s)`, `retry_after_max` 60 s, no
/// timeout, `log` as [`RetryPolicy`] decides, jitter from entropy.
///
/// ```
/// use retry_runtime::config::PolicyConfig;
/// use retry_runtime::LogLevel;
/// use std::time::Duration;
///
/// let config: PolicyConfig =
///     "stop = attempts(5) | elapsed(30s), wait = exp_jitter(1s, 60s, 5s), log = warn".parse()?;
/// assert_eq!(config.stop.as_deref(), Some("attempts(5) | elapsed(30s)"));
/// assert_eq!(config.log, Some(LogLevel::Warn));
///
/// let policy = config.builder()?
///     .when(|e: &std::io::Error| e.kind() == std::io::ErrorKind::TimedOut)
///     .build()?;
/// let out: Result<(), std::io::Error> =
///     policy.retry_blocking(|| Err(std::io::ErrorKind::NotFound.into()));
/// assert_eq!(out.unwrap_err().kind(), std::io::ErrorKind::NotFound); // not retried
///
/// let config = PolicyConfig { timeout: Some(Duration::from_secs(2)), ..PolicyConfig::default() };
/// assert_eq!(config.to_string(), "timeout = 2s");
/// # Ok::<(), retry_runtime::PolicyError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyConfig {
    /// `stop`, in the attribute's words: `"attempts(5) | elapsed(30s)"`.
    pub stop: Option<String>,
    /// `wait`, in the attribute's words: `"exp_jitter(1s, 60s, 5s)"`.
    pub wait: Option<String>,
    /// `retry_after_max`: the longest server-directed delay worth waiting for.
    pub retry_after_max: Option<Duration>,
    /// `timeout`: how long one attempt may run.
    pub timeout: Option<Duration>,
    /// `log`: the level of the default events, or [`LogLevel::Off`].
    pub log: Option<LogLevel>,
    /// A seed for the jitter, for reproducible delays (see
    /// [`RetryPolicyBuilder::seed`]).
    pub seed: Option<u64>,
}

/// Names the key whose text a parse error is about.
fn in_key(key: &'static str) -> impl Fn(PolicyError) -> PolicyError {
    move |err| match err {
        PolicyError::Parse { message } => error(format!("`{key}`: {message}")),
        other => other,
    }
}

impl PolicyConfig {
    /// A builder holding these keys, its strategies parsed and checked; anything that
    /// configuration cannot say can be added to it before [`build`](RetryPolicyBuilder::build).
    ///
    /// ```
    /// use retry_runtime::config::PolicyConfig;
    ///
    /// let config = PolicyConfig { stop: Some("attempts(2)".into()), wait: Some("none".into()), ..Default::default() };
    /// let policy = config.builder()?.build()?;
    /// let mut calls = 0;
    /// let out: Result<(), &str> = policy.retry_blocking(|| { calls += 1; Err("down") });
    /// assert_eq!((out, calls), (Err("down"), 2));
    /// # Ok::<(), retry_runtime::PolicyError>(())
    /// ```
    ///
    /// # Errors
    /// The first [`PolicyError`] in `stop` or `wait`; a parse error's message starts with
    /// the key (`` `wait`: unknown wait strategy … ``). `timeout` is checked by `build`.
    pub fn builder(&self) -> Result<RetryPolicyBuilder<BoxStop, BoxWait>, PolicyError> {
        let stop: BoxStop = match &self.stop {
            Some(text) => parse_stop(text).map_err(in_key(retry_grammar::STOP.name))?,
            None => Box::new(Attempts::default()),
        };
        let wait: BoxWait = match &self.wait {
            Some(text) => parse_wait(text).map_err(in_key(retry_grammar::WAIT.name))?,
            None => Box::new(FullJitter::default()),
        };
        let mut builder = RetryPolicy::builder().stop(stop).wait(wait);
        if let Some(max) = self.retry_after_max {
            builder = builder.retry_after_max(max);
        }
        if self.timeout.is_some() {
            return Err(PolicyError::Parse {
                message: "`timeout`: a per-attempt timeout needs an async call and an error type that is \
                          `From<Elapsed>`; build with `timed_builder()`"
                    .to_owned(),
            });
        }
        if let Some(level) = self.log {
            builder = builder.log(level);
        }
        if let Some(seed) = self.seed {
            builder = builder.seed(seed);
        }
        Ok(builder)
    }

    /// [`builder`](Self::builder) for async calls, with the configured `timeout` (if any)
    /// cutting each attempt: [`RetryPolicy::retry`] then needs `E: From<Elapsed>`, which is
    /// what lets a deployment add a timeout to its configuration without a rebuild.
    ///
    /// ```
    /// use retry_runtime::{Elapsed, config::PolicyConfig};
    /// use std::time::Duration;
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct Cut;
    /// impl From<Elapsed> for Cut { fn from(_: Elapsed) -> Self { Cut } }
    /// impl std::fmt::Display for Cut {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("cut") }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let config: PolicyConfig = "stop = attempts(2), wait = none, timeout = 1s".parse().unwrap();
    /// let policy = config.timed_builder().unwrap().build().unwrap();
    /// let out: Result<(), Cut> = policy
    ///     .retry(|| async { tokio::time::sleep(Duration::from_secs(5)).await; Ok(()) })
    ///     .await;
    /// assert_eq!(out, Err(Cut));
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`builder`](Self::builder).
    pub fn timed_builder(&self) -> Result<TimedPolicyBuilder, PolicyError> {
        let untimed = PolicyConfig { timeout: None, ..self.clone() };
        Ok(untimed.builder()?.optional_timeout(self.timeout))
    }

    /// The policy these keys describe, checked as [`RetryPolicyBuilder::build`] checks.
    ///
    /// ```
    /// use retry_runtime::config::PolicyConfig;
    /// use retry_runtime::PolicyError;
    /// use std::time::Duration;
    ///
    /// let config = PolicyConfig {
    ///     stop: Some("deadline(10s)".into()),
    ///     timeout: Some(Duration::from_secs(30)),
    ///     ..Default::default()
    /// };
    /// assert!(matches!(config.timed_builder()?.build(), Err(PolicyError::TimeoutExceedsDeadline { .. })));
    /// # Ok::<(), PolicyError>(())
    /// ```
    ///
    /// # Errors
    /// As [`builder`](Self::builder), then as [`RetryPolicyBuilder::build`].
    pub fn build(&self) -> Result<RetryPolicy<BoxStop, BoxWait>, PolicyError> {
        self.builder()?.build()
    }

    /// Checks every key as [`build`](Self::build) does, keeping nothing.
    ///
    /// ```
    /// use retry_runtime::config::PolicyConfig;
    /// let config = PolicyConfig { stop: Some("attempts(0)".into()), ..Default::default() };
    /// assert_eq!(
    ///     config.validate().unwrap_err().to_string(),
    ///     "`attempts(0)` never runs the function; use `attempts(1)` or more"
    /// );
    /// ```
    ///
    /// # Errors
    /// The first rule broken.
    pub fn validate(&self) -> Result<(), PolicyError> {
        self.timed_builder()?.build().map(drop)
    }
}

fn error(message: String) -> PolicyError {
    PolicyError::Parse { message }
}

impl FromStr for PolicyConfig {
    type Err = PolicyError;

    /// Reads the attribute's `key = value, …` line (any order, each key at most once, an
    /// empty line for every default) and checks it as [`build`](Self::build) does.
    fn from_str(src: &str) -> Result<Self, PolicyError> {
        let mut config = Self::default();
        for Entry { key: written, key_at, value } in entries(src).map_err(syntax)? {
            let at = column(src, key_at);
            let key = match Key::find(written) {
                Some(key) if key.configurable => key,
                Some(key) => return Err(error(Problem::NotConfigurable { key: key.name }.to_string())),
                None => {
                    let unknown = Problem::UnknownKey { found: written.to_owned(), valid: Key::configurable_names() };
                    return Err(error(format!("{unknown} (column {at})")));
                }
            };
            if value.is_empty() {
                return Err(error(Problem::NeedsValue { key: key.name }.to_string()));
            }
            let duplicate = match key.value {
                ValueKind::Stop => config.stop.replace(value.to_owned()).is_some(),
                ValueKind::Wait => config.wait.replace(value.to_owned()).is_some(),
                ValueKind::Duration => {
                    let read = parse_duration(value).map_err(in_key(key.name))?;
                    let slot =
                        if key == retry_grammar::TIMEOUT { &mut config.timeout } else { &mut config.retry_after_max };
                    slot.replace(read).is_some()
                }
                ValueKind::Level => {
                    let level = value.parse().map_err(in_key(key.name))?;
                    config.log.replace(level).is_some()
                }
                ValueKind::Seed => {
                    let seed = parse_seed(value).map_err(in_key(key.name))?;
                    config.seed.replace(seed).is_some()
                }
                ValueKind::Patterns
                | ValueKind::Binding
                | ValueKind::Path
                | ValueKind::Code
                | ValueKind::Preset
                | ValueKind::Nesting => {
                    return Err(error(Problem::NotConfigurable { key: key.name }.to_string()));
                }
            };
            if duplicate {
                return Err(error(format!("{} (column {at})", Problem::DuplicateKey { key: key.name })));
            }
        }
        config.validate()?;
        Ok(config)
    }
}

/// A seed: a whole number below 2⁶⁴.
fn parse_seed(text: &str) -> Result<u64, PolicyError> {
    let digits = text.trim();
    let plain = !digits.is_empty()
        && digits.starts_with(|c: char| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_');
    plain
        .then(|| digits.replace('_', "").parse().ok())
        .flatten()
        .ok_or_else(|| error(format!("expected a whole number from 0 to {}, found `{}`", u64::MAX, snippet(digits))))
}

/// The `key = value, …` line that [`FromStr`] reads back to an equal config.
impl fmt::Display for PolicyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        let mut key = |f: &mut fmt::Formatter<'_>, name: &str| {
            let out = write!(f, "{sep}{name} = ");
            sep = ", ";
            out
        };
        if let Some(stop) = &self.stop {
            key(f, retry_grammar::STOP.name)?;
            f.write_str(stop)?;
        }
        if let Some(wait) = &self.wait {
            key(f, retry_grammar::WAIT.name)?;
            f.write_str(wait)?;
        }
        if let Some(max) = self.retry_after_max {
            key(f, retry_grammar::RETRY_AFTER_MAX.name)?;
            write!(f, "{}", Words(max))?;
        }
        if let Some(timeout) = self.timeout {
            key(f, retry_grammar::TIMEOUT.name)?;
            write!(f, "{}", Words(timeout))?;
        }
        if let Some(level) = self.log {
            key(f, retry_grammar::LOG.name)?;
            write!(f, "{level}")?;
        }
        if let Some(seed) = self.seed {
            key(f, retry_grammar::SEED.name)?;
            write!(f, "{seed}")?;
        }
        Ok(())
    }
}

/// A ready policy from the attribute's `key = value, …` line, as [`PolicyConfig`] reads it.
///
/// ```
/// use retry_runtime::RetryPolicy;
/// use retry_runtime::config::{BoxStop, BoxWait};
///
/// let policy: RetryPolicy<BoxStop, BoxWait> = "stop = attempts(3), wait = none".parse()?;
/// let mut calls = 0;
/// let out: Result<(), &str> = policy.retry_blocking(|| { calls += 1; Err("down") });
/// assert_eq!((out, calls), (Err("down"), 3));
/// # Ok::<(), retry_runtime::PolicyError>(())
/// ```
impl FromStr for RetryPolicy<BoxStop, BoxWait> {
    type Err = PolicyError;

    fn from_str(line: &str) -> Result<Self, PolicyError> {
        line.parse::<PolicyConfig>()?.build()
    }
}
