//! Properties over random inputs: every wait strategy stays within its formula's bounds
//! for any parameters and any attempt number up to `u32::MAX`; stop combinators obey their
//! algebra; the builder turns any configuration into a policy or an error, never a panic;
//! seeded jitter is reproducible.
//!
//! Case counts are modest so that the whole file runs in a few seconds.

use std::time::Duration;

use proptest::prelude::*;
use retry_runtime::stop::{Both, Either, Stop, StopContext, attempts, deadline, elapsed, never};
use retry_runtime::wait::{
    Wait, chain, decorrelated_jitter, equal_jitter, exp_jitter, exponential, fixed, full_jitter, incrementing, none,
    random,
};
use retry_runtime::{LogLevel, PolicyError, RetryPolicy};
use tests_integration::fake_clock::RecordingSleep;
use tests_integration::replay::{delay_at, delays};

// --- generators ---------------------------------------------------------------------------------

/// Durations from zero to `Duration::MAX`, with the everyday range well represented.
fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::MAX),
        (1u64..=10_000_000_000).prop_map(Duration::from_nanos),
        (0u64..=10_000_000, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
    ]
}

fn positive() -> impl Strategy<Value = Duration> {
    duration().prop_map(|d| d.max(Duration::from_nanos(1)))
}

/// `(lo, hi)` with `0 < lo <= hi`.
fn ordered() -> impl Strategy<Value = (Duration, Duration)> {
    (positive(), positive()).prop_map(|(a, b)| (a.min(b), a.max(b)))
}

/// Attempt numbers: the first few, any, and the very last ones.
fn attempt() -> impl Strategy<Value = u32> {
    prop_oneof![1u32..=70, any::<u32>().prop_map(|n| n.max(1)), (0u32..=8).prop_map(|k| u32::MAX - k),]
}

fn nanos(d: Duration) -> u128 {
    d.as_nanos()
}

/// `min(initial · 2^(n−1), max)` in exact integer arithmetic.
fn doubled_exact(initial: Duration, n: u32, max: Duration) -> u128 {
    let shift = n.saturating_sub(1);
    let grown = if shift >= 128 { None } else { nanos(initial).checked_mul(1u128 << shift) };
    grown.map_or(nanos(max), |g| g.min(nanos(max)))
}

/// Whether `got` is `expected` give or take the rounding of a float computation.
fn close(got: Duration, expected: u128) -> bool {
    let got = nanos(got);
    got.abs_diff(expected) <= 1 + expected / 1_000_000_000_000
}

