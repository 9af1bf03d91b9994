// Durations cannot be negative.
use retry_runtime::retry;

#[retry(wait = fixed(-1) + random(-0.5, 1))]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
