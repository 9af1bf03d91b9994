// `on = Variant` names a variant of an enum error type: with `String`, `io::Error` (also
// through `io::Result`) or a boxed error there is none, and rustc said "ambiguous associated
// type" with a suggestion naming the runtime's internals. The message says to use `when`.
use retry_runtime::retry;
use std::io;

#[retry(on = RateLimit)]
fn text() -> Result<u32, String> {
    Ok(1)
}

#[retry(unless = NotFound)]
fn read() -> io::Result<u32> {
    Ok(1)
}

#[retry(on = Busy | Timeout)]
fn boxed() -> Result<u32, Box<dyn std::error::Error>> {
    Ok(1)
}

fn main() {
    let _ = (text(), read(), boxed());
}
