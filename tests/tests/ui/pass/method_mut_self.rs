// Methods taking `&mut self`: each attempt reborrows, so state written by one attempt is
// seen by the next.
use retry_runtime::retry;

struct Counter {
    attempts: u32,
}

impl Counter {
    #[retry(stop = attempts(5), wait = none)]
    fn bump(&mut self, until: u32) -> Result<u32, String> {
        self.attempts += 1;
        if self.attempts < until { Err("again".into()) } else { Ok(self.attempts) }
    }

    #[retry(stop = attempts(5), wait = fixed(1s))]
    async fn bump_async(&mut self, until: u32) -> Result<u32, String> {
        self.attempts += 1;
        tokio::task::yield_now().await;
        if self.attempts < until { Err("again".into()) } else { Ok(self.attempts) }
    }
}

fn main() {
    let mut c = Counter { attempts: 0 };
    assert_eq!(c.bump(3), Ok(3));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(c.bump_async(5)), Ok(5));
    assert_eq!(c.attempts, 5);
}
