// Generic parameters, bounds in both places, a `where` clause, const generics, and an
// error type that is itself generic.
use retry_runtime::retry;
use std::fmt::Debug;
use std::str::FromStr;

#[retry(stop = attempts(2), wait = none)]
fn parse<T: FromStr>(text: &str) -> Result<T, T::Err>
where
    T::Err: Debug,
{
    text.trim().parse()
}

#[retry(stop = attempts(2), wait = none)]
fn first<T, const N: usize>(items: [T; N]) -> Result<T, String>
where
    T: Clone + Debug,
{
    items.into_iter().next().ok_or_else(|| format!("empty array of {N}"))
}

#[retry(stop = attempts(3), wait = fixed(1s))]
async fn echo<T>(value: T) -> Result<T, std::convert::Infallible>
where
    T: Clone + Send,
{
    Ok(value)
}

fn main() {
    assert_eq!(parse::<u8>(" 42 "), Ok(42));
    assert!(parse::<u8>("x").is_err());
    assert_eq!(first([1, 2, 3]), Ok(1));
    assert_eq!(first::<u8, 0>([]), Err("empty array of 0".to_string()));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(echo("x")), Ok("x"));
}
