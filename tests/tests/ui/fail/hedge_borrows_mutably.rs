// Concurrent attempts cannot all borrow one value mutably: `hedge` with `&mut self` or a
// `&mut T` parameter is reported at the key, naming the parameter.
use retry_runtime::retry;

struct Client {
    sent: u32,
}

impl Client {
    #[retry(hedge = after(100ms))]
    async fn send(&mut self) -> Result<u32, std::io::Error> {
        self.sent += 1;
        Ok(self.sent)
    }
}

#[retry(hedge = after(100ms), hedges = 2)]
async fn fill(out: &mut Vec<u8>, len: usize) -> Result<usize, std::io::Error> {
    out.resize(len, 0);
    Ok(out.len())
}

fn main() {
    let _ = Client { sent: 0 }.send();
    let _ = fill(&mut Vec::new(), 4);
}
