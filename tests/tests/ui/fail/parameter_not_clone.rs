// A by-value parameter is cloned for every attempt; one that is not `Clone` is an error at
// that parameter, which suggests taking it by reference.
use retry_runtime::retry;

struct Connection;

#[retry(wait = none)]
fn send(conn: Connection, bytes: Vec<u8>) -> Result<usize, String> {
    let _ = conn;
    Ok(bytes.len())
}

fn main() {
    let _ = send(Connection, Vec::new());
}
