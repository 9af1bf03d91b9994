//! Every wait strategy: its exact delays under a fixed seed, its envelope over many seeds,
//! and attempt numbers up to `u32::MAX`.
//!
//! Exact sequences were computed once from the code and checked by hand against the
//! formulas of the spec (§3 `wait`); they also pin the jitter generator, so a change of
//! generator or of the way it is drawn from shows up here.

use std::time::Duration;

use retry_runtime::wait::{
    Wait, chain, decorrelated_jitter, equal_jitter, exp_jitter, exponential, fixed, full_jitter, incrementing, none,
    random,
};
use tests_integration::replay::{delay_at, delays};

const SEEDS: u64 = 1000;
const ATTEMPTS: u32 = 20;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

fn nanos(list: &[u64]) -> Vec<Duration> {
    list.iter().copied().map(Duration::from_nanos).collect()
}

/// `initial · 2^(n−1)` capped at `max`, computed independently of the runtime's `grow`.
fn doubled(initial: Duration, n: u32, max: Duration) -> Duration {
    initial.checked_mul(1u32.checked_shl(n - 1).unwrap_or(u32::MAX)).map_or(max, |d| d.min(max))
}

/// Attempt numbers around every boundary of the growth arithmetic, up to `u32::MAX`.
const HUGE_ATTEMPTS: [u32; 14] =
    [31, 32, 33, 34, 63, 64, 65, 1023, 1024, 1025, i32::MAX as u32, 1 << 31, u32::MAX - 1, u32::MAX];

// --- exact sequences under seed 42 ---------------------------------------------------------

// `none` must never sleep, whatever the attempt.
#[test]
fn none_waits_zero_at_every_attempt() {
    assert_eq!(delays(&none(), 42, 5), [Duration::ZERO; 5]);
    assert_eq!(delay_at(&none(), 42, u32::MAX), Duration::ZERO);
}

// `fixed(D)` must give D every time, D included at the last possible attempt.
#[test]
fn fixed_gives_the_same_delay_every_time() {
    assert_eq!(delays(&fixed(ms(250)), 42, 5), [ms(250); 5]);
    assert_eq!(delay_at(&fixed(ms(250)), 7, u32::MAX), ms(250));
}

// `random(MIN, MAX)` under a seed is reproducible and uniform within [MIN, MAX].
#[test]
fn random_seeded_sequence_is_exact_and_within_min_max() {
    let w = random(secs(1), secs(2));
    let got = delays(&w, 42, 6);
    let expected = nanos(&[1_814_305_145, 1_318_821_040, 1_983_894_169, 1_701_135_598, 1_793_504_490, 1_588_098_467]);
    assert_eq!(got, expected);
    assert!(got.iter().all(|d| (secs(1)..=secs(2)).contains(d)));
}

// `exponential(1, 60)`: 1, 2, 4, … then held at 60 (spec: min(INITIAL·2^(n−1), MAX)).
#[test]
fn exponential_doubles_from_initial_then_holds_at_max() {
    let w = exponential(secs(1), secs(60));
    let got = delays(&w, 42, 8);
    assert_eq!(got, [1, 2, 4, 8, 16, 32, 60, 60].map(secs), "hand-checked: 2^0 … 2^5, then 64 capped to 60");
    let formula: Vec<_> = (1..=8).map(|n| doubled(secs(1), n, secs(60))).collect();
    assert_eq!(got, formula);
}

// `with_base` replaces 2 by another base, fractional ones included, still capped.
#[test]
fn exponential_with_base_grows_by_that_base() {
    let w = exponential(secs(2), secs(60)).with_base(1.5);
    assert_eq!(
        delays(&w, 42, 9),
        nanos(&[
            2_000_000_000,  // 2·1.5^0
            3_000_000_000,  // 2·1.5^1
            4_500_000_000,  // 2·1.5^2
            6_750_000_000,  // 2·1.5^3
            10_125_000_000, // 2·1.5^4
            15_187_500_000, // 2·1.5^5
            22_781_250_000, // 2·1.5^6
            34_171_875_000, // 2·1.5^7
            51_257_812_500, // 2·1.5^8
        ])
    );
    let w = exponential(secs(1), secs(100)).with_base(3.0);
    assert_eq!(delays(&w, 42, 6), [1, 3, 9, 27, 81, 100].map(secs));
    let w = exponential(secs(5), secs(100)).with_base(1.0);
    assert_eq!(delays(&w, 42, 4), [secs(5); 4], "base 1 never grows");
}

