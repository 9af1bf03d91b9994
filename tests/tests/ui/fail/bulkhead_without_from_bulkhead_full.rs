// `bulkhead` needs a way to turn a refused call (no place) into the function's error: one
// error, at the bulkhead, naming the impl to add.
use retry_runtime::{Bulkhead, retry};

#[derive(Debug)]
enum LlmError {
    Overload,
}

static POOL: Bulkhead = Bulkhead::new(4);

#[retry(stop = attempts(3), bulkhead = POOL)]
async fn ask(prompt: &str) -> Result<String, LlmError> {
    let _ = prompt;
    Err(LlmError::Overload)
}

fn main() {
    let _ = ask("hi");
}
