// `#[tokio::main]` (or `#[tokio::test]`) above `#[retry]` expands first and makes the
// `async fn` a blocking one, which `#[retry]` would retry whole, a runtime and a thread sleep
// per attempt: an error that says which order to write.
use retry_runtime::retry;

#[tokio::main(flavor = "current_thread")]
#[retry(stop = attempts(3), wait = fixed(1s))]
async fn main() -> Result<(), String> {
    Err("down".to_owned())
}
