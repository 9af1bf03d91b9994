// `breaker`, `budget` and `fallback` are reserved for overload protection (spec §8) and
// rejected until the attribute supports them.
use retry_runtime::retry;

#[retry(breaker = PROVIDER, budget = BUDGET, fallback = ask_b)]
fn ask_a() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = ask_a();
}