// --- wait strategies: bounds for any parameters and attempt ------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // none and fixed are constant, at any attempt.
    #[test]
    fn constant_strategies_are_constant(d in duration(), n in attempt(), seed in any::<u64>()) {
        prop_assert_eq!(delay_at(&none(), seed, n), Duration::ZERO);
        prop_assert_eq!(delay_at(&fixed(d), seed, n), d);
    }

    // random(MIN, MAX) is within [MIN, MAX].
    #[test]
    fn random_stays_within_min_max((lo, hi) in ordered(), n in attempt(), seed in any::<u64>()) {
        let d = delay_at(&random(lo, hi), seed, n);
        prop_assert!(lo <= d && d <= hi, "{:?} not in [{:?}, {:?}]", d, lo, hi);
    }

    // exponential(I, MAX) is min(I·2^(n−1), MAX): exactly while the doubling is integer
    // arithmetic, to float rounding beyond, and never decreasing from one attempt to the next.
    #[test]
    fn exponential_is_capped_doubling((i, max) in ordered(), n in attempt()) {
        let w = exponential(i, max);
        prop_assert!(w.validate().is_ok());
        let d = delay_at(&w, 0, n);
        prop_assert!(i <= d && d <= max, "{:?} not in [{:?}, {:?}]", d, i, max);
        let expected = doubled_exact(i, n, max);
        if n <= 32 {
            prop_assert_eq!(nanos(d), expected);
        } else {
            prop_assert!(close(d, expected), "{:?} vs {} ns", d, expected);
        }
        if n < u32::MAX {
            prop_assert!(d <= delay_at(&w, 0, n + 1), "decreased after attempt {}", n);
        }
    }

    // exponential with any valid base stays within [I, MAX].
    #[test]
    fn exponential_with_any_base_stays_within_initial_and_max(
        (i, max) in ordered(),
        base in prop_oneof![Just(1.0), 1.0f64..=16.0, 16.0f64..=1e6],
        n in attempt(),
    ) {
        let w = exponential(i, max).with_base(base);
        prop_assert!(w.validate().is_ok());
        let d = delay_at(&w, 0, n);
        prop_assert!(i <= d && d <= max, "{:?} not in [{:?}, {:?}] (base {})", d, i, max, base);
    }

    // exp_jitter is within [min(I·2^(n−1), MAX), min(I·2^(n−1) + J, MAX)].
    #[test]
    fn exp_jitter_stays_within_tenacity_bounds(
        (i, max) in ordered(),
        jitter in duration(),
        n in attempt(),
        seed in any::<u64>(),
    ) {
        let d = delay_at(&exp_jitter(i, max, jitter), seed, n);
        let grown = delay_at(&exponential(i, Duration::MAX), 0, n);
        let (lo, hi) = (grown.min(max), grown.saturating_add(jitter).min(max));
        prop_assert!(lo <= d && d <= hi, "{:?} not in [{:?}, {:?}]", d, lo, hi);
    }

    // full_jitter is within [0, v] and equal_jitter within [v/2, v], v = min(CAP, B·2^(n−1)).
    #[test]
    fn full_and_equal_jitter_stay_within_bounds(
        (base, cap) in ordered(),
        n in attempt(),
        seed in any::<u64>(),
    ) {
        let v = delay_at(&exponential(base, cap), 0, n);
        let full = delay_at(&full_jitter(base, cap), seed, n);
        prop_assert!(full <= v, "full {:?} above {:?}", full, v);
        let equal = delay_at(&equal_jitter(base, cap), seed, n);
        prop_assert!(v / 2 <= equal && equal <= v, "equal {:?} not in [v/2, {:?}]", equal, v);
    }

    // decorrelated_jitter is within [B, min(CAP, 3·previous)], whatever came before.
    #[test]
    fn decorrelated_jitter_stays_within_bounds(
        (base, cap) in ordered(),
        previous in duration(),
        n in attempt(),
        seed in any::<u64>(),
    ) {
        let mut rng = retry_runtime::wait::RetryRng::seeded(seed);
        let mut ctx = retry_runtime::wait::WaitContext::new(n, previous, &mut rng);
        let d = decorrelated_jitter(base, cap).delay(&mut ctx);
        let hi = previous.max(base).saturating_mul(3).min(cap);
        prop_assert!(base <= d && d <= hi, "{:?} not in [{:?}, {:?}]", d, base, hi);
    }

    // incrementing is exactly min(START + STEP·(n−1), MAX).
    #[test]
    fn incrementing_is_capped_linear_growth(
        start in duration(),
        step in duration(),
        max in duration(),
        n in attempt(),
    ) {
        let max = max.max(start);
        let d = delay_at(&incrementing(start, step, max), 0, n);
        let expected = (nanos(start) + nanos(step) * u128::from(n - 1)).min(nanos(max));
        prop_assert_eq!(nanos(d), expected);
    }

    // chain gives each strategy's own delay in turn, then the last one's; a sum saturates.
    #[test]
    fn chain_and_sum_compose_their_parts(
        a in duration(),
        b in duration(),
        (i, max) in ordered(),
        n in attempt(),
    ) {
        let last = exponential(i, max);
        let d = delay_at(&chain((fixed(a), fixed(b), last)), 0, n);
        let expected = match n {
            1 => a,
            2 => b,
            _ => delay_at(&last, 0, n),
        };
        prop_assert_eq!(d, expected);
        prop_assert_eq!(delay_at(&(fixed(a) + fixed(b)), 0, n), a.saturating_add(b));
    }

    // Seeded jitter is reproducible: the same seed draws the same delays, alone or through
    // a policy's blocking call.
    #[test]
    fn seeded_jitter_is_reproducible(
        (base, cap) in ordered(),
        jitter in duration(),
        seed in any::<u64>(),
    ) {
        let w = full_jitter(base, cap)
            + equal_jitter(base, cap)
            + exp_jitter(base, cap, jitter)
            + decorrelated_jitter(base, cap)
            + random(base, cap);
        let first = delays(&w, seed, 6);
        prop_assert_eq!(&first, &delays(&w, seed, 6));
        let sleeper = RecordingSleep::new();
        let policy = RetryPolicy::builder()
            .stop(attempts(7))
            .wait(w)
            .seed(seed)
            .sleeper(&sleeper)
            .log(LogLevel::Off)
            .build()
            .unwrap();
        let _: Result<(), &str> = policy.retry_blocking(|| Err("down"));
        let recorded: Vec<Duration> = first.into_iter().filter(|d| !d.is_zero()).collect();
        prop_assert_eq!(sleeper.delays(), recorded);
    }
}

