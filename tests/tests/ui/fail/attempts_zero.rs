// `attempts(0)` would never run the function.
use retry_runtime::retry;

#[retry(stop = attempts(0))]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
