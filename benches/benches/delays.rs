//! The delay each wait strategy computes after attempt 3, with the generator a call makes
//! for it: nanoseconds per delay.
//!
//! `CARGO_BUILD_JOBS=2 cargo bench -p benches --bench delays`

use std::time::Duration;

use divan::black_box;
use retry_runtime::wait::{self, RetryRng, Wait, WaitContext};

fn main() {
    benches::warm_up();
    divan::main();
}

const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// One delay of `strategy` after attempt 3, the previous delay 2 s, jitter from the thread.
fn delay(strategy: &impl Wait) -> Duration {
    let mut rng = RetryRng::from_entropy();
    black_box(strategy).delay(&mut WaitContext::new(black_box(3), secs(2), &mut rng))
}

macro_rules! strategies {
    ($($name:ident: $strategy:expr;)*) => {$(
        #[divan::bench]
        fn $name() -> Duration {
            delay(&$strategy)
        }
    )*};
}

strategies! {
    none: wait::none();
    fixed: wait::fixed(secs(1));
    random: wait::random(Duration::ZERO, secs(1));
    exponential: wait::exponential(secs(1), secs(60));
    exponential_base_1_5: wait::exponential(secs(1), secs(60)).with_base(1.5);
    exp_jitter: wait::exp_jitter(secs(1), secs(60), secs(5));
    full_jitter: wait::full_jitter(secs(1), secs(60));
    equal_jitter: wait::equal_jitter(secs(1), secs(60));
    decorrelated_jitter: wait::decorrelated_jitter(secs(1), secs(60));
    incrementing: wait::incrementing(secs(1), secs(1), secs(60));
    chain: wait::chain((wait::fixed(secs(1)), wait::fixed(secs(2)), wait::exponential(secs(4), secs(60))));
    fixed_plus_random: wait::fixed(secs(1)) + wait::random(Duration::ZERO, secs(1));
}

/// `exp_jitter` with a seeded generator, as a policy with `.seed(…)` makes for each delay.
#[divan::bench]
fn exp_jitter_seeded() -> Duration {
    let mut rng = RetryRng::seeded(black_box(42));
    black_box(wait::exp_jitter(secs(1), secs(60), secs(5))).delay(&mut WaitContext::new(
        black_box(3),
        secs(2),
        &mut rng,
    ))
}
