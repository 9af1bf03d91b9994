//! `Deserialize` for [`PolicyConfig`] and a boxed [`RetryPolicy`] (feature `serde`): the
//! words are parsed and checked while deserializing, so a bad configuration fails there,
//! with this crate's message.

use core::fmt;
use core::time::Duration;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use super::{BoxStop, BoxWait, PolicyConfig, parse_duration};
use crate::{LogLevel, RetryPolicy};

/// The keys as they come, before they are checked together.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Keys {
    #[serde(default)]
    stop: Option<String>,
    #[serde(default)]
    wait: Option<String>,
    #[serde(default, deserialize_with = "read_retry_after_max")]
    retry_after_max: Option<Duration>,
    #[serde(default, deserialize_with = "read_timeout")]
    timeout: Option<Duration>,
    #[serde(default, deserialize_with = "read_log")]
    log: Option<LogLevel>,
    #[serde(default, deserialize_with = "read_hedge")]
    hedge: Option<Duration>,
    #[serde(default)]
    hedges: Option<u32>,
    #[serde(default)]
    seed: Option<u64>,
}

/// A duration: the attribute's words (`"250ms"`, `"1.5s"`), or a number of seconds.
struct DurationVisitor {
    key: &'static str,
}

impl<'de> Visitor<'de> for DurationVisitor {
    type Value = Option<Duration>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration such as \"250ms\" or \"1.5s\", or a number of seconds")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        parse_duration(text).map(Some).map_err(|err| E::custom(format_args!("`{}`: {err}", self.key)))
    }

    fn visit_u64<E: de::Error>(self, secs: u64) -> Result<Self::Value, E> {
        Ok(Some(Duration::from_secs(secs)))
    }

    fn visit_i64<E: de::Error>(self, secs: i64) -> Result<Self::Value, E> {
        u64::try_from(secs)
            .map_err(|_| E::custom(format_args!("`{}` cannot be negative, found {secs}", self.key)))
            .and_then(|secs| self.visit_u64(secs))
    }

    fn visit_f64<E: de::Error>(self, secs: f64) -> Result<Self::Value, E> {
        Duration::try_from_secs_f64(secs).map(Some).map_err(|_| {
            E::custom(format_args!("`{}` must be a finite, non-negative number of seconds, found {secs}", self.key))
        })
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

fn read_retry_after_max<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    d.deserialize_option(DurationVisitor { key: retry_grammar::RETRY_AFTER_MAX.name })
}

fn read_timeout<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    d.deserialize_option(DurationVisitor { key: retry_grammar::TIMEOUT.name })
}

/// `hedge`: the attribute's `after(D)`.
fn read_hedge<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|text| {
            super::parse_hedge(&text)
                .map_err(|err| de::Error::custom(format_args!("`{}`: {err}", retry_grammar::HEDGE.name)))
        })
        .transpose()
}

fn read_log<'de, D: Deserializer<'de>>(d: D) -> Result<Option<LogLevel>, D::Error> {
    Option::<String>::deserialize(d)?.map(|word| word.parse().map_err(de::Error::custom)).transpose()
}

/// A map of keys, or the whole `key = value, …` line as one string.
struct ConfigVisitor;

impl<'de> Visitor<'de> for ConfigVisitor {
    type Value = PolicyConfig;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a map of `stop`, `wait`, `retry_after_max`, `timeout`, `log`, `hedge`, `hedges` and `seed`, \
             or a string \"stop = …, wait = …\"",
        )
    }

    fn visit_str<E: de::Error>(self, line: &str) -> Result<Self::Value, E> {
        line.parse().map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let keys = Keys::deserialize(MapAccessDeserializer::new(map))?;
        let config = PolicyConfig {
            stop: keys.stop,
            wait: keys.wait,
            retry_after_max: keys.retry_after_max,
            timeout: keys.timeout,
            log: keys.log,
            hedge: keys.hedge,
            hedges: keys.hedges,
            seed: keys.seed,
        };
        config.validate().map_err(de::Error::custom)?;
        Ok(config)
    }
}

/// From a map of the keys (a TOML table, a JSON object) or from the attribute's
/// `key = value, …` line as one string; every key is checked as
/// [`build`](PolicyConfig::build) checks it, and an unknown key is an error.
///
/// Needs the `serde` feature.
///
/// Durations are the attribute's words (`"250ms"`) or numbers of seconds (`0.5`); `log`
/// is a level's name. Reading needs a self-describing format (JSON, TOML, YAML…).
///
/// ```
/// use retry_runtime::config::PolicyConfig;
/// use std::time::Duration;
///
/// let config: PolicyConfig = serde_json::from_str(r#"{
///     "stop": "attempts(5) | elapsed(30s)",
///     "wait": "exp_jitter(1s, 60s, 5s)",
///     "retry_after_max": "60s",
///     "timeout": 2.5,
///     "log": "warn"
/// }"#)?;
/// assert_eq!(config.timeout, Some(Duration::from_millis(2_500)));
///
/// let line: PolicyConfig = serde_json::from_str(r#""stop = attempts(5), wait = none""#)?;
/// assert_eq!(line.wait.as_deref(), Some("none"));
///
/// let err = serde_json::from_str::<PolicyConfig>(r#"{ "wait": "fixed(5sec)" }"#).unwrap_err();
/// assert!(err.to_string().starts_with("`wait`: unknown unit `sec` in `5sec`"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<'de> Deserialize<'de> for PolicyConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ConfigVisitor)
    }
}

/// A ready policy from the same keys as [`PolicyConfig`] ("a `RetryPolicy` can be
/// deserialized").
///
/// Needs the `serde` feature.
///
/// ```
/// use retry_runtime::RetryPolicy;
/// use retry_runtime::config::{BoxStop, BoxWait};
///
/// let policy: RetryPolicy<BoxStop, BoxWait> =
///     serde_json::from_str(r#"{ "stop": "attempts(2)", "wait": "none" }"#)?;
/// let out: Result<(), &str> = policy.retry_blocking(|| Err("down"));
/// assert_eq!(out, Err("down"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<'de> Deserialize<'de> for RetryPolicy<BoxStop, BoxWait> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        PolicyConfig::deserialize(d)?.build().map_err(de::Error::custom)
    }
}
