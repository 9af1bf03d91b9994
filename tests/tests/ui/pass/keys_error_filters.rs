// `on` with bare variant names, paths and full patterns; `unless`; `when` with a closure and
// with a method path, alone and beside `on`; `when_ok`.
use retry_runtime::retry;
use std::cell::Cell;

#[derive(Debug, PartialEq)]
enum LlmError {
    RateLimit,
    Overload(String),
    Status(u16),
    BadRequest { message: String },
}

impl LlmError {
    fn is_transient(&self) -> bool {
        !matches!(self, LlmError::BadRequest { .. })
    }
}

#[derive(Debug, PartialEq)]
struct Http {
    status: u16,
}

thread_local! {
    static CALLS: Cell<u32> = const { Cell::new(0) };
}

fn calls() -> u32 {
    CALLS.with(Cell::get)
}

fn reset() {
    CALLS.with(|c| c.set(0));
}

fn fail(e: LlmError) -> Result<u32, LlmError> {
    CALLS.with(|c| c.set(c.get() + 1));
    Err(e)
}

#[retry(stop = attempts(3), wait = none, on = RateLimit | Overload | LlmError::Status(500..=599))]
fn on_names_and_patterns(e: fn() -> LlmError) -> Result<u32, LlmError> {
    fail(e())
}

#[retry(stop = attempts(3), wait = none, on = LlmError::Overload | LlmError::BadRequest)]
fn on_paths(e: fn() -> LlmError) -> Result<u32, LlmError> {
    fail(e())
}

#[retry(stop = attempts(3), wait = none, on = Http { status: 429, .. } | Http { status: 503 })]
fn on_struct_patterns(status: u16) -> Result<(), Http> {
    CALLS.with(|c| c.set(c.get() + 1));
    Err(Http { status })
}

#[retry(stop = attempts(3), wait = none, unless = BadRequest | LlmError::Status(400..=499))]
fn unless_permanent(e: fn() -> LlmError) -> Result<u32, LlmError> {
    fail(e())
}

#[retry(stop = attempts(3), wait = none, when = |e| e.is_transient())]
fn when_closure(e: fn() -> LlmError) -> Result<u32, LlmError> {
    fail(e())
}

#[retry(stop = attempts(3), wait = none, when = LlmError::is_transient)]
fn when_method(e: fn() -> LlmError) -> Result<u32, LlmError> {
    fail(e())
}

#[retry(stop = attempts(3), wait = none, on = LlmError::Status(_), when = |e: &LlmError| *e != LlmError::Status(501))]
fn on_and_when(e: fn() -> LlmError) -> Result<u32, LlmError> {
    fail(e())
}

#[retry(stop = attempts(3), wait = none, when_ok = |v| *v == 0)]
fn when_ok() -> Result<u32, LlmError> {
    CALLS.with(|c| {
        c.set(c.get() + 1);
        Ok(c.get() - 1)
    })
}

#[retry(stop = attempts(2), wait = fixed(1s), on = RateLimit, when_ok = |v: &Vec<u8>| v.is_empty())]
async fn async_filters(empty: bool) -> Result<Vec<u8>, LlmError> {
    CALLS.with(|c| c.set(c.get() + 1));
    Ok(if empty { Vec::new() } else { vec![1] })
}

fn attempts_for(f: impl Fn() -> bool) -> u32 {
    reset();
    let _ = f();
    calls()
}

fn main() {
    assert_eq!(attempts_for(|| on_names_and_patterns(|| LlmError::RateLimit).is_err()), 3);
    assert_eq!(attempts_for(|| on_names_and_patterns(|| LlmError::Overload("x".into())).is_err()), 3);
    assert_eq!(attempts_for(|| on_names_and_patterns(|| LlmError::Status(503)).is_err()), 3);
    assert_eq!(attempts_for(|| on_names_and_patterns(|| LlmError::Status(404)).is_err()), 1);
    let bad = || LlmError::BadRequest { message: "no".into() };
    assert_eq!(attempts_for(|| on_names_and_patterns(bad).is_err()), 1);
    assert_eq!(attempts_for(|| on_paths(bad).is_err()), 3);
    assert_eq!(attempts_for(|| on_paths(|| LlmError::RateLimit).is_err()), 1);
    assert_eq!(attempts_for(|| on_struct_patterns(429).is_err()), 3);
    assert_eq!(attempts_for(|| on_struct_patterns(503).is_err()), 3);
    assert_eq!(attempts_for(|| on_struct_patterns(500).is_err()), 1);
    assert_eq!(attempts_for(|| unless_permanent(bad).is_err()), 1);
    assert_eq!(attempts_for(|| unless_permanent(|| LlmError::Status(429)).is_err()), 1);
    assert_eq!(attempts_for(|| unless_permanent(|| LlmError::Status(503)).is_err()), 3);
    assert_eq!(attempts_for(|| when_closure(bad).is_err()), 1);
    assert_eq!(attempts_for(|| when_closure(|| LlmError::RateLimit).is_err()), 3);
    assert_eq!(attempts_for(|| when_method(bad).is_err()), 1);
    assert_eq!(attempts_for(|| when_method(|| LlmError::RateLimit).is_err()), 3);
    assert_eq!(attempts_for(|| on_and_when(|| LlmError::Status(502)).is_err()), 3);
    assert_eq!(attempts_for(|| on_and_when(|| LlmError::Status(501)).is_err()), 1);
    assert_eq!(attempts_for(|| on_and_when(|| LlmError::RateLimit).is_err()), 1);
    reset();
    assert_eq!(when_ok(), Ok(1));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    reset();
    assert_eq!(rt.block_on(async_filters(true)), Ok(Vec::new()));
    assert_eq!(calls(), 2);
}
