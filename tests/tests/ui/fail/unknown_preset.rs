// `preset` takes the name of a preset, unquoted, with "did you mean" for a misspelling.
use retry_runtime::retry;

#[retry(preset = opena)]
async fn call() -> Result<(), std::io::Error> {
    Ok(())
}

#[retry(preset = "openai")]
async fn quoted() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
