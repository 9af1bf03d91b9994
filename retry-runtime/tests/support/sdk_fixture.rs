//! Reads the decisions recorded from openai-python 3.57 and anthropic-python 2.16
//! (`tools/sdk-decisions/record.py`), shared by the tests of `classify::Sdk` and of the
//! presets.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use retry_runtime::classify::HttpFailure;
use serde_json::Value;

pub(crate) fn fixture() -> Value {
    serde_json::from_str(include_str!("../fixtures/sdk_decisions.json")).expect("the recorded fixture is JSON")
}

/// What a case's first response was: a response, or a transport failure.
#[derive(Debug)]
pub(crate) enum Failure {
    Response(HttpFailure),
    Transport(std::io::Error),
}

pub(crate) fn now_of(case: &Value) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs_f64(case["now_unix"].as_f64().expect("now_unix"))
}

pub(crate) fn failure_of(case: &Value) -> Failure {
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
pub(crate) fn deliberately_differs(case: &Value) -> bool {
    let body = case["response_body"].to_string();
    case["status"] == 429 && (body.contains("insufficient_quota") || body.contains("enforced_spend_limit_reached"))
}
