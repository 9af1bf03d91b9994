//! The fleet's one connection to Redis: every operation bounded in time, and the events that
//! say when the store goes away and when it comes back.

use core::time::Duration;
use std::sync::atomic::{AtomicBool, Ordering};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{FromRedisValue, Script, ScriptInvocation};

use super::FleetError;

/// The scripts, each sent once and then called by its digest (`EVALSHA`; the client loads
/// it again if a restarted server lost it).
pub(crate) struct Scripts {
    pub(crate) breaker: Script,
    pub(crate) budget: Script,
    pub(crate) gcra: Script,
    pub(crate) window: Script,
    pub(crate) delete: Script,
}

pub(crate) struct Store {
    connection: ConnectionManager,
    timeout: Duration,
    namespace: String,
    up: AtomicBool,
    pub(crate) scripts: Scripts,
}

impl Store {
    /// A lazy connection: nothing is sent until the first operation, so that making a fleet
    /// never waits on Redis.
    pub(crate) fn open(url: &str, namespace: &str, timeout: Duration) -> Result<Self, FleetError> {
        let client = redis::Client::open(url).map_err(|e| FleetError::Url(e.to_string()))?;
        // The manager reconnects on the next operation after an I/O error; our own timeout
        // bounds each operation, connecting included, so its retries are kept short.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(timeout);
        let connection =
            ConnectionManager::new_lazy_with_config(client, config).map_err(|e| FleetError::Url(e.to_string()))?;
        Ok(Self {
            connection,
            timeout,
            namespace: namespace.to_owned(),
            up: AtomicBool::new(true),
            scripts: Scripts {
                breaker: Script::new(include_str!("scripts/breaker.lua")),
                budget: Script::new(include_str!("scripts/budget.lua")),
                gcra: Script::new(include_str!("scripts/gcra.lua")),
                window: Script::new(include_str!("scripts/window.lua")),
                delete: Script::new("return redis.call('DEL', unpack(KEYS))"),
            },
        })
    }

    pub(crate) fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    /// Runs a script within the store's bound. A store that does not answer in time, or
    /// whose connection fails, is down: one event when that starts, one when it ends. A
    /// store that answers with an error or garbage is up; the caller's guard reports that.
    pub(crate) async fn eval<T: FromRedisValue>(&self, invocation: &ScriptInvocation<'_>) -> Result<T, StoreError> {
        let mut connection = self.connection.clone();
        let outcome = match tokio::time::timeout(self.timeout, invocation.invoke_async(&mut connection)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e))
                if e.is_io_error()
                    || e.is_timeout()
                    || e.is_connection_dropped()
                    || e.is_connection_refusal()
                    || e.is_unrecoverable_error() =>
            {
                Err(StoreError::Unreachable(e.to_string()))
            }
            Ok(Err(e)) => Err(StoreError::Garbage(e.to_string())),
            Err(_) => Err(StoreError::Unreachable(format!("no answer within {:?}", self.timeout))),
        };
        match &outcome {
            Ok(_) | Err(StoreError::Garbage(_)) => {
                if !self.up.swap(true, Ordering::AcqRel) {
                    tracing::info!(target: "retry", namespace = %self.namespace, "fleet store is back: sharing state again");
                }
            }
            Err(StoreError::Unreachable(e)) => {
                if self.up.swap(false, Ordering::AcqRel) {
                    tracing::warn!(
                        target: "retry", namespace = %self.namespace, error = %e,
                        "fleet store unreachable: going on with local state"
                    );
                }
            }
        }
        outcome
    }
}

/// Why an operation failed.
#[derive(Debug)]
pub(crate) enum StoreError {
    /// No answer in time, or no connection.
    Unreachable(String),
    /// An answer that is an error or cannot be read (a key of the wrong type, say).
    Garbage(String),
}

impl From<StoreError> for FleetError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unreachable(why) => Self::Store(why),
            StoreError::Garbage(why) => Self::Store(format!("unreadable answer: {why}")),
        }
    }
}

/// Whether one guard's shared state could be read at its last round: `false` after an
/// outage or an unreadable answer, when the guard decides with its local state alone. An
/// unreadable answer is reported once per guard (an outage once per store).
#[derive(Debug)]
pub(crate) struct Synced(AtomicBool);

impl Synced {
    pub(crate) const fn new() -> Self {
        Self(AtomicBool::new(true))
    }

    pub(crate) fn get(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// Records a round's outcome for the guard `kind` `name`, and turns it into the round's.
    pub(crate) fn record<T>(&self, outcome: Result<T, StoreError>, kind: &str, name: &str) -> Result<T, FleetError> {
        match outcome {
            Ok(value) => {
                if !self.0.swap(true, Ordering::AcqRel) {
                    tracing::info!(target: "retry", guard = kind, name, "fleet state readable again");
                }
                Ok(value)
            }
            Err(e) => {
                let was = self.0.swap(false, Ordering::AcqRel);
                if let (true, StoreError::Garbage(why)) = (was, &e) {
                    tracing::warn!(
                        target: "retry", guard = kind, name, error = %why,
                        "fleet state unreadable: going on with local state"
                    );
                }
                Err(e.into())
            }
        }
    }
}
