//! A `tracing` subscriber that reads the breaker from inside its state-change event, as a
//! metrics layer exporting the breaker's state as a gauge does. Its own test binary: it
//! installs a global subscriber.
#![cfg(not(retry_loom))] // loom's types only work inside `loom::model`

use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use retry_runtime::{BreakerState, CircuitBreaker};

static BREAKER: CircuitBreaker = CircuitBreaker::consecutive(1, Duration::from_secs(1));
static SEEN: Mutex<Vec<BreakerState>> = Mutex::new(Vec::new());

/// Reads `BREAKER.state()` on every event.
struct ReadsTheBreaker;

impl tracing::Subscriber for ReadsTheBreaker {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {
        SEEN.lock().unwrap().push(BREAKER.state());
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn a_subscriber_reading_the_breaker_in_its_event_does_not_deadlock() {
    // Guards the rule that no event is emitted under the breaker's lock: the state-change
    // event once was, and a subscriber calling `state()` hung every caller.
    tracing::subscriber::set_global_default(ReadsTheBreaker).unwrap();
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let t0 = Instant::now();
        BREAKER.try_acquire(t0).unwrap().failure(t0); // opens
        let t1 = t0 + Duration::from_secs(1);
        let probe = BREAKER.try_acquire(t1).unwrap(); // half-open
        probe.success(t1); // closes
        BREAKER.isolate();
        BREAKER.reset();
        done.send(()).unwrap();
    });
    finished.recv_timeout(Duration::from_secs(10)).expect("a state change deadlocked on the subscriber's read");
    // Each event read the state it announced: the lock was released, the change made.
    assert_eq!(
        *SEEN.lock().unwrap(),
        [BreakerState::Open, BreakerState::HalfOpen, BreakerState::Closed, BreakerState::Open, BreakerState::Closed]
    );
}
