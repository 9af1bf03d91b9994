// `log` takes a `tracing` level or `off`.
use retry_runtime::retry;

#[retry(log = warning)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

#[retry(log = "warn")]
fn fetch_again() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
    let _ = fetch_again();
}
