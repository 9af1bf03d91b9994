//! `RetryPolicyBuilder` drops every key it owns exactly once: a key replaced by a setter, a
//! builder dropped unbuilt or by a failing `build`, and a built policy. Guards against the
//! leaks of a builder that held its keys in `ManuallyDrop` for its `const` setters.
#![cfg(not(retry_loom))] // loom's types only work inside `loom::model`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use retry_runtime::config::{BoxStop, PolicyConfig};
use retry_runtime::hooks::Hooks;
use retry_runtime::sleep::Execution;
use retry_runtime::stop::{Stop, StopContext, attempts};
use retry_runtime::wait::{Wait, WaitContext};
use retry_runtime::{PolicyError, RetryPolicy, RetryPolicyBuilder};

/// A key that counts its drops in the counter it shares with the test.
#[derive(Debug)]
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Stop for Counted {
    fn should_stop(&self, _: &StopContext) -> bool {
        true
    }
}

impl Wait for Counted {
    fn delay(&self, _: &mut WaitContext<'_>) -> Duration {
        Duration::ZERO
    }
}

/// One test's counter of drops, and the keys that count into it.
#[derive(Default)]
struct Drops(Arc<AtomicUsize>);

impl Drops {
    fn key(&self) -> Counted {
        Counted(Arc::clone(&self.0))
    }

    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// A builder whose every key that may own memory counts its drops.
type AllCounted = RetryPolicyBuilder<
    Counted,
    Counted,
    Counted,
    Counted,
    Counted,
    Execution<Counted>,
    Hooks<Counted, Counted, Counted, Counted>,
>;

/// How many keys an `AllCounted` holds.
const KEYS: usize = 10;

fn all_counted(drops: &Drops) -> AllCounted {
    // Every key set here replaces a default, which owns nothing to drop.
    RetryPolicy::builder()
        .stop(drops.key())
        .wait(drops.key())
        .when(drops.key())
        .when_ok(drops.key())
        .retry_after(drops.key())
        .before(drops.key())
        .after(drops.key())
        .before_sleep(drops.key())
        .on_give_up(drops.key())
        .sleeper(drops.key())
}

#[test]
fn replacing_each_key_drops_the_one_replaced_exactly_once() {
    let drops = Drops::default();
    let mut builder = all_counted(&drops);
    assert_eq!(drops.count(), 0, "setting a key over a default drops nothing counted");
    let setters: [(&str, fn(AllCounted, Counted) -> AllCounted); KEYS] = [
        ("stop", |b, key| b.stop(key)),
        ("wait", |b, key| b.wait(key)),
        ("when", |b, key| b.when(key)),
        ("when_ok", |b, key| b.when_ok(key)),
        ("retry_after", |b, key| b.retry_after(key)),
        ("before", |b, key| b.before(key)),
        ("after", |b, key| b.after(key)),
        ("before_sleep", |b, key| b.before_sleep(key)),
        ("on_give_up", |b, key| b.on_give_up(key)),
        ("sleeper", |b, key| b.sleeper(key)),
    ];
    for (replaced, (name, set)) in setters.into_iter().enumerate() {
        builder = set(builder, drops.key());
        assert_eq!(drops.count(), replaced + 1, "`{name}` drops the key it replaces, once");
    }
    drop(builder);
    assert_eq!(drops.count(), 2 * KEYS, "the builder drops the keys it holds, once");
}

#[test]
fn dropping_an_unbuilt_builder_drops_every_key_once() {
    let drops = Drops::default();
    drop(all_counted(&drops));
    assert_eq!(drops.count(), KEYS);
}

#[test]
fn a_failing_build_drops_every_key_once() {
    // The first check (`stop`) and the last (`timeout`) fail: every key is dropped either way.
    let drops = Drops::default();
    let first = all_counted(&drops).stop(attempts(0)).build().map(drop);
    assert_eq!(first, Err(PolicyError::ZeroAttempts));
    assert_eq!(drops.count(), KEYS, "the replaced stop and the 9 other keys");
    let last = all_counted(&drops).timeout(Duration::ZERO).build().map(drop);
    assert_eq!(last, Err(PolicyError::ZeroDuration { what: "timeout" }));
    assert_eq!(drops.count(), 2 * KEYS);
}

#[test]
fn a_built_policy_drops_every_key_once_and_into_builder_drops_none() {
    let drops = Drops::default();
    let policy = all_counted(&drops).build().unwrap();
    assert_eq!(drops.count(), 0, "building moves the keys into the policy");
    let policy = policy.into_builder().build().unwrap();
    assert_eq!(drops.count(), 0, "`into_builder` then `build` moves them out and back");
    drop(policy);
    assert_eq!(drops.count(), KEYS);
}

#[test]
fn config_builder_drops_the_boxed_stop_it_replaces() {
    // `PolicyConfig::builder()` sets boxed strategies; a user's `stop` replaces one.
    let drops = Drops::default();
    let boxed = |drops: &Drops| -> BoxStop { Box::new(drops.key()) };
    let builder = PolicyConfig::default().builder().unwrap().stop(boxed(&drops));
    assert_eq!(drops.count(), 0);
    let policy = builder.stop(boxed(&drops)).build().unwrap();
    assert_eq!(drops.count(), 1, "the replaced box and what it holds are dropped");
    drop(policy);
    assert_eq!(drops.count(), 2);
}
