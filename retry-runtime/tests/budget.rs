//! `RetryBudget`: the AWS standard numbers, the percent form's reserve and cap, an outage
//! simulation of retry amplification, and 10 000 concurrent tasks.
#![cfg(not(retry_loom))] // loom's types only work inside `loom::model`

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use retry_runtime::RetryBudget;
use retry_runtime::budget::RetryKind;

#[test]
fn aws_standard_pays_100_error_retries_or_50_timeout_retries_from_500_tokens() {
    // Guards the preset's numbers: 500 tokens, 5 a retry, 10 a timeout retry.
    let budget = RetryBudget::aws_standard();
    assert_eq!((budget.available(), budget.capacity()), (500, 500));
    let mut errors = 0;
    while budget.try_withdraw(RetryKind::Error).is_some() {
        errors += 1;
    }
    assert_eq!(errors, 100);

    let budget = RetryBudget::aws_standard();
    let mut timeouts = 0;
    while budget.try_withdraw(RetryKind::Timeout).is_some() {
        timeouts += 1;
    }
    assert_eq!(timeouts, 50);
    assert_eq!(budget.available(), 0);
}

#[test]
fn aws_standard_refunds_a_successful_retry_and_rewards_a_first_try_success_up_to_500() {
    // Guards the refill rules and the cap.
    let budget = RetryBudget::aws_standard();
    let failed = budget.try_withdraw(RetryKind::Timeout).unwrap();
    let succeeded = budget.try_withdraw(RetryKind::Error).unwrap();
    assert_eq!(budget.available(), 485);
    drop(failed); // a retry that failed is not refunded
    budget.on_success(Some(succeeded));
    assert_eq!(budget.available(), 490);
    for _ in 0..9 {
        budget.on_success(None);
    }
    assert_eq!(budget.available(), 499);
    budget.on_success(None);
    budget.on_success(None);
    assert_eq!(budget.available(), 500, "never above the capacity");
    let w = budget.try_withdraw(RetryKind::Error).unwrap();
    budget.on_success(None);
    budget.on_success(Some(w));
    assert_eq!(budget.available(), 500, "a refund is capped too");
    budget.record_request();
    assert_eq!(budget.available(), 500, "requests deposit nothing in the token bucket");
}

#[test]
fn a_refused_withdrawal_takes_nothing() {
    // Guards "never negative": a cost the bucket cannot pay leaves it as it was.
    let budget = RetryBudget::token_bucket(7, 5, 10, 1);
    assert!(budget.try_withdraw(RetryKind::Timeout).is_none());
    assert_eq!(budget.available(), 7);
    assert!(budget.try_withdraw(RetryKind::Error).is_some());
    assert!(budget.try_withdraw(RetryKind::Error).is_none());
    assert_eq!(budget.available(), 2);
    let free = RetryBudget::token_bucket(0, 0, 0, 0);
    assert!(free.try_withdraw(RetryKind::Timeout).is_some(), "cost 0 is never refused");
}

#[test]
fn percent_lends_its_reserve_then_pays_one_retry_per_ten_requests_and_saves_at_most_100() {
    // Guards the ratio form's fixed-point arithmetic, reserve and cap.
    let budget = RetryBudget::percent(10);
    assert_eq!(budget.available(), 1_000);
    assert_eq!(budget.capacity(), 10_000);
    for _ in 0..50 {
        budget.record_request(); // repays half the reserve, adds nothing
    }
    assert_eq!(budget.available(), 1_000);
    for _ in 0..10 {
        assert!(budget.try_withdraw(RetryKind::Timeout).is_some());
    }
    assert!(budget.try_withdraw(RetryKind::Error).is_none());
    for _ in 0..50 {
        budget.record_request(); // repays the rest
    }
    assert_eq!(budget.available(), 0);
    for _ in 0..9 {
        budget.record_request();
    }
    assert!(budget.try_withdraw(RetryKind::Error).is_none(), "9 requests: 0.9 retry");
    budget.record_request();
    assert!(budget.try_withdraw(RetryKind::Error).is_some(), "10 requests: 1 retry");
    for _ in 0..5_000 {
        budget.record_request();
    }
    assert_eq!(budget.available(), budget.capacity(), "at most 100 retries saved");
    budget.on_success(None);
    let w = budget.try_withdraw(RetryKind::Error);
    budget.on_success(w);
    assert_eq!(budget.available(), 9_900, "successes neither add nor refund");
}

/// One outage: every attempt fails; each call makes up to 3 attempts, the two retries each
/// needing a withdrawal. Returns the attempts of each call.
fn outage(budget: Option<&RetryBudget>, calls: usize) -> Vec<u32> {
    (0..calls)
        .map(|_| {
            if let Some(budget) = budget {
                budget.record_request();
            }
            let mut attempts = 1;
            while attempts < 3 {
                if let Some(budget) = budget
                    && budget.try_withdraw(RetryKind::Error).is_none()
                {
                    break;
                }
                attempts += 1;
            }
            attempts
        })
        .collect()
}

