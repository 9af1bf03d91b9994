//! `presets::openai()` and `presets::anthropic()` run through the real retry loop, on
//! tokio's paused clock, against every case recorded from openai-python 3.57 and
//! anthropic-python 2.16 (`tools/sdk-decisions/record.py`): the same number of requests, a
//! server-directed sleep equal to the SDK's, a backoff sleep inside the SDK's jitter band.
#![cfg(feature = "http")]

use std::cell::{Cell, RefCell};
use std::fmt::{self, Display};
use std::time::Duration;

use retry_runtime::classify::FailedRequest;
use retry_runtime::{RetryState, presets};
#[path = "support/sdk_fixture.rs"]
#[allow(dead_code)]
mod sdk_fixture;
use sdk_fixture::{Failure, deliberately_differs, failure_of, fixture};

/// What one run of a preset did: how many requests, and each sleep.
#[derive(Debug, Default)]
struct Run {
    requests: u32,
    sleeps: Vec<Duration>,
}

/// Runs `preset` (with `attempts` in all) over `failures` failed responses, then success.
async fn run<E: FailedRequest + fmt::Debug + Clone>(
    sdk: &str,
    attempts: u32,
    failure: E,
    failures: Option<u32>,
) -> Run {
    let requests = Cell::new(0);
    let sleeps = RefCell::new(Vec::new());
    let record = |s: &RetryState<'_, (), E>| sleeps.borrow_mut().push(s.next_delay().expect("known before a sleep"));
    let attempt = || {
        requests.set(requests.get() + 1);
        let fail = failures.is_none_or(|n| requests.get() <= n);
        let out = if fail { Err(failure.clone()) } else { Ok(()) };
        async move { out }
    };
    let stop = retry_runtime::stop::attempts(attempts);
    let _ = match sdk {
        "openai" => presets::openai().stop(stop).before_sleep(record).build().unwrap().retry(attempt).await,
        _ => presets::anthropic().stop(stop).before_sleep(record).build().unwrap().retry(attempt).await,
    };
    Run { requests: requests.get(), sleeps: sleeps.into_inner() }
}

/// The SDKs' backoff before retry `k`: `min(0.5 s · 2^(k−1), 8 s)`, less up to a quarter.
fn band(k: usize) -> (f64, f64) {
    let full = (0.5 * 2f64.powi(i32::try_from(k).unwrap() - 1)).min(8.0);
    (full * 0.75, full)
}

#[tokio::test(start_paused = true)]
async fn presets_decide_as_the_sdks_on_every_recorded_case() {
    let fixture = fixture();
    let mut compared = 0;
    for case in fixture["cases"].as_array().unwrap() {
        for sdk in ["openai", "anthropic"] {
            let recorded = &case["results"][sdk];
            let attempts = u32::try_from(recorded["max_retries"].as_u64().unwrap()).unwrap() + 1;
            let failures = case["failures"].as_u64().map(|n| u32::try_from(n).unwrap());
            let ours = match failure_of(case) {
                Failure::Response(f) => run(sdk, attempts, f, failures).await,
                Failure::Transport(e) => run(sdk, attempts, IoFailure(e.kind()), failures).await,
            };
            let id = format!("{sdk} {}", case["id"]);
            if deliberately_differs(case) {
                assert_eq!(ours.requests, 1, "{id}: a 429 for money is not retried");
                continue;
            }
            assert_eq!(u64::from(ours.requests), recorded["requests"].as_u64().unwrap(), "{id}: requests");
            let theirs = recorded["sleeps"].as_array().unwrap();
            assert_eq!(ours.sleeps.len(), theirs.len(), "{id}: sleeps");
            for (k, (slept, sdk_sleep)) in ours.sleeps.iter().zip(theirs).enumerate() {
                let seconds = sdk_sleep["seconds"].as_f64().unwrap();
                let slept = slept.as_secs_f64();
                if sdk_sleep["random"].is_null() {
                    assert!((slept - seconds).abs() < 1e-6, "{id}: slept {slept}, SDK {seconds} on the server's word");
                } else {
                    let (low, high) = band(k + 1);
                    assert!(
                        slept > low - 1e-9 && slept <= high + 1e-9,
                        "{id}: backoff {slept} outside ({low}, {high}]"
                    );
                    assert!(
                        seconds > low - 1e-9 && seconds <= high + 1e-9,
                        "{id}: the SDK's own {seconds} is in the band"
                    );
                }
            }
            compared += 1;
        }
    }
    assert!(compared >= 2 * 117, "{compared} runs compared");
}

/// A transport failure (no response) as an error value the test can clone.
#[derive(Debug, Clone)]
struct IoFailure(std::io::ErrorKind);

impl Display for IoFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl FailedRequest for IoFailure {
    fn status(&self) -> Option<u16> {
        None
    }
    fn header(&self, _: &str) -> Option<std::borrow::Cow<'_, str>> {
        None
    }
}
