// Each strategy says how many arguments it takes and how many it got.
use retry_runtime::retry;

#[retry(stop = attempts(1, 2) | never(3), wait = fixed() + exp_jitter(1, 60))]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

#[retry(wait = exponential(1) + incrementing(1, 2) + random(1) + full_jitter(1, 2, 3))]
fn fetch_again() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
    let _ = fetch_again();
}
