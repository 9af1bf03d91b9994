// The hooks (closures, typed or not, and function paths), every `log` level, and `state`
// read inside the body.
use retry_runtime::{RetryState, retry};
use std::sync::Mutex;

static EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn record(event: String) {
    EVENTS.lock().unwrap().push(event);
}

fn gave_up(state: &RetryState<'_, u32, String>) {
    record(format!("gave up after {} in {}", state.attempt(), state.function()));
}

#[retry(
    stop = attempts(3),
    wait = fixed(1s),
    before = |s| record(format!("before {}", s.attempt())),
    after = |s: &RetryState<'_, u32, String>| record(format!("after {}: {:?}", s.attempt(), s.error())),
    before_sleep = |s| record(format!("sleep {:?}", s.next_delay())),
    on_give_up = gave_up,
)]
async fn hooked() -> Result<u32, String> {
    Err("down".into())
}

#[retry(stop = attempts(3), wait = none, state = attempt)]
fn with_state(model: &str) -> Result<String, String> {
    if attempt.attempt() < 3 {
        return Err(format!("{model} busy"));
    }
    Ok(format!("{model} on attempt {}", attempt.attempt()))
}

#[retry(stop = attempts(2), wait = fixed(1s), state = s)]
async fn with_state_async() -> Result<u32, String> {
    if s.attempt() == 1 { Err("first".into()) } else { Ok(s.attempt()) }
}

#[retry(stop = attempts(2), wait = none, log = off)]
fn log_off() -> Result<(), String> {
    Err("quiet".into())
}

#[retry(stop = attempts(2), wait = none, log = trace)]
fn log_trace() -> Result<(), String> {
    Err("t".into())
}

#[retry(stop = attempts(2), wait = none, log = debug)]
fn log_debug() -> Result<(), String> {
    Err("d".into())
}

#[retry(stop = attempts(2), wait = none, log = info)]
fn log_info() -> Result<(), String> {
    Err("i".into())
}

#[retry(stop = attempts(2), wait = none, log = warn)]
fn log_warn() -> Result<(), String> {
    Err("w".into())
}

#[retry(stop = attempts(2), wait = none, log = error)]
fn log_error() -> Result<(), String> {
    Err("e".into())
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    assert!(rt.block_on(hooked()).is_err());
    let events = EVENTS.lock().unwrap().clone();
    assert_eq!(events[0], "before 1");
    assert_eq!(events[1], "after 1: Some(\"down\")");
    assert_eq!(events[2], "sleep Some(1s)");
    assert!(events.last().unwrap().starts_with("gave up after 3 in "));
    assert!(events.last().unwrap().ends_with("::hooked"));
    assert_eq!(with_state("small").unwrap(), "small on attempt 3");
    assert_eq!(rt.block_on(with_state_async()), Ok(2));
    let _ = (log_off(), log_trace(), log_debug(), log_info(), log_warn(), log_error());
}
