// Exponents far past any duration, either way: an error at the number, never a panic of the
// macro (`0.5e-2147483648` once overflowed an `i32`; it is below a nanosecond, so zero).
use retry_runtime::retry;

#[retry(wait = fixed(0.5e99999999999999999999))]
fn huge_exponent() -> Result<u32, String> {
    Ok(1)
}

#[retry(wait = fixed(1e2147483648))]
fn too_long() -> Result<u32, String> {
    Ok(1)
}

#[retry(wait = fixed(0.5e-2147483648) + fixed(1e-99999))]
fn below_a_nanosecond() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = (huge_exponent(), too_long(), below_a_nanosecond());
}
