// `#[retry]` stacked with `#[tracing::instrument]`, in both orders, on blocking and async
// functions; each attribute keeps the other's tokens intact.
use retry_runtime::retry;

#[tracing::instrument]
#[retry(stop = attempts(2), wait = none)]
fn outer_span(n: u32) -> Result<u32, String> {
    Ok(n + 1)
}

#[retry(stop = attempts(2), wait = none)]
#[tracing::instrument(err)]
fn inner_span(n: u32) -> Result<u32, String> {
    if n == 0 { Err("zero".into()) } else { Ok(n) }
}

#[tracing::instrument]
#[retry(stop = attempts(2), wait = fixed(1s))]
async fn outer_span_async(n: u32) -> Result<u32, String> {
    Ok(n)
}

#[retry(stop = attempts(2), wait = fixed(1s))]
#[tracing::instrument(skip(text))]
async fn inner_span_async(text: &str) -> Result<usize, String> {
    Ok(text.len())
}

fn main() {
    assert_eq!(outer_span(1), Ok(2));
    assert_eq!(inner_span(2), Ok(2));
    assert!(inner_span(0).is_err());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(outer_span_async(5)), Ok(5));
    assert_eq!(rt.block_on(inner_span_async("abc")), Ok(3));
}
