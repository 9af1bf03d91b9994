//! The herd simulation keeps the shape of the blog's figures, and a seed fixes its numbers.

use std::time::Duration;

use examples::herd::{Algorithm, Model, Summary, simulate, summarize};

const SEED: u64 = 2015;

fn at_100_clients() -> [Summary; 5] {
    Algorithm::ALL.map(|a| summarize(&Model::default(), a, 100, 20, SEED))
}

/// Guards the model itself: if it drifts from the blog's, this ordering is the first to go.
#[test]
fn jitter_ordering_at_100_clients_matches_the_blog() {
    let [none, exponential, full, equal, decorrelated] = at_100_clients();

    assert!(
        full.mean_calls < exponential.mean_calls / 2.0,
        "full jitter should make less than half the calls of exponential: {full:?} vs {exponential:?}"
    );
    let gap = (full.mean_calls - equal.mean_calls).abs() / full.mean_calls;
    assert!(gap < 0.1, "full and equal jitter should cost about the same: {full:?} vs {equal:?}");
    assert!(
        full.mean_calls < decorrelated.mean_calls && equal.mean_calls < decorrelated.mean_calls,
        "decorrelated jitter should cost more than full and equal: {decorrelated:?}"
    );
    assert!(
        exponential.mean_calls < none.mean_calls,
        "any backoff should beat none in calls: {exponential:?} vs {none:?}"
    );
    for other in [none, full, equal, decorrelated] {
        assert!(
            exponential.mean_completion > other.mean_completion,
            "exponential without jitter should finish last: {exponential:?} vs {other:?}"
        );
    }
}

/// Guards `--seed`: the same seed must print the same table and draw the same plot.
#[test]
fn a_seed_fixes_every_number() {
    let model = Model::default();
    for a in Algorithm::ALL {
        assert_eq!(simulate(&model, a, 50, 7), simulate(&model, a, 50, 7), "{a:?}");
    }
    assert_eq!(at_100_clients(), at_100_clients());
    assert_ne!(
        simulate(&model, Algorithm::FullJitter, 50, 7),
        simulate(&model, Algorithm::FullJitter, 50, 8),
        "another seed should give another run"
    );
}

/// Guards the event loop: a lone client never conflicts, so it writes on its first attempt
/// after four hops.
#[test]
fn a_lone_client_succeeds_at_once() {
    for a in Algorithm::ALL {
        let outcome = simulate(&Model::default(), a, 1, SEED);
        assert_eq!(outcome.calls, 1, "{a:?}");
        assert!(
            outcome.completion > Duration::from_millis(20) && outcome.completion < Duration::from_millis(60),
            "four hops of about 10 ms each: {outcome:?}"
        );
    }
}
