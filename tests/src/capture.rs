//! A `tracing` layer that writes every event down, for tests of the default events.
//!
//! Each test installs it as its thread's default subscriber, so tests running in parallel
//! never see each other's events.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::Registry;

/// One event as a subscriber saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The event's level.
    pub level: Level,
    /// The event's target.
    pub target: String,
    /// Every field, formatted.
    pub fields: BTreeMap<&'static str, String>,
}

/// A layer that writes every event down.
#[derive(Debug, Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<Recorded>>>);

impl Capture {
    /// Records the events of this thread until the guard is dropped.
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        let guard = tracing::subscriber::set_default(Registry::default().with(self.clone()));
        // Another test's thread may have cached the runtime's callsites as uninteresting
        // before this subscriber existed: ask every callsite again.
        tracing::callsite::rebuild_interest_cache();
        guard
    }
    /// The events recorded so far.
    pub fn events(&self) -> Vec<Recorded> {
        self.0.lock().unwrap().clone()
    }

    /// The levels of the events recorded so far.
    pub fn levels(&self) -> Vec<Level> {
        self.events().iter().map(|e| e.level).collect()
    }
}

struct Fields(BTreeMap<&'static str, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name(), format!("{value:?}"));
    }
}

impl<S: Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = Fields(BTreeMap::new());
        event.record(&mut fields);
        self.0.lock().unwrap().push(Recorded {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            fields: fields.0,
        });
    }
}

/// The event of one retry, as the runtime emits it.
pub fn retrying(level: Level, function: &str, attempt: u32, delay: &str, error: &str) -> Recorded {
    Recorded {
        level,
        target: "retry".into(),
        fields: BTreeMap::from([
            ("message", "attempt failed; retrying".to_owned()),
            ("function", function.to_owned()),
            ("attempt", attempt.to_string()),
            ("delay", delay.to_owned()),
            ("error", error.to_owned()),
        ]),
    }
}

/// The event of giving up because the stop condition is met.
pub fn giving_up(level: Level, function: &str, attempt: u32, error: &str) -> Recorded {
    Recorded {
        level,
        target: "retry".into(),
        fields: BTreeMap::from([
            ("message", "giving up".to_owned()),
            ("reason", "the stop condition is met".to_owned()),
            ("function", function.to_owned()),
            ("attempt", attempt.to_string()),
            ("error", error.to_owned()),
        ]),
    }
}
