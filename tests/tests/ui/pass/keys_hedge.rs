// `hedge = after(D)` on every shape whose attempts can run side by side: `&self`, `self` by
// value (cloned), shared references, by-value and pattern arguments, generics, a constant
// delay and count, `state`, and `policy = …` beside it.
use std::time::Duration;

use retry_runtime::{RetryPolicy, retry};

const AFTER: Duration = Duration::from_millis(50);
const HEDGES: u32 = 2;

#[derive(Clone)]
struct Client {
    base: String,
}

impl Client {
    #[retry(hedge = after(100ms))]
    async fn by_ref(&self, path: &str) -> Result<String, std::io::Error> {
        Ok(format!("{}{path}", self.base))
    }

    #[retry(hedge = after(AFTER), hedges = HEDGES)]
    async fn by_value(self, mut suffix: String) -> Result<String, std::io::Error> {
        suffix.push('!');
        Ok(self.base + &suffix)
    }
}

#[retry(hedge = after(1s), hedges = 3, state = s)]
async fn patterns<T: Clone + Send>((a, b): (u32, u32), items: Vec<T>, name: &str) -> Result<usize, std::io::Error> {
    let _ = (name, s.attempt());
    Ok((a + b) as usize + items.len())
}

static POLICY: std::sync::LazyLock<RetryPolicy> = std::sync::LazyLock::new(|| RetryPolicy::builder().build().unwrap());

#[retry(policy = POLICY, hedge = after(250ms))]
async fn shared(n: u64) -> Result<u64, std::io::Error> {
    Ok(n)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Client { base: "https://example.com".to_owned() };
    assert_eq!(client.by_ref("/a").await.unwrap(), "https://example.com/a");
    assert_eq!(client.clone().by_value("/b".to_owned()).await.unwrap(), "https://example.com/b!");
    assert_eq!(patterns((1, 2), vec!['x'], "n").await.unwrap(), 4);
    assert_eq!(shared(7).await.unwrap(), 7);
}
