// Retrying sleeps at run time; a `const fn` cannot.
use retry_runtime::retry;

#[retry]
const fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
