// `first_item_timeout` bounds a stream's first item: a function that returns no stream is
// told to return one, or to use `timeout`.
use retry_runtime::retry;

#[retry(first_item_timeout = 10s)]
async fn call() -> Result<String, std::io::Error> {
    Ok(String::new())
}

fn main() {}