// `exp_jitter(1, 60, 5)`: the exact seeded sequence, each within Tenacity's bounds.
#[test]
fn exp_jitter_seeded_sequence_is_exact_and_within_tenacity_bounds() {
    let (initial, max, jitter) = (secs(1), secs(60), secs(5));
    let got = delays(&exp_jitter(initial, max, jitter), 42, 8);
    assert_eq!(
        got,
        nanos(&[
            5_071_525_726,  // 1 + 4.07
            3_594_105_200,  // 2 + 1.59
            8_919_470_841,  // 4 + 4.92
            11_505_677_991, // 8 + 3.51
            19_967_522_449, // 16 + 3.97
            34_940_492_332, // 32 + 2.94
            60_000_000_000, // 64 + … capped
            60_000_000_000,
        ])
    );
    for (n, d) in (1..).zip(&got) {
        let lo = doubled(initial, n, max);
        let hi = (doubled(initial, n, Duration::MAX) + jitter).min(max);
        assert!((lo..=hi).contains(d), "attempt {n}: {d:?} not in [{lo:?}, {hi:?}]");
    }
}

// exp_jitter is exactly Tenacity's `wait_exponential_jitter`: min(I·2^(n−1) + U(0, J), MAX),
// where U(0, J) is the very draw `random(0, J)` makes from the same seed.
#[test]
fn exp_jitter_is_exactly_exponential_plus_uniform_jitter_then_capped() {
    let (initial, max, jitter) = (ms(100), secs(30), secs(2));
    let w = exp_jitter(initial, max, jitter);
    let uncapped = exponential(initial, Duration::MAX);
    let uniform = random(Duration::ZERO, jitter);
    for seed in 0..SEEDS {
        for n in 1..=ATTEMPTS {
            let tenacity = (delay_at(&uncapped, seed, n) + delay_at(&uniform, seed, n)).min(max);
            assert_eq!(delay_at(&w, seed, n), tenacity, "seed {seed}, attempt {n}");
        }
    }
}

// `full_jitter(1, 60)`: the exact seeded sequence, each in [0, min(CAP, BASE·2^(n−1))].
#[test]
fn full_jitter_seeded_sequence_is_exact_and_within_bounds() {
    let got = delays(&full_jitter(secs(1), secs(60)), 42, 8);
    assert_eq!(
        got,
        nanos(&[
            814_305_145,    // ≤ 1
            637_642_080,    // ≤ 2
            3_935_576_673,  // ≤ 4
            5_609_084_785,  // ≤ 8
            12_696_071_835, // ≤ 16
            18_819_150_927, // ≤ 32
            7_521_146_523,  // ≤ 60
            36_307_346_920, // ≤ 60
        ])
    );
    for (n, d) in (1..).zip(&got) {
        assert!(*d <= doubled(secs(1), n, secs(60)), "attempt {n}: {d:?}");
    }
}

// `equal_jitter(1, 60)`: the exact seeded sequence, each in [v/2, v].
#[test]
fn equal_jitter_seeded_sequence_is_exact_and_within_bounds() {
    let got = delays(&equal_jitter(secs(1), secs(60)), 42, 8);
    assert_eq!(
        got,
        nanos(&[
            907_152_573,    // [0.5, 1]
            1_318_821_040,  // [1, 2]
            3_967_788_337,  // [2, 4]
            6_804_542_393,  // [4, 8]
            14_348_035_918, // [8, 16]
            25_409_575_464, // [16, 32]
            33_760_573_262, // [30, 60]
            48_153_673_460, // [30, 60]
        ])
    );
    for (n, d) in (1..).zip(&got) {
        let v = doubled(secs(1), n, secs(60));
        assert!((v / 2..=v).contains(d), "attempt {n}: {d:?} not in [v/2, v], v = {v:?}");
    }
}

// `decorrelated_jitter(1, 60)`: the exact seeded sequence, each in
// [BASE, min(CAP, 3·previous)] with previous starting at BASE.
#[test]
fn decorrelated_jitter_seeded_sequence_is_exact_and_within_bounds() {
    let (base, cap) = (secs(1), secs(60));
    let got = delays(&decorrelated_jitter(base, cap), 42, 8);
    assert_eq!(
        got,
        nanos(&[
            2_628_610_291,  // U(1, 3)
            3_195_347_760,  // U(1, 7.9)
            9_447_757_911,  // U(1, 9.6)
            20_171_342_584, // U(1, 28.3)
            48_224_648_221, // U(1, 60.5)
            60_000_000_000, // U(1, 144.7) capped
            23_438_087_129, // U(1, 180)
            42_943_615_577, // U(1, 70.3)
        ])
    );
    let mut previous = base;
    for (n, d) in (1..).zip(&got) {
        assert!((base..=(previous * 3).min(cap)).contains(d), "attempt {n}: {d:?}");
        previous = *d;
    }
}

