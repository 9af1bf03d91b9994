// An `extern` function cannot be retried in place.
use retry_runtime::retry;

#[retry]
extern "C" fn fetch() -> Result<u32, ()> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
