use retry_runtime::retry;

// A `Box<dyn …>` is never `Clone`; rustc's own error would suggest calling the type.
#[retry(stop = attempts(3), when = |_: &String| true)]
async fn run(job: Box<dyn FnOnce() -> u32 + Send>) -> Result<u32, String> {
    Ok(job())
}

#[retry(stop = attempts(3), when = |_: &String| true)]
fn render(out: Box<dyn std::fmt::Write>) -> Result<(), String> {
    drop(out);
    Ok(())
}

fn main() {}
