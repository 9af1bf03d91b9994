// Slips a user makes every day, each a message in the crate's own voice with a hint: `||`
// between variants or stop conditions, a number apart from its unit, and `state = s`
// hiding a parameter `s` (it once shadowed it silently, then failed on the types).
use retry_runtime::retry;

#[derive(Debug)]
enum E {
    A,
    B,
}

#[retry(on = A || B)]
fn or_or() -> Result<u32, E> {
    Ok(1)
}

#[retry(stop = attempts(1) || attempts(2))]
fn stop_or_or() -> Result<u32, E> {
    Ok(1)
}

#[retry(wait = fixed(5 s))]
fn spaced_unit() -> Result<u32, E> {
    Ok(1)
}

#[retry(state = s)]
fn shadowed(s: u32) -> Result<u32, E> {
    Ok(s)
}

fn main() {
    let _ = (or_or(), stop_or_or(), spaced_unit(), shadowed(1), E::A, E::B);
}
