// A misspelled stop condition, with a suggestion and the list of valid ones.
use retry_runtime::retry;

#[retry(stop = attmepts(3))]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
