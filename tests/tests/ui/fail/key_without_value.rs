// Malformed entries: a key with no value, a value with no key, `:` for `=`.
use retry_runtime::retry;

#[retry(stop, 5, wait: none, log =)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
