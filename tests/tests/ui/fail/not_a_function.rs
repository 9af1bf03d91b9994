// The attribute goes on functions only.
use retry_runtime::retry;

#[retry(stop = attempts(3))]
struct Client {
    url: String,
}

#[retry]
const LIMIT: u32 = 3;

fn main() {
    let c = Client { url: String::new() };
    let _ = (c.url, LIMIT);
}
