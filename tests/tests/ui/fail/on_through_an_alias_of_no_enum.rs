// Through an alias the attribute sees only the alias's name, so it cannot tell that the
// error type is no enum: rustc reports it at the variant (E0223). docs/attribute.md says to
// decide from the value with `when` for such a type.
use retry_runtime::retry;

type Outcome<T> = Result<T, String>;

#[retry(stop = attempts(3), on = Busy)]
async fn call() -> Outcome<u32> {
    Ok(1)
}

fn main() {
    let _ = call();
}
