//! Traffic shaping (§10) on tokio's paused clock: the rate limiters' pacing, deadlines and
//! cancellation, the providers' counters, and the bulkhead's bounds under many tasks.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use retry_runtime::bulkhead::{Bulkhead, BulkheadFull};
use retry_runtime::limiter::{Outcome, ProviderLimits, RateLimiter};
use tokio::time::Instant as TokioInstant;

fn now() -> Instant {
    TokioInstant::now().into_std()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// Guards GCRA pacing: a burst of n, then exactly one attempt every 1/n s.
#[tokio::test(start_paused = true)]
async fn per_second_paces_exactly_after_its_burst() {
    let limiter = RateLimiter::per_second(4);
    let start = TokioInstant::now();
    let mut at = Vec::new();
    for _ in 0..8 {
        limiter.acquire(None).await.unwrap().record(Outcome::Success);
        at.push(start.elapsed());
    }
    assert_eq!(at, [0, 0, 0, 0, 250, 500, 750, 1000].map(ms));
}

// Guards the deadline: a wait that would end past it is refused at once, not slept.
#[tokio::test(start_paused = true)]
async fn a_wait_never_crosses_the_deadline() {
    let limiter = RateLimiter::per_minute(1);
    let _first = limiter.acquire(None).await.unwrap();
    let start = TokioInstant::now();
    let refused = limiter.acquire(Some(now() + Duration::from_secs(59))).await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::ZERO, "refused without sleeping");
    assert_eq!(refused.retry_in(), Duration::from_secs(60));
    // A deadline exactly at the end of the wait is not crossed.
    limiter.acquire(Some(now() + Duration::from_secs(60))).await.unwrap().record(Outcome::Success);
    assert_eq!(start.elapsed(), Duration::from_secs(60));
}

// Guards cancellation: a dropped waiting acquire holds nothing.
#[tokio::test(start_paused = true)]
async fn a_dropped_wait_holds_nothing_and_the_next_caller_proceeds() {
    let limiter = RateLimiter::adaptive();
    limiter.acquire(None).await.unwrap().record(Outcome::Throttled); // fill 0.5/s, empty bucket
    let start = TokioInstant::now();
    let waiting = tokio::time::timeout(ms(500), limiter.acquire(None)).await;
    assert!(waiting.is_err(), "still waiting for its token when dropped");
    // The dropped reservation was given back: the next caller waits only for its own token,
    // 2 s after the throttle, not 4 s.
    limiter.acquire(None).await.unwrap().record(Outcome::Success);
    assert_eq!(start.elapsed(), Duration::from_secs(2));
}

// Guards the adaptive mode end to end: a throttle cuts the rate, successes grow it back.
#[tokio::test(start_paused = true)]
async fn adaptive_cuts_on_a_throttle_and_grows_back_on_successes() {
    let limiter = RateLimiter::adaptive();
    // 10 attempts a second for 3 s: the measured rate climbs, the bucket stays off.
    for _ in 0..30 {
        limiter.acquire(None).await.unwrap().record(Outcome::Success);
        tokio::time::sleep(ms(100)).await;
    }
    assert_eq!(limiter.fill_rate(), None, "off until a throttle");
    limiter.acquire(None).await.unwrap().record(Outcome::Throttled);
    let cut = limiter.fill_rate().expect("on after a throttle");
    // 70 % of the measured rate, which smoothing holds just under 10 a second.
    assert!((6.5..=7.0).contains(&cut), "cut to {cut}");

    // Successes paced by the limiter itself: the rate climbs back along CUBIC's curve.
    let start = TokioInstant::now();
    let mut rates = Vec::new();
    for _ in 0..60 {
        limiter.acquire(None).await.unwrap().record(Outcome::Success);
        rates.push(limiter.fill_rate().unwrap());
    }
    let elapsed = start.elapsed().as_secs_f64();
    assert!(rates.last().unwrap() > &cut, "grew back: {rates:?}");
    // Never faster than the bucket allows: 60 tokens at rates no higher than the last.
    assert!(elapsed >= 60.0 / rates.last().unwrap() - 1.0, "{elapsed} s for 60 attempts");
}

// Guards the providers' counters: once remaining reaches 0, attempts wait for the reset.
#[tokio::test(start_paused = true)]
async fn used_up_counters_hold_attempts_until_the_reset() {
    let limiter = RateLimiter::per_second(1000);
    let permit = limiter.acquire(None).await.unwrap();
    limiter.observe(ProviderLimits {
        remaining_requests: Some(2),
        reset_requests: Some(ms(1500)),
        ..ProviderLimits::default()
    });
    permit.record(Outcome::Success);
    let start = TokioInstant::now();
    let mut at = Vec::new();
    for _ in 0..4 {
        limiter.acquire(None).await.unwrap().record(Outcome::Success);
        at.push(start.elapsed());
    }
    // Two left, then the reset; after it, a window as large as the largest seen (3).
    assert_eq!(at, [0, 0, 1500, 1500].map(ms));
    limiter.acquire(None).await.unwrap().record(Outcome::Success);
    let refused = limiter.acquire(Some(now() + ms(100))).await.unwrap_err();
    assert_eq!(refused.retry_in(), ms(1500), "the window after the reset is used up too");
    assert_eq!(start.elapsed(), ms(1500));
}

