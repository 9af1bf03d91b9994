//! How much a full outage multiplies the load, through the real retry loop: 10 000 calls in
//! a row of a function that always fails, with `stop = attempts(3), wait = none`, and each
//! kind of budget (a fresh static per row). Run with `--nocapture` to see the table.

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};

use retry_runtime::{RetryBudget, retry};

const CALLS: u64 = 10_000;

#[derive(Debug, PartialEq)]
struct Down;

impl std::fmt::Display for Down {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("down")
    }
}

static NO_BUDGET_ATTEMPTS: AtomicU64 = AtomicU64::new(0);

#[retry(stop = attempts(3), wait = none, log = off)]
fn no_budget() -> Result<(), Down> {
    NO_BUDGET_ATTEMPTS.fetch_add(1, SeqCst);
    Err(Down)
}

static PERCENT: RetryBudget = RetryBudget::percent(10);
static PERCENT_ATTEMPTS: AtomicU64 = AtomicU64::new(0);

#[retry(stop = attempts(3), wait = none, budget = PERCENT, log = off)]
fn percent_budget() -> Result<(), Down> {
    PERCENT_ATTEMPTS.fetch_add(1, SeqCst);
    Err(Down)
}

static AWS: RetryBudget = RetryBudget::aws_standard();
static AWS_ATTEMPTS: AtomicU64 = AtomicU64::new(0);

#[retry(stop = attempts(3), wait = none, budget = AWS, log = off)]
fn aws_budget() -> Result<(), Down> {
    AWS_ATTEMPTS.fetch_add(1, SeqCst);
    Err(Down)
}

/// Makes [`CALLS`] calls in a row; returns the attempts each one made.
fn outage(call: fn() -> Result<(), Down>, attempts: &AtomicU64) -> Vec<u64> {
    (0..CALLS)
        .map(|_| {
            let before = attempts.load(SeqCst);
            assert_eq!(call(), Err(Down));
            attempts.load(SeqCst) - before
        })
        .collect()
}

// The budget's promise, measured where it matters (the attempts the dependency sees):
// no budget triples the load; 10 % lets at most one retry in ten calls through; the AWS
// bucket pays its 100 retries (500 tokens, 5 each) and then none.
#[test]
fn a_budget_bounds_outage_amplification_through_the_retry_loop() {
    let rows = [
        ("none", outage(no_budget, &NO_BUDGET_ATTEMPTS)),
        ("RetryBudget::percent(10)", outage(percent_budget, &PERCENT_ATTEMPTS)),
        ("RetryBudget::aws_standard()", outage(aws_budget, &AWS_ATTEMPTS)),
    ];
    eprintln!("{:<28} {:>7} {:>9} {:>9} {:>18}", "budget", "calls", "attempts", "per call", "after 100 retries");
    let mut ratios = Vec::new();
    for (budget, per_call) in &rows {
        let total: u64 = per_call.iter().sum();
        let ratio = total as f64 / CALLS as f64;
        let after = after_first_retries(per_call, 100);
        let shown = after.map_or("-".to_owned(), |r| format!("{r:.3}"));
        eprintln!("{budget:<28} {CALLS:>7} {total:>9} {ratio:>9.3} {shown:>18}");
        ratios.push((total, ratio, after));
    }

    let (none, percent, aws) = (ratios[0], ratios[1], ratios[2]);
    assert_eq!(none.0, 3 * CALLS, "no budget: every call makes all 3 attempts");
    assert!(percent.1 <= 1.1, "percent(10): {} attempts a call", percent.1);
    // Exactly: the reserve's 10 retries, then one for every 10 calls once the first 100
    // calls have repaid it (calls 110, 120, …, 10 000).
    assert_eq!(percent.0, CALLS + 10 + 990);
    assert_eq!(aws.0, CALLS + 100, "aws_standard: 500 tokens pay 100 retries, then none");
    assert_eq!(aws.2, Some(1.0), "aws_standard: after its 100 retries, one attempt a call");
}

/// Attempts per call over the calls that follow the one that made the `retries`-th retry,
/// if there are any.
fn after_first_retries(per_call: &[u64], retries: u64) -> Option<f64> {
    let mut made = 0;
    let index = per_call.iter().position(|attempts| {
        made += attempts - 1;
        made >= retries
    })?;
    let rest = &per_call[index + 1..];
    (!rest.is_empty()).then(|| rest.iter().sum::<u64>() as f64 / rest.len() as f64)
}
