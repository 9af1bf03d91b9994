//! The wait strategies against sequences recorded from Tenacity 9.2.1
//! (`tools/tenacity-sequences/record.py`): deterministic strategies to the nanosecond,
//! jittered ones inside the band Tenacity draws from (its delays with U = 0 and U → 1).

use std::time::Duration;

use retry_runtime::wait::{
    RetryRng, Wait, WaitContext, chain, decrementing, exp_jitter, exponential, fixed, full_jitter, incrementing, random,
};
use serde_json::Value;

fn s(seconds: f64) -> Duration {
    Duration::from_secs_f64(seconds)
}

/// Tenacity's `max` left at its default: effectively unbounded.
const UNBOUNDED: Duration = Duration::MAX;

/// This crate's spelling of each recorded Tenacity strategy, or why it refuses it.
fn ours(id: &str) -> Result<Box<dyn Wait>, &'static str> {
    Ok(match id {
        "exp_m1_min3_max60" => Box::new(exponential(s(1.0), s(60.0)).with_min(s(3.0))),
        "exp_m1_min0_max60_base3" => Box::new(exponential(s(1.0), s(60.0)).with_base(3.0)),
        "randexp_m1_max60_min2" => Box::new(full_jitter(s(1.0), s(60.0)).with_min(s(2.0))),
        "randexp_m1_max60_base3" => Box::new(full_jitter(s(1.0), s(60.0)).with_base(3.0)),
        "expjit_i1_max60_base2_j1" => Box::new(exp_jitter(s(1.0), s(60.0), s(1.0))),
        "expjit_i1_max60_base2_j1_min2" => Box::new(exp_jitter(s(1.0), s(60.0), s(1.0)).with_min(s(2.0))),
        "expjit_i1_max60_base3_j0" => Box::new(exp_jitter(s(1.0), s(60.0), s(0.0)).with_base(3.0)),
        "incr_s10_i-3_max100" => Box::new(decrementing(s(10.0), s(3.0), s(0.0))),
        "exp_default" | "exp_m1_max_inf" => Box::new(exponential(s(1.0), UNBOUNDED)),
        "exp_m0.5_max8" => Box::new(exponential(s(0.5), s(8.0))),
        "exp_m1_min4_max10" => Box::new(exponential(s(1.0), s(10.0)).with_min(s(4.0))),
        "exp_m2_base1.5_max30" => Box::new(exponential(s(2.0), s(30.0)).with_base(1.5)),
        "exp_base1_m2_max60" => Box::new(exponential(s(2.0), s(60.0)).with_base(1.0)),
        "exp_m0.1_base10_max1000" => Box::new(exponential(s(0.1), s(1000.0)).with_base(10.0)),
        "randexp_default" => Box::new(full_jitter(s(1.0), UNBOUNDED)),
        "randexp_m0.5_max8_min1" => Box::new(full_jitter(s(0.5), s(8.0)).with_min(s(1.0))),
        "randexp_m1_max60_min2_base3" => Box::new(full_jitter(s(1.0), s(60.0)).with_min(s(2.0)).with_base(3.0)),
        "expjit_default" => Box::new(exp_jitter(s(1.0), UNBOUNDED, s(1.0))),
        "expjit_mult0.5_max10_j2_min1" => Box::new(exp_jitter(s(0.5), s(10.0), s(2.0)).with_min(s(1.0))),
        "expjit_initial3_max60 (deprecated alias)" => Box::new(exp_jitter(s(3.0), s(60.0), s(1.0))),
        "expjit_i1_max60_base3_j5_min4" => {
            Box::new(exp_jitter(s(1.0), s(60.0), s(5.0)).with_base(3.0).with_min(s(4.0)))
        }
        "incr_default" => Box::new(incrementing(s(0.0), s(100.0), UNBOUNDED)),
        "incr_s1_i2_max10" => Box::new(incrementing(s(1.0), s(2.0), s(10.0))),
        "incr_s0.5_i0.25" => Box::new(incrementing(s(0.5), s(0.25), UNBOUNDED)),
        "fixed_2" => Box::new(fixed(s(2.0))),
        "random_1_3" => Box::new(random(s(1.0), s(3.0))),
        "fixed3_plus_random0_2" => Box::new(fixed(s(3.0)) + random(s(0.0), s(2.0))),
        "chain_1x3_2x2_5" => {
            Box::new(chain((fixed(s(1.0)), fixed(s(1.0)), fixed(s(1.0)), fixed(s(2.0)), fixed(s(2.0)), fixed(s(5.0)))))
        }
        // Refused when the policy is built, by choice (see `Exponential`'s docs): a start or
        // floor above the cap is far more often a swap than a wish for a constant delay,
        // which `fixed` says plainly; a base below 1 shrinks, which `decrementing` says.
        "exp_m100_max60" | "randexp_m100_max60" => return Err("initial above max"),
        "exp_min_gt_max" | "exp_m1_max60_min70" | "randexp_min_gt_max" | "expjit_min_gt_max" => {
            return Err("min above max");
        }
        "exp_m3_base0.5" | "exp_m3_base0.5_min1" => return Err("base below 1"),
        "exp_m0_max60_min1" => return Err("zero initial"),
        other => panic!("no spelling for Tenacity strategy `{other}`: add one"),
    })
}

