// A misspelled key is named, with the key it most likely meant.
use retry_runtime::retry;

#[retry(stpo = attempts(3))]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
