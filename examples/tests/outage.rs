//! A retry budget bounds what retries add to a dependency that is down (spec §8): 10 000
//! calls in a row that always fail, `stop = attempts(3), wait = none`, through the real
//! `#[retry]` loop. `--nocapture` prints the table the README quotes.

use examples::outage::{BUDGETS, amplification};

const CALLS: u64 = 10_000;

// Guards the overload-protection claim: 3.0 without a budget, ≤ 1.1 with the SRE book's
// 10 %, and exactly 1.0 with the AWS quota once its 100 retries are spent.
#[test]
fn a_budget_bounds_outage_amplification_through_the_retry_loop() {
    let [none, percent, aws] = [0, 1, 2].map(|i| amplification(CALLS, i));
    eprintln!("{:<16} {:>7} {:>9} {:>9} {:>18}", "budget", "calls", "attempts", "per call", "after 100 retries");
    for (name, row) in BUDGETS.iter().zip([&none, &percent, &aws]) {
        let after = row.after_first_retries(100).map_or("-".to_owned(), |r| format!("{r:.3}"));
        eprintln!("{name:<16} {:>7} {:>9} {:>9.3} {after:>18}", row.calls(), row.attempts(), row.per_call_mean());
    }

    assert_eq!(none.attempts(), 3 * CALLS, "no budget: every call makes all 3 attempts");
    assert!(percent.per_call_mean() <= 1.1, "percent(10): {} attempts a call", percent.per_call_mean());
    assert_eq!(percent.attempts(), CALLS + 10 + 990, "the reserve of 10, then 10 % of the requests");
    assert_eq!(aws.attempts(), CALLS + 100, "aws_standard: 500 tokens pay 100 retries, then none");
    assert_eq!(aws.after_first_retries(100), Some(1.0), "aws_standard: after its 100 retries, one attempt a call");
}
