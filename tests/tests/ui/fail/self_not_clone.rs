// `self` by value whose type is not `Clone`: reported at `self`, with the same advice as
// any other parameter (take `&self`), not on the whole attribute.
use retry_runtime::retry;

struct Connection;

impl Connection {
    #[retry(wait = none)]
    fn send(self, bytes: usize) -> Result<usize, String> {
        Ok(bytes)
    }

    #[retry(wait = none, fallback = Self::other)]
    fn send_or(mut self, bytes: usize) -> Result<usize, String> {
        Ok(bytes)
    }

    fn other(self, bytes: usize) -> Result<usize, String> {
        let _ = self;
        Ok(bytes)
    }
}

fn main() {}