fn delays(profile: &Value) -> Vec<f64> {
    profile["delays"].as_array().unwrap().iter().map(|d| d.as_f64().unwrap()).collect()
}

fn close(ours: Duration, theirs: f64) -> bool {
    (ours.as_secs_f64() - theirs).abs() <= 1e-9 * theirs.max(1.0)
}

#[test]
fn every_recorded_sequence_matches_or_is_refused_by_choice() {
    let fixture: Value = serde_json::from_str(include_str!("fixtures/tenacity_sequences.json")).unwrap();
    let (mut exact, mut banded, mut refused) = (0, 0, 0);
    for strategy in fixture["strategies"].as_array().unwrap() {
        let id = strategy["id"].as_str().unwrap();
        let sequences = &strategy["sequences"];
        let wait = match ours(id) {
            Ok(wait) => wait,
            Err(why) => {
                assert!(wait_is_refused(id), "{id}: said refused ({why}) but builds");
                refused += 1;
                continue;
            }
        };
        wait.validate().unwrap_or_else(|e| panic!("{id}: {e}"));
        if strategy["uses_random"] == false {
            for (n, theirs) in (1..).zip(delays(&sequences["none"])) {
                let mut rng = RetryRng::seeded(0);
                let d = wait.delay(&mut WaitContext::new(n, Duration::ZERO, &mut rng));
                assert!(close(d, theirs), "{id} retry {n}: {d:?}, Tenacity {theirs}");
            }
            exact += 1;
        } else {
            let (low, high) = (delays(&sequences["u0"]), delays(&sequences["u_max"]));
            for seed in 0..200 {
                let mut rng = RetryRng::seeded(seed);
                for (n, (lo, hi)) in (1..).zip(low.iter().zip(&high)) {
                    let d = wait.delay(&mut WaitContext::new(n, Duration::ZERO, &mut rng)).as_secs_f64();
                    assert!(d >= lo - 1e-9 && d <= hi + 1e-9, "{id} retry {n} seed {seed}: {d} outside [{lo}, {hi}]");
                }
            }
            banded += 1;
        }
    }
    assert_eq!((exact, banded, refused), (15, 14, 9), "strategies checked exactly, in the band, refused");
}

/// Whether the strategy the id names is refused when built: checked, not assumed.
fn wait_is_refused(id: &str) -> bool {
    let refused: Box<dyn Wait> = match id {
        "exp_m100_max60" => Box::new(exponential(s(100.0), s(60.0))),
        "randexp_m100_max60" => Box::new(full_jitter(s(100.0), s(60.0))),
        "exp_min_gt_max" => Box::new(exponential(s(1.0), s(4.0)).with_min(s(5.0))),
        "exp_m1_max60_min70" => Box::new(exponential(s(1.0), s(60.0)).with_min(s(70.0))),
        "randexp_min_gt_max" => Box::new(full_jitter(s(1.0), s(5.0)).with_min(s(10.0))),
        "expjit_min_gt_max" => Box::new(exp_jitter(s(1.0), s(5.0), s(1.0)).with_min(s(10.0))),
        "exp_m3_base0.5" => Box::new(exponential(s(3.0), UNBOUNDED).with_base(0.5)),
        "exp_m3_base0.5_min1" => Box::new(exponential(s(3.0), UNBOUNDED).with_base(0.5).with_min(s(1.0))),
        "exp_m0_max60_min1" => Box::new(exponential(s(0.0), s(60.0)).with_min(s(1.0))),
        _ => return false,
    };
    refused.validate().is_err()
}
