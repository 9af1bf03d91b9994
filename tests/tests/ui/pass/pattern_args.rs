// Pattern arguments: tuples, structs and references are destructured for each attempt.
use retry_runtime::retry;

#[derive(Clone)]
struct Point {
    x: i32,
    y: i32,
}

#[retry(stop = attempts(2), wait = none)]
fn add((a, b): (u32, u32)) -> Result<u32, String> {
    a.checked_add(b).ok_or_else(|| "overflow".into())
}

#[retry(stop = attempts(2), wait = none)]
fn norm(Point { x, y }: Point, &(dx, dy): &(i32, i32)) -> Result<i32, String> {
    Ok((x + dx).abs() + (y + dy).abs())
}

#[retry(stop = attempts(2), wait = fixed(1s))]
async fn swap((a, b): (String, String), _: u8) -> Result<(String, String), String> {
    Ok((b, a))
}

fn main() {
    assert_eq!(add((1, 2)), Ok(3));
    assert_eq!(norm(Point { x: 1, y: -2 }, &(1, 0)), Ok(4));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let swapped = rt.block_on(swap(("a".into(), "b".into()), 0));
    assert_eq!(swapped, Ok(("b".to_string(), "a".to_string())));
}
