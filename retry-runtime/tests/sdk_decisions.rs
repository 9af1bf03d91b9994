//! `classify::Sdk` against decisions recorded by running openai-python 3.57 and
//! anthropic-python 2.16 (`tools/sdk-decisions/record.py`): every case, both SDKs, the same
//! retry or not and the same server-directed sleep.
#![cfg(feature = "http")]

use std::time::{Duration, SystemTime};

use retry_runtime::classify::{FailedRequest, Sdk};

#[path = "support/sdk_fixture.rs"]
#[allow(dead_code)]
mod sdk_fixture;
use sdk_fixture::{Failure, deliberately_differs, failure_of, fixture, now_of};

fn decide(sdk: Sdk, failure: &impl FailedRequest, now: SystemTime) -> (bool, Option<Duration>) {
    (sdk.should_retry(failure, now), sdk.server_delay(failure, now))
}

#[test]
fn every_recorded_decision_is_the_sdks() {
    let fixture = fixture();
    let cases = fixture["cases"].as_array().expect("cases");
    assert!(cases.len() >= 117, "the fixture covers at least 117 header sets");
    let mut checked = 0;
    for case in cases {
        for (sdk, name) in [(Sdk::OpenAi, "openai"), (Sdk::Anthropic, "anthropic")] {
            let recorded = &case["results"][name];
            let now = now_of(case);
            let (retry, server) = match failure_of(case) {
                Failure::Response(f) => decide(sdk, &f, now),
                Failure::Transport(e) => decide(sdk, &e, now),
            };
            let id = format!("{name} {}", case["id"]);
            if deliberately_differs(case) {
                assert!(!retry, "{id}: out of money is not retried");
                continue;
            }
            let sdk_retried = recorded["requests"].as_u64().unwrap() > 1;
            assert_eq!(retry, sdk_retried, "{id}: retry");
            if let Some(first) = recorded["sleeps"].as_array().unwrap().first() {
                let seconds = first["seconds"].as_f64().unwrap();
                match (server, first["random"].is_null()) {
                    (Some(d), true) => {
                        assert!((d.as_secs_f64() - seconds).abs() < 1e-6, "{id}: slept {d:?}, SDK {seconds}")
                    }
                    (None, false) => {}
                    (ours, _) => panic!("{id}: server delay {ours:?}, SDK slept {first}"),
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 2 * 117, "{checked} decisions checked");
}
