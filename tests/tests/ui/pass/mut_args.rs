// `mut` arguments: each attempt starts from the caller's value, not from what the previous
// attempt left in it.
use retry_runtime::retry;
use std::cell::Cell;

thread_local! {
    static CALLS: Cell<u32> = const { Cell::new(0) };
}

#[retry(stop = attempts(3), wait = none)]
fn push_one(mut items: Vec<u32>, mut n: u32) -> Result<Vec<u32>, String> {
    n += 1;
    items.push(n);
    let call = CALLS.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    if call < 3 { Err(format!("{items:?}")) } else { Ok(items) }
}

#[retry(stop = attempts(2), wait = fixed(1s))]
async fn count_down(mut n: u32) -> Result<u32, String> {
    while n > 0 {
        n -= 1;
    }
    Ok(n)
}

fn main() {
    assert_eq!(push_one(vec![0], 0), Ok(vec![0, 1]));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(count_down(3)), Ok(0));
}
