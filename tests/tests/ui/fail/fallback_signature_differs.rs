// A fallback is called with the function's own arguments and must return its type: a
// fallback that differs is the type checker's error, at the fallback's name.
use retry_runtime::retry;

#[derive(Debug)]
enum LlmError {
    Overload,
}

async fn ask_b(prompt: &str, temperature: f32) -> Result<String, LlmError> {
    let _ = temperature;
    Ok(prompt.to_owned())
}

async fn ask_c(prompt: &str) -> Result<u32, LlmError> {
    let _ = prompt;
    Ok(0)
}

#[retry(stop = attempts(3), fallback = ask_b)]
async fn ask_a(prompt: &str) -> Result<String, LlmError> {
    let _ = prompt;
    Err(LlmError::Overload)
}

#[retry(stop = attempts(3), fallback = ask_c)]
async fn ask_d(prompt: &str) -> Result<String, LlmError> {
    let _ = prompt;
    Err(LlmError::Overload)
}

fn main() {
    let _ = ask_a("hi");
    let _ = ask_d("hi");
}
