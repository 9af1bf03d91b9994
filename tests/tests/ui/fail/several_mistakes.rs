// Every mistake in one attribute is reported in one build, each at its own token.
use retry_runtime::retry;

#[retry(stpo = attempts(3), stop = attempts(0), wait = fixd(1) + random(5, 1), log = loud)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
