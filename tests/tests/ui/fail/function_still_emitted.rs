// With errors in the attribute, the function is still emitted as written: callers see no
// "cannot find function" and no type errors of their own, only the attribute's errors.
use retry_runtime::retry;

#[retry(stop = attempts(0), wait = fixed(5sec))]
fn fetch(id: u32) -> Result<u32, String> {
    Ok(id)
}

#[retry(stpo = never)]
async fn fetch_async(id: u32) -> Result<u32, String> {
    Ok(id)
}

struct Client;

impl Client {
    #[retry(log = loud)]
    fn get(&self) -> Result<u32, String> {
        Ok(1)
    }
}

fn main() {
    let n: u32 = fetch(1).unwrap();
    let fut = fetch_async(n);
    drop(fut);
    let _: Result<u32, String> = Client.get();
}
