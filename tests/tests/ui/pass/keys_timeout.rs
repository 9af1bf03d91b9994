// `timeout`: an attempt still running after its limit fails with `E::from(Elapsed)`.
use retry_runtime::{Elapsed, retry};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

#[derive(Debug, PartialEq)]
enum FetchError {
    TimedOut(Duration),
}

impl From<Elapsed> for FetchError {
    fn from(e: Elapsed) -> Self {
        FetchError::TimedOut(e.limit())
    }
}

static CALLS: AtomicU32 = AtomicU32::new(0);

#[retry(stop = attempts(3), wait = none, timeout = 2s)]
async fn slow_then_fast() -> Result<u32, FetchError> {
    let n = CALLS.fetch_add(1, Ordering::SeqCst) + 1;
    if n < 3 {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    Ok(n)
}

#[retry(stop = attempts(5) | deadline(3s), wait = none, timeout = 2s)]
async fn never_fast() -> Result<(), FetchError> {
    tokio::time::sleep(Duration::from_secs(60)).await;
    Ok(())
}

// A generic error type: the `From<Elapsed>` bound comes from the function's own generics.
#[retry(stop = attempts(2), wait = none, timeout = 1s)]
async fn generic_error<E: From<Elapsed> + Send>() -> Result<(), E> {
    tokio::time::sleep(Duration::from_secs(60)).await;
    Ok(())
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let start = tokio::time::Instant::now();
        assert_eq!(slow_then_fast().await, Ok(3));
        assert_eq!(start.elapsed(), Duration::from_secs(4));
        let start = tokio::time::Instant::now();
        assert!(matches!(never_fast().await, Err(FetchError::TimedOut(_))));
        assert_eq!(start.elapsed(), Duration::from_secs(3));
        let start = tokio::time::Instant::now();
        assert!(matches!(generic_error::<FetchError>().await, Err(FetchError::TimedOut(_))));
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    });
}
