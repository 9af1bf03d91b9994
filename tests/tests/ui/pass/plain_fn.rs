// A plain `fn`: each attempt runs the body again, and the loop sleeps on the thread.
use retry_runtime::retry;
use std::cell::Cell;

thread_local! {
    static CALLS: Cell<u32> = const { Cell::new(0) };
}

#[retry(stop = attempts(4), wait = fixed(1ms))]
fn flaky(limit: u32) -> Result<u32, String> {
    let n = CALLS.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    if n < limit { Err(format!("try {n}")) } else { Ok(n) }
}

#[retry(stop = attempts(2), wait = none)]
fn always_fails() -> Result<(), &'static str> {
    Err("down")
}

fn main() {
    assert_eq!(flaky(3), Ok(3));
    assert_eq!(always_fails(), Err("down"));
}
