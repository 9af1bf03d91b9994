// The four stream shapes (spec §11), with the stream keys: `impl Stream<Item = Result<T, E>>`
// or `Result<impl Stream<…>, E>`, async or not; `first_item_timeout` and `nested`.
use futures_util::{Stream, StreamExt, stream};
use retry_runtime::{Elapsed, retry};

#[derive(Debug)]
struct Error;
impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("error")
    }
}
impl From<Elapsed> for Error {
    fn from(_: Elapsed) -> Self {
        Error
    }
}

#[retry(stop = attempts(3), wait = none, first_item_timeout = 30s)]
fn made(prompt: &str) -> impl Stream<Item = Result<String, Error>> {
    stream::iter([Ok(prompt.to_owned())])
}

#[retry(first_item_timeout = 250ms, nested = inner_once)]
async fn made_async(prompt: String) -> impl Stream<Item = Result<String, Error>> + Send {
    stream::iter([Ok(prompt)])
}

#[retry(stop = attempts(3), wait = none)]
fn opened(n: u8) -> Result<impl Stream<Item = Result<u8, Error>>, Error> {
    Ok(stream::iter([Ok(n)]))
}

#[retry(stop = attempts(3), wait = none, nested = multiply)]
async fn opened_async(n: u8) -> Result<impl Stream<Item = Result<u8, Error>>, Error> {
    Ok(stream::iter([Ok(n)]))
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    assert_eq!(made("hi").map(Result::unwrap).collect::<Vec<_>>().await, ["hi"]);
    let spawned = tokio::spawn(async { made_async("hi".to_owned()).await.count().await });
    assert_eq!(spawned.await.unwrap(), 1);
    assert_eq!(opened(7).unwrap().map(Result::unwrap).collect::<Vec<_>>().await, [7]);
    assert_eq!(opened_async(8).await.unwrap().map(Result::unwrap).collect::<Vec<_>>().await, [8]);
}
