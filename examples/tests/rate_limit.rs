//! The traffic-shaping claim (spec §10), on a small configuration of
//! `examples/rate_limit.rs`: the adaptive limiter fed the provider's headers sends at least
//! 90 % fewer 429s than retries alone and keeps goodput at 95 % of the provider's rate or
//! more. `--nocapture` prints each row.

use examples::rate_limit::{Model, Shaping, simulate};

// Guards the README's traffic-shaping table: the goal the example exits non-zero without.
#[test]
fn adaptive_limiter_with_headers_cuts_429s_by_ninety_percent_and_keeps_goodput() {
    let model = Model { seconds: 20, ..Model::default() };
    for clients in [10, 200] {
        let alone = simulate(&model, Shaping::RetriesAlone, clients);
        let adaptive = simulate(&model, Shaping::AdaptiveWithHeaders, clients);
        for r in [&alone, &adaptive] {
            eprintln!(
                "{clients:>4} {:<20} 429s/success {:.4} goodput {:.3} p50 {:?} p99 {:?}",
                r.shaping.name(),
                r.throttled_per_success(),
                r.goodput(),
                r.latency(0.5),
                r.latency(0.99)
            );
        }
        assert!(
            adaptive.throttled_per_success() <= 0.1 * alone.throttled_per_success(),
            "{clients} clients: {} against {} 429s a success",
            adaptive.throttled_per_success(),
            alone.throttled_per_success()
        );
        assert!(adaptive.goodput() >= 0.95, "{clients} clients: goodput {}", adaptive.goodput());
    }
}
