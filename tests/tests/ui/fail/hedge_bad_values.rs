// Hedging values checked at compile time, each at its token: a zero delay, a value that is
// no `after(D)`, no hedge at all, an absurd count, and `hedges` without `hedge`.
use retry_runtime::retry;

#[retry(hedge = after(0s))]
async fn zero_delay() -> Result<u32, std::io::Error> {
    Ok(1)
}

#[retry(hedge = 100ms)]
async fn not_after() -> Result<u32, std::io::Error> {
    Ok(1)
}

#[retry(hedge = after(100ms), hedges = 0)]
async fn no_hedge() -> Result<u32, std::io::Error> {
    Ok(1)
}

#[retry(hedge = after(100ms), hedges = 1000)]
async fn absurd() -> Result<u32, std::io::Error> {
    Ok(1)
}

#[retry(hedges = 2)]
async fn without_hedge() -> Result<u32, std::io::Error> {
    Ok(1)
}

fn main() {
    let _ = (zero_delay(), not_after(), no_hedge(), absurd(), without_hedge());
}
