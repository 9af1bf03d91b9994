// Inherent methods taking `&self`, async and blocking.
use retry_runtime::retry;
use std::sync::atomic::{AtomicU32, Ordering};

struct Client {
    calls: AtomicU32,
    needed: u32,
}

impl Client {
    #[retry(stop = attempts(5), wait = none)]
    fn get(&self, key: &str) -> Result<String, String> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n < self.needed { Err("busy".into()) } else { Ok(format!("{key}={n}")) }
    }

    #[retry(stop = attempts(5), wait = fixed(2s))]
    async fn get_async(&self, key: &str) -> Result<String, String> {
        self.get(key)
    }
}

fn main() {
    let client = Client { calls: AtomicU32::new(0), needed: 2 };
    assert_eq!(client.get("a").unwrap(), "a=2");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(client.get_async("b")).unwrap(), "b=3");
}
