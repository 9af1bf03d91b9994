// A key given twice: both places are shown, the second one is the error.
use retry_runtime::retry;

#[retry(stop = attempts(3), wait = none, stop = attempts(5))]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
