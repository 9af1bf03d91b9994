// `timeout` turns a cut attempt into `E::from(Elapsed)`; without that impl the error says
// which impl to add.
use retry_runtime::retry;

#[derive(Debug)]
enum LlmError {
    Overload,
}

#[retry(timeout = 5s)]
async fn fetch() -> Result<u32, LlmError> {
    Err(LlmError::Overload)
}

fn main() {
    drop(fetch());
}
