//! `classify::Sdk` against decisions recorded by running openai-python 3.57 and
//! anthropic-python 2.16 (`tools/sdk-decisions/record.py`): every case, both SDKs, the same
//! retry or not and the same server-directed sleep.
#![cfg(feature = "http")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use retry_runtime::classify::{FailedRequest, HttpFailure, Sdk};
use serde_json::Value;

pub fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/sdk_decisions.json")).expect("the recorded fixture is JSON")
}

/// What a case's first response was: a response, or a transport failure.
#[derive(Debug)]
pub enum Failure {
    Response(HttpFailure),
    Transport(std::io::Error),
}

pub fn now_of(case: &Value) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs_f64(case["now_unix"].as_f64().expect("now_unix"))
}

pub fn failure_of(case: &Value) -> Failure {
    let Some(status) = case["status"].as_u64() else {
        return Failure::Transport(std::io::ErrorKind::ConnectionReset.into());
    };
    let mut headers = HeaderMap::new();
    for pair in case["response_headers"].as_array().expect("headers") {
        let name = HeaderName::from_bytes(pair[0].as_str().unwrap().to_lowercase().as_bytes()).unwrap();
        headers.append(name, HeaderValue::from_str(pair[1].as_str().unwrap()).unwrap());
    }
    let body = match &case["response_body"] {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let status = StatusCode::from_u16(u16::try_from(status).unwrap()).unwrap();
    Failure::Response(HttpFailure::at(status, headers, &body, now_of(case)))
}

/// The cases where the presets decide otherwise on purpose: a 429 that says the account
/// is out of money is not retried (spec §9), which the SDKs retry as any 429.
pub fn deliberately_differs(case: &Value) -> bool {
    let body = case["response_body"].to_string();
    case["status"] == 429 && (body.contains("insufficient_quota") || body.contains("enforced_spend_limit_reached"))
}

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
