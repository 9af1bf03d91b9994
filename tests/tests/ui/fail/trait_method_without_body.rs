// A trait's method declaration has no body to retry; the attribute belongs on the impl.
use retry_runtime::retry;

trait Fetch {
    #[retry]
    fn fetch(&self) -> Result<u32, String>;
}

struct Client;

impl Fetch for Client {
    fn fetch(&self) -> Result<u32, String> {
        Ok(1)
    }
}

fn main() {
    let _ = Client.fetch();
}
