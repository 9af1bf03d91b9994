//! `telemetry::time_attempts`: each attempt's duration, on tokio's paused clock. A binary of
//! its own, since the switch is process-wide and `tests/metrics.rs` asserts that a first try
//! records nothing but its counter.
#![cfg(feature = "metrics")]

use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use retry_runtime::RetryPolicy;
use retry_runtime::stop::attempts;
use retry_runtime::telemetry::{self, ATTEMPT_DURATION};
use retry_runtime::wait::fixed;

/// Guards the histogram's values and labels: two attempts of 3 s and 1 s, the first
/// retryable, the second a success; the 10 s sleep between them is not an attempt's time.
#[test]
fn each_attempt_records_how_long_it_ran_and_how_it_ended() {
    telemetry::time_attempts(true);
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let policy =
        RetryPolicy::builder().name("f").stop(attempts(2)).wait(fixed(Duration::from_secs(10))).build().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    metrics::with_local_recorder(&recorder, || {
        let mut n = 0;
        let out: Result<u32, &str> = runtime.block_on(policy.retry(|| {
            n += 1;
            let (took, outcome) = if n == 1 { (3, Err("busy")) } else { (1, Ok(n)) };
            async move {
                tokio::time::sleep(Duration::from_secs(took)).await;
                outcome
            }
        }));
        assert_eq!(out, Ok(2));
    });
    let mut seen: Vec<(String, Vec<f64>)> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(key, ..)| key.key().name() == ATTEMPT_DURATION)
        .map(|(key, _, _, value)| {
            let labels: Vec<String> = key.key().labels().map(|l| format!("{}={}", l.key(), l.value())).collect();
            let DebugValue::Histogram(samples) = value else { panic!("{ATTEMPT_DURATION} is a histogram") };
            (labels.join(","), samples.into_iter().map(|s| s.into_inner()).collect())
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        seen,
        [("function=f,outcome=retryable".to_owned(), vec![3.0]), ("function=f,outcome=success".to_owned(), vec![1.0])]
    );
}