// `incrementing(1, 2, 6)`: 1, 3, 5, then held at 6 (spec: min(START + STEP·(n−1), MAX)).
#[test]
fn incrementing_adds_step_then_holds_at_max() {
    let w = incrementing(secs(1), secs(2), secs(6));
    let got = delays(&w, 42, 6);
    assert_eq!(got, [1, 3, 5, 6, 6, 6].map(secs));
    let formula: Vec<_> = (1..=6u64).map(|n| secs(1 + 2 * (n - 1)).min(secs(6))).collect();
    assert_eq!(got, formula);
}

// `chain(W1, W2, W3)`: Wi for the i-th retry, then the last one, which sees the real
// attempt number (Tenacity `wait_chain`).
#[test]
fn chain_uses_each_strategy_in_turn_then_the_last() {
    let w = chain((fixed(ms(100)), random(ms(200), ms(300)), exponential(secs(1), secs(60))));
    assert_eq!(
        delays(&w, 42, 6),
        nanos(&[
            100_000_000,    // fixed
            281_430_515,    // random, the first draw of seed 42
            4_000_000_000,  // exponential at attempt 3
            8_000_000_000,  // exponential at attempt 4
            16_000_000_000, // …
            32_000_000_000,
        ])
    );
    assert_eq!(delay_at(&w, 42, u32::MAX), secs(60));
}

// Arrays and `Vec`s are chains too, with the same meaning as tuples.
#[test]
fn chain_of_array_or_vec_matches_chain_of_tuple() {
    let tuple = chain((fixed(secs(1)), fixed(secs(2)), fixed(secs(3))));
    let array = chain([fixed(secs(1)), fixed(secs(2)), fixed(secs(3))]);
    let vec = chain(vec![fixed(secs(1)), fixed(secs(2)), fixed(secs(3))]);
    let expected = [1, 2, 3, 3, 3].map(secs);
    assert_eq!(delays(&tuple, 0, 5), expected);
    assert_eq!(delays(&array, 0, 5), expected);
    assert_eq!(delays(&vec, 0, 5), expected);
}

// `a + b` adds the two delays (Tenacity `wait_combine`); jitter on the right still draws
// the same values as alone.
#[test]
fn sum_adds_both_delays() {
    let jitter = random(Duration::ZERO, secs(1));
    let alone = delays(&jitter, 42, 4);
    assert_eq!(alone, nanos(&[814_305_145, 318_821_040, 983_894_169, 701_135_598]));
    let sum = delays(&(fixed(secs(1)) + jitter), 42, 4);
    let shifted: Vec<_> = alone.iter().map(|d| *d + secs(1)).collect();
    assert_eq!(sum, shifted);

    let w = exponential(secs(1), secs(8)) + fixed(ms(500)) + incrementing(secs(0), secs(1), secs(2));
    assert_eq!(delays(&w, 0, 5), [ms(1500), ms(3500), ms(6500), ms(10500), ms(10500)]);
}

// --- envelopes over many seeds --------------------------------------------------------------

// Runs `check(n, previous, delay)` over SEEDS calls of ATTEMPTS delays each.
fn envelope<W: Wait>(w: &W, mut check: impl FnMut(u32, Duration, Duration)) {
    for seed in 0..SEEDS {
        let mut previous = Duration::ZERO;
        for (n, d) in (1..).zip(delays(w, seed, ATTEMPTS)) {
            check(n, previous, d);
            previous = d;
        }
    }
}

/// The delays of one call of a strategy, given the seed.
type DelaysBySeed<'a> = &'a dyn Fn(u64) -> Vec<Duration>;

