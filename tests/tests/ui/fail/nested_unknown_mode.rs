// `nested` takes a mode, unquoted, with "did you mean" for a misspelling.
use retry_runtime::retry;

#[retry(nested = multiplty)]
async fn call() -> Result<(), std::io::Error> {
    Ok(())
}

#[retry(nested = "multiply")]
async fn quoted() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
