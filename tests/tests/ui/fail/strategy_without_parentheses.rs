// A strategy that takes arguments, written without them.
use retry_runtime::retry;

#[retry(stop = attempts, wait = fixed)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
