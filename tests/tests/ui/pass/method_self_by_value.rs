// Methods taking `self` by value where `Self: Clone`: each attempt works on its own clone,
// so a mutation in a failed attempt does not leak into the next.
use retry_runtime::retry;
use std::sync::atomic::{AtomicU32, Ordering};

static CALLS: AtomicU32 = AtomicU32::new(0);

#[derive(Clone)]
struct Request {
    body: Vec<u8>,
}

impl Request {
    #[retry(stop = attempts(3), wait = none)]
    fn send(mut self) -> Result<usize, String> {
        self.body.push(b'!');
        if CALLS.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err("reset".into());
        }
        Ok(self.body.len())
    }

    #[retry(stop = attempts(3), wait = fixed(1s))]
    async fn send_async(self) -> Result<usize, String> {
        Ok(self.body.len())
    }
}

fn main() {
    let request = Request { body: b"hi".to_vec() };
    assert_eq!(request.clone().send(), Ok(3));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(request.send_async()), Ok(2));
}