#[test]
fn a_budget_bounds_retry_amplification_during_a_full_outage() {
    // Guards §8's reason for budgets: without one an outage triples the load.
    const CALLS: usize = 10_000;
    let percent = RetryBudget::percent(10);
    let aws = RetryBudget::aws_standard();
    let runs = [
        ("no budget", outage(None, CALLS)),
        ("percent(10)", outage(Some(&percent), CALLS)),
        ("aws_standard()", outage(Some(&aws), CALLS)),
    ];

    eprintln!("100 % failure, attempts(3), {CALLS} sequential calls");
    eprintln!(
        "{:<16} {:>9} {:>9} {:>16} {:>26}",
        "budget", "attempts", "retries", "attempts / call", "after the first 100 retries"
    );
    let mut per_call = Vec::new();
    for (name, attempts) in &runs {
        let total: u32 = attempts.iter().sum();
        // The calls after the one that made the 100th retry.
        let mut retries = 0;
        let first_calls = attempts
            .iter()
            .take_while(|&&a| {
                let before = retries;
                retries += a - 1;
                before < 100
            })
            .count();
        let rest = &attempts[first_calls..];
        let rest_mean = f64::from(rest.iter().sum::<u32>()) / rest.len() as f64;
        let mean = f64::from(total) / CALLS as f64;
        eprintln!("{name:<16} {total:>9} {:>9} {mean:>16.4} {rest_mean:>26.4}", total - CALLS as u32);
        per_call.push((total, mean, rest_mean));
    }

    let (total, mean, _) = per_call[0];
    assert_eq!((total, mean), (30_000, 3.0));
    let (total, mean, _) = per_call[1];
    assert!(mean <= 1.1, "percent(10): {mean} attempts a call");
    assert_eq!(total, 11_000, "the 10-retry reserve is repaid, not added");
    let (total, _, rest_mean) = per_call[2];
    assert_eq!(total, CALLS as u32 + 100);
    assert_eq!(rest_mean, 1.0);
}

// ---------------------------------------------------------------------------------------
// 10 000 concurrent tasks

const TASKS: u32 = 10_000;

/// Runs `op` in `TASKS` tasks at once while a watcher checks the bucket's bounds.
async fn hammer(budget: &Arc<RetryBudget>, op: impl Fn(&RetryBudget) -> bool + Clone + Send + Sync + 'static) -> u32 {
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (budget, stop) = (budget.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                // u32 tokens: an underflow would show here as a count above the capacity.
                assert!(budget.available() <= budget.capacity());
                tokio::task::yield_now().await;
            }
        })
    };
    let granted = Arc::new(AtomicU32::new(0));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (budget, granted, op) = (budget.clone(), granted.clone(), op.clone());
            tokio::spawn(async move {
                tokio::task::yield_now().await;
                if op(&budget) {
                    granted.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    stop.store(true, Ordering::SeqCst);
    watcher.await.unwrap();
    assert!(budget.available() <= budget.capacity());
    granted.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_tasks_share_one_token_bucket_without_losing_an_update() {
    // Guards the compare-and-swap loop: exact totals, no token lost or made up.
    let aws = Arc::new(RetryBudget::aws_standard());
    let granted = hammer(&aws, |b| b.try_withdraw(RetryKind::Error).is_some()).await;
    assert_eq!((granted, aws.available()), (100, 0));
    hammer(&aws, |b| {
        b.on_success(None);
        true
    })
    .await;
    assert_eq!(aws.available(), 500, "10 000 rewards, capped at 500");

    let big = Arc::new(RetryBudget::token_bucket(50_000, 5, 10, 1));
    let granted = hammer(&big, |b| b.try_withdraw(RetryKind::Error).is_some()).await;
    assert_eq!((granted, big.available()), (TASKS, 0));
    hammer(&big, |b| {
        b.on_success(None);
        true
    })
    .await;
    assert_eq!(big.available(), TASKS, "one reward each");
    // Withdraw and refund at once: every refund comes back, whatever the interleaving.
    hammer(&big, |b| {
        let w = b.try_withdraw(RetryKind::Error);
        let paid = w.is_some();
        b.on_success(w);
        paid
    })
    .await;
    assert_eq!(big.available(), TASKS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_tasks_depositing_and_withdrawing_keep_the_ratio_exact() {
    // Guards the ratio form's deposits under contention: 10 000 requests pay 1 000 retries.
    let share = Arc::new(RetryBudget::percent_with_reserve(10, 0, 1_000));
    hammer(&share, |b| {
        b.record_request();
        true
    })
    .await;
    assert_eq!(share.available(), 100_000);
    let granted = hammer(&share, |b| b.try_withdraw(RetryKind::Error).is_some()).await;
    assert_eq!((granted, share.available()), (1_000, 0));

    // Repaying a reserve while others spend it: 10 000 requests repay 10 retries' advance
    // and fund 990 more, whatever the order.
    let share = Arc::new(RetryBudget::percent(10));
    let granted = hammer(&share, |b| {
        b.record_request();
        b.try_withdraw(RetryKind::Error).is_some()
    })
    .await;
    let left = share.available() / 100;
    assert_eq!(granted + left, 1_000);
}
