// `fallback` names a function; a closure or call is rejected with what to write instead.
use retry_runtime::retry;

#[retry(fallback = |p: &str| Ok(p.to_owned()))]
fn ask(prompt: &str) -> Result<String, String> {
    Err(prompt.to_owned())
}

fn main() {
    let _ = ask("hi");
}
