// `Result<impl Display, E>`: the `Ok` type is opaque, and the loop still infers it.
use retry_runtime::retry;
use std::fmt::Display;

#[retry(stop = attempts(2), wait = none)]
fn label(n: u32) -> Result<impl Display, String> {
    if n == 0 { Err("zero".to_string()) } else { Ok(format!("#{n}")) }
}

#[retry(stop = attempts(2), wait = fixed(1s))]
async fn label_async(n: u32) -> Result<impl Display + Send, String> {
    Ok(n * 2)
}

fn main() {
    assert_eq!(label(3).unwrap().to_string(), "#3");
    assert!(label(0).is_err());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(label_async(4)).unwrap().to_string(), "8");
}