// Strategies without jitter must not depend on the seed at all.
#[test]
fn strategies_without_jitter_ignore_the_seed() {
    let cases: [(&str, DelaysBySeed<'_>); 5] = [
        ("none", &|seed| delays(&none(), seed, ATTEMPTS)),
        ("fixed", &|seed| delays(&fixed(secs(3)), seed, ATTEMPTS)),
        ("exponential", &|seed| delays(&exponential(ms(10), secs(60)), seed, ATTEMPTS)),
        ("incrementing", &|seed| delays(&incrementing(ms(10), ms(700), secs(9)), seed, ATTEMPTS)),
        ("chain", &|seed| delays(&chain((fixed(secs(1)), exponential(secs(1), secs(9)))), seed, ATTEMPTS)),
    ];
    for (name, run) in cases {
        let first = run(0);
        for seed in 1..SEEDS {
            assert_eq!(run(seed), first, "{name} changed with seed {seed}");
        }
    }
}

// `random` stays in [MIN, MAX] for every seed and really spreads over it.
#[test]
fn random_envelope_over_many_seeds() {
    let (lo, hi) = (ms(500), ms(1500));
    let (mut min, mut max, mut sum) = (Duration::MAX, Duration::ZERO, 0.0);
    envelope(&random(lo, hi), |n, _, d| {
        assert!((lo..=hi).contains(&d), "attempt {n}: {d:?}");
        (min, max, sum) = (min.min(d), max.max(d), sum + d.as_secs_f64());
    });
    let mean = sum / f64::from(ATTEMPTS) / SEEDS as f64;
    assert!((mean - 1.0).abs() < 0.01, "mean {mean}");
    assert!(min < ms(510) && max > ms(1490), "spread [{min:?}, {max:?}]");
}

// `exp_jitter` stays in [min(I·2^(n−1), MAX), min(I·2^(n−1) + J, MAX)] for every seed.
#[test]
fn exp_jitter_envelope_over_many_seeds() {
    let (initial, max, jitter) = (ms(250), secs(60), secs(3));
    envelope(&exp_jitter(initial, max, jitter), |n, _, d| {
        let lo = doubled(initial, n, max);
        let hi = (doubled(initial, n, Duration::MAX) + jitter).min(max);
        assert!((lo..=hi).contains(&d), "attempt {n}: {d:?} not in [{lo:?}, {hi:?}]");
    });
}

// `full_jitter` stays in [0, v] and its mean is v/2: the jitter really spreads the clients.
#[test]
fn full_jitter_envelope_and_mean_over_many_seeds() {
    let (base, cap) = (ms(100), secs(20));
    let mut ratios = vec![Vec::new(); ATTEMPTS as usize];
    envelope(&full_jitter(base, cap), |n, _, d| {
        let v = doubled(base, n, cap);
        assert!(d <= v, "attempt {n}: {d:?} above {v:?}");
        ratios[n as usize - 1].push(d.as_secs_f64() / v.as_secs_f64());
    });
    for (n, r) in (1..).zip(&ratios) {
        let mean = r.iter().sum::<f64>() / r.len() as f64;
        let (lo, hi) = r.iter().fold((1f64, 0f64), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
        // one σ of the mean of 1000 uniform draws is 0.0091 of v
        assert!((mean - 0.5).abs() < 0.04, "attempt {n}: mean {mean} of v");
        assert!(lo < 0.02 && hi > 0.98, "attempt {n}: spread [{lo}, {hi}] of v");
    }
    let all: Vec<f64> = ratios.concat();
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    assert!((mean - 0.5).abs() < 0.01, "overall mean {mean} of v");
}

// `equal_jitter` stays in [v/2, v], with mean 3v/4.
#[test]
fn equal_jitter_envelope_and_mean_over_many_seeds() {
    let (base, cap) = (ms(100), secs(20));
    let mut sum = 0.0;
    envelope(&equal_jitter(base, cap), |n, _, d| {
        let v = doubled(base, n, cap);
        assert!((v / 2..=v).contains(&d), "attempt {n}: {d:?} not in [v/2, v], v = {v:?}");
        sum += d.as_secs_f64() / v.as_secs_f64();
    });
    let mean = sum / f64::from(ATTEMPTS) / SEEDS as f64;
    assert!((mean - 0.75).abs() < 0.01, "mean {mean} of v");
}

// `decorrelated_jitter` stays in [BASE, min(CAP, 3·previous)], previous starting at BASE.
#[test]
fn decorrelated_jitter_envelope_over_many_seeds() {
    let (base, cap) = (ms(100), secs(20));
    let (mut hit_cap, mut hit_base) = (false, false);
    envelope(&decorrelated_jitter(base, cap), |n, previous, d| {
        let previous = previous.max(base);
        let hi = (previous * 3).min(cap);
        assert!((base..=hi).contains(&d), "attempt {n}: {d:?} not in [{base:?}, {hi:?}]");
        hit_cap |= d == cap;
        hit_base |= d < base + ms(10);
    });
    assert!(hit_cap && hit_base, "the walk reaches both ends");
}

// --- attempt numbers up to u32::MAX ---------------------------------------------------------

// Growth saturates at the cap for huge attempt numbers: no overflow, no panic.
#[test]
fn huge_attempt_numbers_saturate_at_the_cap() {
    let cap = secs(60);
    for n in HUGE_ATTEMPTS {
        assert_eq!(delay_at(&exponential(secs(1), cap), 1, n), cap, "attempt {n}");
        assert_eq!(delay_at(&exponential(ms(1), cap).with_base(1.5), 1, n), cap);
        assert_eq!(delay_at(&exponential(ms(1), cap).with_base(1.0), 1, n), ms(1));
        assert_eq!(delay_at(&exp_jitter(secs(1), cap, secs(5)), 1, n), cap);
        assert!(delay_at(&full_jitter(secs(1), cap), 1, n) <= cap);
        let d = delay_at(&equal_jitter(secs(1), cap), 1, n);
        assert!((cap / 2..=cap).contains(&d), "attempt {n}: {d:?}");
        let d = delay_at(&decorrelated_jitter(secs(1), cap), 1, n);
        assert!((secs(1)..=secs(3)).contains(&d), "attempt {n}: {d:?}");
        assert_eq!(delay_at(&incrementing(secs(1), secs(2), cap), 1, n), cap);
        assert_eq!(delay_at(&random(secs(1), secs(2)), 1, n), delay_at(&random(secs(1), secs(2)), 1, 1));
        assert_eq!(delay_at(&chain((fixed(secs(1)), exponential(secs(1), cap))), 1, n), cap);
        assert_eq!(delay_at(&(fixed(secs(1)) + exponential(secs(1), cap)), 1, n), cap + secs(1));
    }
}

// The largest durations there are must saturate, not overflow, at any attempt.
#[test]
fn extreme_durations_never_overflow() {
    let (tiny, huge) = (Duration::from_nanos(1), Duration::MAX);
    for n in [1, 2, 32, 33, 64, 65, 1 << 31, u32::MAX] {
        assert!(delay_at(&exponential(tiny, huge), 3, n) <= huge);
        assert_eq!(delay_at(&exponential(huge, huge), 3, n), huge);
        assert_eq!(delay_at(&exponential(huge, huge).with_base(7.5), 3, n), huge);
        assert!(delay_at(&exp_jitter(tiny, huge, huge), 3, n) <= huge);
        assert_eq!(delay_at(&exp_jitter(huge, huge, huge), 3, n), huge);
        assert!(delay_at(&full_jitter(huge, huge), 3, n) <= huge);
        assert!(delay_at(&equal_jitter(huge, huge), 3, n) >= huge / 2);
        assert!(delay_at(&decorrelated_jitter(huge, huge), 3, n) <= huge);
        assert_eq!(delay_at(&incrementing(huge, huge, huge), 3, n), huge);
        assert_eq!(delay_at(&(fixed(huge) + fixed(huge)), 3, n), huge);
        assert!(delay_at(&random(Duration::ZERO, huge), 3, n) <= huge);
    }
    // a long walk of decorrelated jitter at its cap keeps multiplying the cap by 3
    let walk = delays(&decorrelated_jitter(tiny, huge), 3, 200);
    assert!(walk.iter().all(|d| *d <= huge));
}

// Regression: past 2^53 ns (~104 days) the float growth path rounded a delay below its
// initial value (exponential(I, MAX).with_base(1) gave I − 1 ns); growth never undercuts I.
#[test]
fn exponential_never_drops_below_initial_for_huge_durations() {
    let initial = Duration::new(9_007_201_353_277_128, 1);
    for base in [1.0, 1.5, 3.0] {
        let w = exponential(initial, Duration::MAX).with_base(base);
        for n in [1, 2, 3, 40, u32::MAX] {
            assert!(delay_at(&w, 0, n) >= initial, "base {base}, attempt {n}");
        }
    }
    let w = exponential(initial, Duration::MAX);
    assert_eq!(delay_at(&w, 0, 1), initial);
    assert!(delay_at(&w, 0, 40) >= initial);
}
