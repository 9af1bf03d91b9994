// `impl Trait` arguments: by reference, or by value when the type is `Clone`.
use retry_runtime::retry;
use std::fmt::Display;

#[retry(stop = attempts(2), wait = none)]
fn greet(name: impl AsRef<str> + Clone, punctuation: &impl Display) -> Result<String, String> {
    Ok(format!("hello {}{punctuation}", name.as_ref()))
}

#[retry(stop = attempts(3), wait = none)]
fn call(f: &impl Fn(u32) -> Result<u32, String>, n: u32) -> Result<u32, String> {
    f(n)
}

#[retry(stop = attempts(2), wait = fixed(1s))]
async fn measure(items: impl IntoIterator<Item = u32> + Clone) -> Result<u32, String> {
    Ok(items.into_iter().sum())
}

fn main() {
    assert_eq!(greet("ann", &'!').unwrap(), "hello ann!");
    assert_eq!(call(&|n| Ok(n * 2), 4), Ok(8));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(measure(vec![1, 2, 3])), Ok(6));
}
