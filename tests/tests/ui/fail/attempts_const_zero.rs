// `attempts(N)` with a named constant is checked at compile time too, by a `const` block
// (evaluated by `cargo build`; `cargo check` does not evaluate it).
use retry_runtime::retry;

const TRIES: u32 = 0;

#[retry(stop = attempts(TRIES))]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
