// Every family with an initial delay and a ceiling rejects an initial above the ceiling.
use retry_runtime::retry;

#[retry(wait = exponential(60, 1))]
fn exponential() -> Result<u32, String> {
    Ok(1)
}

#[retry(wait = exp_jitter(2m, 1s, 5))]
fn exp_jitter() -> Result<u32, String> {
    Ok(1)
}

#[retry(wait = full_jitter(10, 500ms))]
fn full_jitter() -> Result<u32, String> {
    Ok(1)
}

#[retry(wait = equal_jitter(1h, 60))]
fn equal_jitter() -> Result<u32, String> {
    Ok(1)
}

#[retry(wait = decorrelated_jitter(2, 1.5))]
fn decorrelated_jitter() -> Result<u32, String> {
    Ok(1)
}

#[retry(wait = incrementing(30, 1, 10))]
fn incrementing() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = (exponential(), exp_jitter(), full_jitter());
    let _ = (equal_jitter(), decorrelated_jitter(), incrementing());
}
