// Named and elided lifetimes, in arguments and in the `Ok` type.
use retry_runtime::retry;

struct Store<'a> {
    items: &'a [&'a str],
}

impl<'a> Store<'a> {
    #[retry(stop = attempts(2), wait = none)]
    fn find(&self, prefix: &str) -> Result<&'a str, String> {
        self.items
            .iter()
            .copied()
            .find(|item| item.starts_with(prefix))
            .ok_or_else(|| format!("nothing starts with {prefix}"))
    }
}

#[retry(stop = attempts(2), wait = none)]
fn longest<'a, 'b: 'a>(a: &'a str, b: &'b str) -> Result<&'a str, ()> {
    Ok(if a.len() >= b.len() { a } else { b })
}

#[retry(stop = attempts(2), wait = fixed(1s))]
async fn head<'a>(words: &'a [String]) -> Result<&'a str, &'static str> {
    words.first().map(String::as_str).ok_or("no words")
}

fn main() {
    let items = ["apple", "banana"];
    let store = Store { items: &items };
    assert_eq!(store.find("ba"), Ok("banana"));
    assert_eq!(longest("ab", "abc"), Ok("abc"));
    let words = vec!["one".to_string()];
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(head(&words)), Ok("one"));
}
