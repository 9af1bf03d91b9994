// A predicate over the wrong error type is the type checker's error, at the predicate.
use retry_runtime::retry;

#[derive(Debug)]
enum LlmError {
    Overload,
}

#[retry(when = |e: &String| e.is_empty())]
fn fetch() -> Result<u32, LlmError> {
    Err(LlmError::Overload)
}

fn main() {
    let _ = fetch();
}
