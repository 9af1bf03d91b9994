// A function that returns a stream takes neither `state` (its body makes each attempt's
// stream) nor `fallback` (a stream half read cannot be handed over).
use futures_util::{Stream, stream};
use retry_runtime::retry;

fn other() -> impl Stream<Item = Result<u8, std::io::Error>> {
    stream::empty()
}

#[retry(state = s, fallback = other)]
fn tokens() -> impl Stream<Item = Result<u8, std::io::Error>> {
    stream::iter([Ok(1)])
}

fn main() {}
