// The future of an annotated `async fn` is `Send` whenever its body's is, so it can be
// spawned on a multi-threaded runtime.
use retry_runtime::retry;
use std::sync::Arc;

fn assert_send<T: Send>(_: &T) {}

struct Client {
    base: String,
}

impl Client {
    #[retry(stop = attempts(3), wait = exp_jitter(1, 60, 5), on = Some(_))]
    async fn get(&self, path: &str) -> Result<String, Option<u16>> {
        tokio::task::yield_now().await;
        Ok(format!("{}{path}", self.base))
    }
}

#[retry(stop = attempts(3) | elapsed(30s), wait = full_jitter(1, 60), timeout = 10s)]
async fn fetch(id: u32) -> Result<u32, retry_runtime::Elapsed> {
    tokio::task::yield_now().await;
    Ok(id)
}

fn main() {
    let client = Arc::new(Client { base: "https://example.invalid".into() });
    let future = fetch(1);
    assert_send(&future);
    let get = {
        let client = Arc::clone(&client);
        async move { client.get("/x").await }
    };
    assert_send(&get);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    assert_eq!(rt.block_on(async { tokio::spawn(future).await.unwrap() }), Ok(1));
    let got = rt.block_on(async { tokio::spawn(get).await.unwrap() });
    assert_eq!(got.unwrap(), "https://example.invalid/x");
}
