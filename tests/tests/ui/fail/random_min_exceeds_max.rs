// `random(MIN, MAX)` with MIN above MAX.
use retry_runtime::retry;

#[retry(wait = random(2s, 500ms))]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
