//! Outage amplification: how many attempts each call makes when the dependency is down,
//! with no retry budget, with the SRE book's 10 % ratio budget, and with the AWS SDK's
//! standard quota — through the real `#[retry]` loop, not a model of it. The herd example
//! prints it and `tests/outage.rs` holds it to its bounds.

use std::sync::atomic::{AtomicU64, Ordering};

use retry_runtime::{RetryBudget, retry};

/// The budgets compared, as the table names them.
pub const BUDGETS: [&str; 3] = ["no budget", "percent(10)", "aws_standard()"];

/// One row of the table: the attempts each call made, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Amplification {
    /// Attempts the dependency saw, call by call.
    pub per_call: Vec<u64>,
}

impl Amplification {
    /// Calls made.
    pub fn calls(&self) -> u64 {
        self.per_call.len() as u64
    }

    /// Attempts the dependency saw in all.
    pub fn attempts(&self) -> u64 {
        self.per_call.iter().sum()
    }

    /// Attempts per call: the load multiplier on a dependency that is down.
    pub fn per_call_mean(&self) -> f64 {
        self.attempts() as f64 / self.calls() as f64
    }

    /// Attempts per call once the first `retries` retries have been made, when calls are
    /// left after them: what a budget that has run dry lets through.
    pub fn after_first_retries(&self, retries: u64) -> Option<f64> {
        let mut made = 0;
        let index = self.per_call.iter().position(|attempts| {
            made += attempts - 1;
            made >= retries
        })?;
        let rest = &self.per_call[index + 1..];
        (!rest.is_empty()).then(|| rest.iter().sum::<u64>() as f64 / rest.len() as f64)
    }
}

/// The dependency is down: every attempt fails, and is counted.
fn down(attempts: &AtomicU64) -> Result<(), &'static str> {
    attempts.fetch_add(1, Ordering::Relaxed);
    Err("503 service unavailable")
}

#[retry(stop = attempts(3), wait = none, log = off)]
fn unbudgeted(attempts: &AtomicU64) -> Result<(), &'static str> {
    down(attempts)
}

#[retry(stop = attempts(3), wait = none, log = off, budget = budget)]
fn budgeted(attempts: &AtomicU64, budget: &RetryBudget) -> Result<(), &'static str> {
    let _ = budget;
    down(attempts)
}

/// `calls` sequential calls, each allowed 3 attempts, against a dependency that is down.
/// `budget` is the index of one of [`BUDGETS`]; each run gets a fresh budget.
///
/// ```
/// let row = examples::outage::amplification(1000, 0);
/// assert_eq!(row.attempts(), 3000);
/// ```
pub fn amplification(calls: u64, budget: usize) -> Amplification {
    let attempts = AtomicU64::new(0);
    let fresh = match budget {
        1 => Some(RetryBudget::percent(10)),
        2 => Some(RetryBudget::aws_standard()),
        _ => None,
    };
    let per_call = (0..calls)
        .map(|_| {
            let before = attempts.load(Ordering::Relaxed);
            let _ = match &fresh {
                Some(budget) => budgeted(&attempts, budget),
                None => unbudgeted(&attempts),
            };
            attempts.load(Ordering::Relaxed) - before
        })
        .collect();
    Amplification { per_call }
}
