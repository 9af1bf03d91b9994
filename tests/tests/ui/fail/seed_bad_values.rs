// `seed` takes a whole number that fits a `u64`, or a `const`: each other value is an error at it.
use retry_runtime::retry;

#[retry(seed = -1)]
fn negative() -> Result<u32, String> {
    Ok(1)
}

#[retry(seed = 1.5)]
fn fraction() -> Result<u32, String> {
    Ok(1)
}

#[retry(seed = 18446744073709551616)]
fn too_big() -> Result<u32, String> {
    Ok(1)
}

#[retry(seed = "7")]
fn quoted() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = (negative(), fraction(), too_big(), quoted());
}
