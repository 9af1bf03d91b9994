// A hedge runs beside the attempt it hedges: `hedge` needs an `async fn`, reported at the key.
use retry_runtime::retry;

#[retry(hedge = after(100ms))]
fn fetch() -> Result<u32, std::io::Error> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