// --- stop conditions: the algebra ---------------------------------------------------------------

/// A stop condition as plain data, with the meaning the spec gives it.
#[derive(Debug, Clone)]
enum StopTree {
    Attempts(u32),
    Elapsed(Duration),
    Deadline(Duration),
    Never,
    Or(Box<StopTree>, Box<StopTree>),
    And(Box<StopTree>, Box<StopTree>),
}

impl StopTree {
    /// The spec's words, evaluated directly.
    fn stops(&self, ctx: &StopContext) -> bool {
        match self {
            Self::Attempts(n) => ctx.attempts() >= *n,
            Self::Elapsed(limit) => ctx.elapsed() >= *limit,
            Self::Deadline(limit) => ctx.elapsed().saturating_add(ctx.next_delay()) > *limit,
            Self::Never => false,
            Self::Or(a, b) => a.stops(ctx) || b.stops(ctx),
            Self::And(a, b) => a.stops(ctx) && b.stops(ctx),
        }
    }

    /// The runtime's value for it, built with the public combinator types.
    fn build(&self) -> Box<dyn Stop> {
        match self {
            Self::Attempts(n) => Box::new(attempts(*n)),
            Self::Elapsed(d) => Box::new(elapsed(*d)),
            Self::Deadline(d) => Box::new(deadline(*d)),
            Self::Never => Box::new(never()),
            Self::Or(a, b) => Box::new(Either(a.build(), b.build())),
            Self::And(a, b) => Box::new(Both(a.build(), b.build())),
        }
    }

    fn needs_clock(&self) -> bool {
        match self {
            Self::Elapsed(_) | Self::Deadline(_) => true,
            Self::Attempts(_) | Self::Never => false,
            Self::Or(a, b) | Self::And(a, b) => a.needs_clock() || b.needs_clock(),
        }
    }
}

fn small_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![(0u64..=20).prop_map(Duration::from_secs), duration(),]
}

fn stop_tree() -> impl Strategy<Value = StopTree> {
    let leaf = prop_oneof![
        (0u32..=10).prop_map(StopTree::Attempts),
        small_duration().prop_map(StopTree::Elapsed),
        small_duration().prop_map(StopTree::Deadline),
        Just(StopTree::Never),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| StopTree::Or(a.into(), b.into())),
            (inner.clone(), inner).prop_map(|(a, b)| StopTree::And(a.into(), b.into())),
        ]
    })
}

