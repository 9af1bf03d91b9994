// `retry_after` (a delay the server asked for) and its ceiling `retry_after_max`.
use retry_runtime::retry;
use std::time::Duration;

#[derive(Debug, PartialEq)]
enum ApiError {
    RateLimited { retry_after: Option<Duration> },
}

impl ApiError {
    fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::RateLimited { retry_after } => *retry_after,
        }
    }
}

#[retry(stop = attempts(3), wait = fixed(1s), retry_after = ApiError::retry_after)]
async fn obeys_server(delay: u64) -> Result<(), ApiError> {
    Err(ApiError::RateLimited { retry_after: Some(Duration::from_secs(delay)) })
}

#[retry(
    stop = attempts(3),
    wait = none,
    retry_after = |e: &ApiError| e.retry_after(),
    retry_after_max = 10s,
)]
async fn gives_up_on_long_delays(delay: u64) -> Result<(), ApiError> {
    Err(ApiError::RateLimited { retry_after: Some(Duration::from_secs(delay)) })
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let start = tokio::time::Instant::now();
        assert!(obeys_server(5).await.is_err());
        assert_eq!(start.elapsed(), Duration::from_secs(10));
        let start = tokio::time::Instant::now();
        assert!(gives_up_on_long_delays(60).await.is_err());
        assert_eq!(start.elapsed(), Duration::ZERO);
    });
}
