// A return type written through an alias: `std::io::Result<T>`, and one of the crate's own.
use retry_runtime::retry;
use std::io;

#[derive(Debug, PartialEq)]
enum AppError {
    Busy,
}

type Fallible<T> = Result<T, AppError>;

#[retry(stop = attempts(2), wait = none, when = |e| e.kind() == io::ErrorKind::Interrupted)]
fn read() -> io::Result<u32> {
    Err(io::ErrorKind::Interrupted.into())
}

#[retry(stop = attempts(2), wait = none, on = Busy)]
fn busy() -> Fallible<u32> {
    Err(AppError::Busy)
}

#[retry(stop = attempts(2), wait = fixed(1s))]
async fn read_async() -> std::io::Result<Vec<u8>> {
    Ok(vec![1])
}

fn main() {
    assert_eq!(read().unwrap_err().kind(), io::ErrorKind::Interrupted);
    assert_eq!(busy(), Err(AppError::Busy));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(read_async()).unwrap(), vec![1]);
}