fn stop_context() -> impl Strategy<Value = StopContext> {
    (prop_oneof![1u32..=12, any::<u32>()], small_duration(), small_duration())
        .prop_map(|(n, elapsed, next)| StopContext::new(n, elapsed, next))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // Any tree of `|` and `&` stops exactly when the spec's words say: `a | b` iff either,
    // `a & b` iff both; and it reads the clock iff some leaf is time-based.
    #[test]
    fn stop_trees_follow_the_spec(tree in stop_tree(), ctx in stop_context()) {
        let stop = tree.build();
        prop_assert_eq!(stop.should_stop(&ctx), tree.stops(&ctx), "{:?} at {:?}", tree, ctx);
        prop_assert_eq!(stop.needs_clock(), tree.needs_clock());
    }

    // The operators build the combinators: `a | b` is `Either(a, b)`, `a & b` is
    // `Both(a, b)`, and they are commutative, with `never` the identity of `|` and the
    // absorbing element of `&`.
    #[test]
    fn operators_obey_the_algebra(
        n in 0u32..=10,
        limit in small_duration(),
        cutoff in small_duration(),
        ctx in stop_context(),
    ) {
        let (a, b, c) = (attempts(n), elapsed(limit), deadline(cutoff));
        prop_assert_eq!(a | b, Either(a, b));
        prop_assert_eq!(a & c, Both(a, c));
        let stops = |s: &dyn Stop| s.should_stop(&ctx);
        prop_assert_eq!(stops(&(a | b)), stops(&a) || stops(&b));
        prop_assert_eq!(stops(&(a & b)), stops(&a) && stops(&b));
        prop_assert_eq!(stops(&(a | b)), stops(&(b | a)));
        prop_assert_eq!(stops(&(a & c)), stops(&(c & a)));
        prop_assert_eq!(stops(&((a | b) | c)), stops(&(a | (b | c))));
        prop_assert_eq!(stops(&((a & b) & c)), stops(&(a & (b & c))));
        prop_assert_eq!(stops(&(a | (b & c))), stops(&((a | b) & (a | c))));
        prop_assert_eq!(stops(&(a | never())), stops(&a));
        prop_assert!(!stops(&(b & never())));
    }
}

// --- the builder: any configuration, never a panic ----------------------------------------------

/// A wait strategy as plain data, valid or not.
#[derive(Debug, Clone)]
enum WaitSpec {
    Fixed(Duration),
    Random(Duration, Duration),
    Exponential(Duration, Duration, f64),
    ExpJitter(Duration, Duration, Duration),
    FullJitter(Duration, Duration),
    EqualJitter(Duration, Duration),
    Decorrelated(Duration, Duration),
    Incrementing(Duration, Duration, Duration),
    Chain(Vec<WaitSpec>),
}

impl WaitSpec {
    fn build(&self) -> Box<dyn Wait> {
        match self.clone() {
            Self::Fixed(d) => Box::new(fixed(d)),
            Self::Random(a, b) => Box::new(random(a, b)),
            Self::Exponential(i, m, base) => Box::new(exponential(i, m).with_base(base)),
            Self::ExpJitter(i, m, j) => Box::new(exp_jitter(i, m, j)),
            Self::FullJitter(b, c) => Box::new(full_jitter(b, c)),
            Self::EqualJitter(b, c) => Box::new(equal_jitter(b, c)),
            Self::Decorrelated(b, c) => Box::new(decorrelated_jitter(b, c)),
            Self::Incrementing(s, st, m) => Box::new(incrementing(s, st, m)),
            Self::Chain(list) => Box::new(chain(list.iter().map(Self::build).collect::<Vec<_>>())),
        }
    }

    /// The first rule of spec §6 this configuration breaks, if any.
    fn error(&self) -> Option<PolicyError> {
        let exceeds = |strategy, initial: Duration, max: Duration| {
            (initial > max).then_some(PolicyError::InitialExceedsMax { strategy, initial, max })
        };
        let zero = |what, d: Duration| d.is_zero().then_some(PolicyError::ZeroDuration { what });
        match self {
            Self::Fixed(_) => None,
            Self::Random(a, b) => exceeds("random", *a, *b),
            Self::Exponential(i, m, base) => zero("exponential", *i)
                .or_else(|| exceeds("exponential", *i, *m))
                .or_else(|| (!(base.is_finite() && *base >= 1.0)).then_some(PolicyError::InvalidBase { base: *base })),
            Self::ExpJitter(i, m, _) => zero("exp_jitter", *i).or_else(|| exceeds("exp_jitter", *i, *m)),
            Self::FullJitter(b, c) => zero("full_jitter", *b).or_else(|| exceeds("full_jitter", *b, *c)),
            Self::EqualJitter(b, c) => zero("equal_jitter", *b).or_else(|| exceeds("equal_jitter", *b, *c)),
            Self::Decorrelated(b, c) => {
                zero("decorrelated_jitter", *b).or_else(|| exceeds("decorrelated_jitter", *b, *c))
            }
            Self::Incrementing(s, _, m) => exceeds("incrementing", *s, *m),
            Self::Chain(list) if list.is_empty() => Some(PolicyError::EmptyChain),
            Self::Chain(list) => list.iter().find_map(Self::error),
        }
    }
}

