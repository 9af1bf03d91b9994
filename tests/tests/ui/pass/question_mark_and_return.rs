// `?` and `return` in the body end the attempt, not the call: the next attempt still runs.
use retry_runtime::retry;
use std::cell::Cell;
use std::num::ParseIntError;

thread_local! {
    static CALLS: Cell<usize> = const { Cell::new(0) };
}

const INPUTS: [&str; 3] = ["x", "", "12"];

#[retry(stop = attempts(3), wait = none)]
fn parse_next() -> Result<u32, ParseIntError> {
    let i = CALLS.with(|c| {
        c.set(c.get() + 1);
        c.get() - 1
    });
    let text = INPUTS[i];
    if text.is_empty() {
        return "y".parse();
    }
    let n: u32 = text.parse()?;
    Ok(n)
}

#[retry(stop = attempts(3), wait = fixed(1s))]
async fn parse_async(text: &str) -> Result<u32, ParseIntError> {
    if text.is_empty() {
        return Ok(0);
    }
    let n = text.parse::<u32>()?;
    Ok(n + 1)
}

fn main() {
    assert_eq!(parse_next(), Ok(12));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(parse_async("")), Ok(0));
    assert_eq!(rt.block_on(parse_async("1")), Ok(2));
    assert!(rt.block_on(parse_async("z")).is_err());
}
