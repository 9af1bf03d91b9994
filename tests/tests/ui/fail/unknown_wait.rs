// Unknown wait strategies: one close enough to suggest, one that only lists the choices.
use retry_runtime::retry;

#[retry(wait = exponental(1, 60))]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

#[retry(wait = backoff(1, 60))]
fn fetch_again() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
    let _ = fetch_again();
}
