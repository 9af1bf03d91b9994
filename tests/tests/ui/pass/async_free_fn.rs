// An `async fn` free function: retried on tokio's (paused) clock until it succeeds.
use retry_runtime::retry;
use std::sync::atomic::{AtomicU32, Ordering};

static CALLS: AtomicU32 = AtomicU32::new(0);

#[retry(stop = attempts(5), wait = fixed(1s))]
async fn flaky(label: &str) -> Result<String, String> {
    let n = CALLS.fetch_add(1, Ordering::SeqCst) + 1;
    if n < 3 {
        Err(format!("busy {n}"))
    } else {
        Ok(format!("{label} on attempt {n}"))
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(flaky("ok")).unwrap(), "ok on attempt 3");
}
