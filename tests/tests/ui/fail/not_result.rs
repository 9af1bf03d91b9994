// The function must return `Result<_, _>`: nothing, a plain value, or an alias that is no
// `Result`.
use retry_runtime::retry;

#[retry]
fn nothing() {}

#[retry]
fn number() -> u32 {
    1
}

type Count = Option<u32>;

#[retry]
fn aliased() -> Count {
    Some(1)
}

fn main() {
    nothing();
    let _ = number();
    let _ = aliased();
}
