// A named constant that is zero where a positive duration is needed fails the build, at the
// constant (evaluated by `cargo build`; `cargo check` does not evaluate it).
use retry_runtime::retry;
use std::time::Duration;

const NO_TIME: Duration = Duration::ZERO;

#[retry(stop = elapsed(NO_TIME))]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
