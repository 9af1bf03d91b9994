// A literal that is no duration at all.
use retry_runtime::retry;

#[retry(wait = fixed("5s"), stop = elapsed(true))]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
