// Every stop condition and combinator, every wait strategy (with `chain` and `+`), and every
// way of writing a duration.
use retry_runtime::retry;
use std::time::Duration;

const PAUSE: Duration = Duration::from_millis(250);
const TRIES: u32 = 4;

#[retry(stop = attempts(3), wait = none)]
async fn attempts_only() -> Result<(), ()> {
    Err(())
}

#[retry(stop = attempts(TRIES) | elapsed(2m), wait = fixed(PAUSE))]
async fn attempts_or_elapsed() -> Result<(), ()> {
    Err(())
}

#[retry(stop = (attempts(10) & elapsed(1h)) | deadline(90s), wait = fixed(Duration::from_millis(250)))]
async fn combined() -> Result<(), ()> {
    Err(())
}

#[retry(stop = never, wait = fixed(1))]
async fn until_success(counter: &std::sync::atomic::AtomicU32) -> Result<u32, ()> {
    let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
    if n < 5 { Err(()) } else { Ok(n) }
}

#[retry(stop = attempts(3), wait = random(500us, 250ms))]
async fn random_wait() -> Result<(), ()> {
    Err(())
}

#[retry(stop = attempts(3), wait = exponential(0.5, 60) + random(0, 1))]
async fn exponential_plus_random() -> Result<(), ()> {
    Err(())
}

#[retry(stop = attempts(3), wait = exponential(1.5s, 2m, 3))]
async fn exponential_with_base() -> Result<(), ()> {
    Err(())
}

#[retry(stop = attempts(3), wait = exp_jitter(1, 1h, 500ms))]
async fn exp_jitter() -> Result<(), ()> {
    Err(())
}

#[retry(stop = attempts(3), wait = full_jitter(100ms, 2))]
async fn full_jitter() -> Result<(), ()> {
    Err(())
}

#[retry(stop = attempts(3), wait = equal_jitter(PAUSE, 1))]
async fn equal_jitter() -> Result<(), ()> {
    Err(())
}

#[retry(stop = attempts(3), wait = decorrelated_jitter(1, 30))]
async fn decorrelated_jitter() -> Result<(), ()> {
    Err(())
}

#[retry(stop = attempts(4), wait = incrementing(0, 1.5s, 5))]
async fn incrementing() -> Result<(), ()> {
    Err(())
}

#[retry(stop = attempts(5), wait = chain(fixed(1), fixed(2) + random(0, 1), exponential(1, 10)))]
async fn chained() -> Result<(), ()> {
    Err(())
}

#[retry(stop = attempts(3) | elapsed(10), wait = fixed(1ms))]
fn blocking() -> Result<(), ()> {
    Err(())
}

#[retry]
async fn defaults() -> Result<u8, ()> {
    Ok(1)
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let start = tokio::time::Instant::now();
        assert_eq!(attempts_only().await, Err(()));
        assert_eq!(start.elapsed(), Duration::ZERO);
        assert_eq!(attempts_or_elapsed().await, Err(()));
        assert_eq!(start.elapsed(), 3 * PAUSE);
        assert_eq!(combined().await, Err(()));
        let counter = std::sync::atomic::AtomicU32::new(0);
        assert_eq!(until_success(&counter).await, Ok(5));
        assert_eq!(random_wait().await, Err(()));
        assert_eq!(exponential_plus_random().await, Err(()));
        assert_eq!(exponential_with_base().await, Err(()));
        assert_eq!(exp_jitter().await, Err(()));
        assert_eq!(full_jitter().await, Err(()));
        assert_eq!(equal_jitter().await, Err(()));
        assert_eq!(decorrelated_jitter().await, Err(()));
        let before = tokio::time::Instant::now();
        assert_eq!(incrementing().await, Err(()));
        assert_eq!(before.elapsed(), Duration::from_millis(4500));
        assert_eq!(chained().await, Err(()));
        assert_eq!(defaults().await, Ok(1));
    });
    assert_eq!(blocking(), Err(()));
}