// Guards the header reading: Anthropic's RFC 3339 reset, measured from the response's time.
#[cfg(feature = "http")]
#[tokio::test(start_paused = true)]
async fn anthropic_headers_hold_attempts_until_their_reset() {
    let sent = std::time::UNIX_EPOCH + Duration::from_secs(1_720_708_500); // 2024-07-11T14:35:00Z
    let mut headers = http::HeaderMap::new();
    headers.insert("anthropic-ratelimit-requests-remaining", "0".parse().unwrap());
    headers.insert("anthropic-ratelimit-requests-reset", "2024-07-11T14:35:03Z".parse().unwrap());
    headers.insert("anthropic-ratelimit-tokens-remaining", "9000".parse().unwrap());
    let limits = ProviderLimits::from_headers(&headers, sent);
    assert_eq!(
        limits,
        ProviderLimits {
            remaining_requests: Some(0),
            reset_requests: Some(Duration::from_secs(3)),
            remaining_tokens: Some(9000),
            reset_tokens: None,
        }
    );
    let limiter = RateLimiter::adaptive();
    limiter.observe(limits);
    let start = TokioInstant::now();
    limiter.acquire(None).await.unwrap().record(Outcome::Success);
    assert_eq!(start.elapsed(), Duration::from_secs(3));
}

// Guards the bulkhead's bound under load: 10 000 tasks, never more than the bound inside,
// every task admitted or refused, and the counts add up.
#[tokio::test(start_paused = true)]
async fn bulkhead_bound_is_exact_under_ten_thousand_tasks() {
    static BULKHEAD: Bulkhead = Bulkhead::new(16).with_queue(1000).with_max_wait(Duration::from_millis(50));
    let inside = Arc::new(AtomicUsize::new(0));
    let max_seen = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..10_000_u64 {
        let (inside, max_seen) = (inside.clone(), max_seen.clone());
        tasks.push(tokio::spawn(async move {
            let permit = BULKHEAD.acquire(None).await?;
            let n = inside.fetch_add(1, Ordering::SeqCst) + 1;
            max_seen.fetch_max(n, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(1 + i % 7)).await;
            inside.fetch_sub(1, Ordering::SeqCst);
            drop(permit);
            Ok::<(), BulkheadFull>(())
        }));
    }
    let (mut admitted, mut refused) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => admitted += 1,
            Err(BulkheadFull) => refused += 1,
        }
    }
    assert_eq!(max_seen.load(Ordering::SeqCst), 16);
    assert_eq!(admitted + refused, 10_000);
    assert!(admitted >= 16 && refused > 0, "admitted {admitted}, refused {refused}");
    assert_eq!(BULKHEAD.available(), 16, "every place given back");
}

// Guards the queue bound: past it, a caller is refused at once.
#[tokio::test(start_paused = true)]
async fn a_full_queue_refuses_at_once() {
    let bulkhead = Arc::new(Bulkhead::new(1).with_queue(2));
    let held = bulkhead.try_acquire().unwrap();
    let queued: Vec<_> = (0..2)
        .map(|_| {
            let b = bulkhead.clone();
            tokio::spawn(async move { b.acquire(None).await.map(drop) })
        })
        .collect();
    tokio::task::yield_now().await; // let both join the queue
    let start = TokioInstant::now();
    assert_eq!(bulkhead.acquire(None).await.unwrap_err(), BulkheadFull);
    assert_eq!(start.elapsed(), Duration::ZERO);
    drop(held);
    for q in queued {
        q.await.unwrap().unwrap();
    }
}

// Guards the wait bound and cancellation: a timed-out or dropped waiter leaves the queue.
#[tokio::test(start_paused = true)]
async fn the_wait_is_bounded_and_a_dropped_waiter_leaves_the_queue() {
    let bulkhead = Bulkhead::new(1).with_queue(1).with_max_wait(ms(200));
    let held = bulkhead.try_acquire().unwrap();
    let start = TokioInstant::now();
    assert!(bulkhead.acquire(None).await.is_err());
    assert_eq!(start.elapsed(), ms(200), "refused when its wait ran out");
    // A deadline tighter than the wait bound wins.
    assert!(bulkhead.acquire(Some(now() + ms(50))).await.is_err());
    assert_eq!(start.elapsed(), ms(250));
    // A waiter dropped mid-wait frees its place in the queue.
    assert!(tokio::time::timeout(ms(10), bulkhead.acquire(None)).await.is_err());
    drop(held);
    let _next = bulkhead.acquire(None).await.expect("the queue is free and so is the place");
}
