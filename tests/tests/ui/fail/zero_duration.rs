// Durations that must be positive, given as zero.
use retry_runtime::retry;

#[retry(stop = elapsed(0) | deadline(0ms), wait = exponential(0, 60) + full_jitter(0s, 1))]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

#[retry(retry_after_max = 0)]
fn fetch_again() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
    let _ = fetch_again();
}
