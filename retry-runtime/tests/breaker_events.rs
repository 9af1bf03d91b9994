//! `CircuitBreaker`'s `tracing` events: one per state change, none otherwise.
//!
//! Alone in its own test binary: `tracing` caches each callsite's interest process-wide, and
//! other tests hitting the breaker's callsites on other threads without a subscriber could
//! race that cache while this test's subscriber is installed.
#![cfg(not(retry_loom))] // loom's types only work inside `loom::model`

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use retry_runtime::CircuitBreaker;

const SECOND: Duration = Duration::from_secs(1);

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<HashMap<String, String>>>>);

struct Fields<'a>(&'a mut HashMap<String, String>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = HashMap::new();
        fields.insert("target".to_owned(), event.metadata().target().to_owned());
        fields.insert("level".to_owned(), event.metadata().level().to_string());
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(fields);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn every_state_change_emits_one_event_with_the_new_and_old_state() {
    // Guards the observability contract: one `retry` event per change, none otherwise.
    let recorder = Recorder::default();
    let breaker = CircuitBreaker::consecutive(2, SECOND).with_name("provider A");
    let t0 = Instant::now();
    tracing::subscriber::with_default(recorder.clone(), || {
        // Another test's thread may have cached these callsites as uninteresting before
        // this subscriber existed: ask every callsite again.
        tracing::callsite::rebuild_interest_cache();
        let at = |s: u64| t0 + Duration::from_secs(s);
        breaker.try_acquire(at(0)).unwrap().failure(at(0)); // no change
        breaker.try_acquire(at(0)).unwrap().failure(at(0)); // closed → open
        assert!(breaker.try_acquire(at(0)).is_err()); // no change
        breaker.try_acquire(at(1)).unwrap().success(at(1)); // → half-open → closed
        breaker.isolate(); // closed → open (isolated)
        breaker.isolate(); // no change
        breaker.reset(); // open → closed
        breaker.reset(); // no change
    });
    let events = recorder.0.lock().unwrap().clone();
    let seen: Vec<_> = events
        .iter()
        .map(|e| {
            assert_eq!(e["target"], "retry");
            assert_eq!(e["breaker"], "provider A");
            (e["old_state"].as_str(), e["new_state"].as_str(), e["isolated"].as_str(), e["level"].as_str())
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("closed", "open", "false", "WARN"),
            ("open", "half-open", "false", "INFO"),
            ("half-open", "closed", "false", "INFO"),
            ("closed", "open", "true", "WARN"),
            ("open", "closed", "false", "INFO"),
        ]
    );
}
