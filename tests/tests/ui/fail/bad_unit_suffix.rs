// A unit suffix that is not `ns`, `us`, `ms`, `s`, `m` or `h`.
use retry_runtime::retry;

#[retry(wait = fixed(5sec), stop = elapsed(2min))]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