fn tiny_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![Just(Duration::ZERO), (0u64..=5).prop_map(Duration::from_secs), duration(),]
}

fn wait_spec() -> impl Strategy<Value = WaitSpec> {
    let d = tiny_duration;
    let base =
        prop_oneof![Just(2.0), Just(1.0), Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY), -4.0f64..4.0,];
    let leaf = prop_oneof![
        d().prop_map(WaitSpec::Fixed),
        (d(), d()).prop_map(|(a, b)| WaitSpec::Random(a, b)),
        (d(), d(), base).prop_map(|(i, m, b)| WaitSpec::Exponential(i, m, b)),
        (d(), d(), d()).prop_map(|(i, m, j)| WaitSpec::ExpJitter(i, m, j)),
        (d(), d()).prop_map(|(b, c)| WaitSpec::FullJitter(b, c)),
        (d(), d()).prop_map(|(b, c)| WaitSpec::EqualJitter(b, c)),
        (d(), d()).prop_map(|(b, c)| WaitSpec::Decorrelated(b, c)),
        (d(), d(), d()).prop_map(|(s, st, m)| WaitSpec::Incrementing(s, st, m)),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| prop::collection::vec(inner, 0..=3).prop_map(WaitSpec::Chain))
}

/// The first rule a stop tree breaks, left to right.
fn stop_error(tree: &StopTree) -> Option<PolicyError> {
    match tree {
        StopTree::Attempts(0) => Some(PolicyError::ZeroAttempts),
        StopTree::Elapsed(d) if d.is_zero() => Some(PolicyError::ZeroDuration { what: "elapsed" }),
        StopTree::Deadline(d) if d.is_zero() => Some(PolicyError::ZeroDuration { what: "deadline" }),
        StopTree::Or(a, b) | StopTree::And(a, b) => stop_error(a).or_else(|| stop_error(b)),
        _ => None,
    }
}

/// The time by which a stop tree is sure to have stopped the call, if it is bounded.
fn bound(tree: &StopTree) -> Option<Duration> {
    match tree {
        StopTree::Deadline(d) => Some(*d),
        StopTree::Or(a, b) => match (bound(a), bound(b)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        },
        StopTree::And(a, b) => Some(bound(a)?.max(bound(b)?)),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // Any configuration builds or is refused with the first rule it breaks; never a panic.
    #[test]
    fn builder_refuses_exactly_the_invalid_configurations(
        stop in stop_tree(),
        wait in wait_spec(),
        timeout in proptest::option::of(tiny_duration()),
    ) {
        let builder = RetryPolicy::builder().stop(stop.build()).wait(wait.build());
        let got = match timeout {
            Some(t) => builder.timeout(t).build().err(),
            None => builder.build().err(),
        };
        let expected = stop_error(&stop).or_else(|| wait.error()).or_else(|| {
            let t = timeout?;
            if t.is_zero() {
                return Some(PolicyError::ZeroDuration { what: "timeout" });
            }
            let deadline = bound(&stop)?;
            (t > deadline).then_some(PolicyError::TimeoutExceedsDeadline { timeout: t, deadline })
        });
        // Debug, not PartialEq, so that a NaN base compares equal to itself
        prop_assert_eq!(format!("{got:?}"), format!("{expected:?}"), "{:?} / {:?}", stop, wait);
    }

    // Whatever the builder accepts can be asked for delays at any attempt without panicking.
    #[test]
    fn any_wait_strategy_answers_at_any_attempt(
        wait in wait_spec(),
        n in attempt(),
        previous in duration(),
        seed in any::<u64>(),
    ) {
        let w = wait.build();
        let mut rng = retry_runtime::wait::RetryRng::seeded(seed);
        let _ = w.delay(&mut retry_runtime::wait::WaitContext::new(n, previous, &mut rng));
    }
}
