// `crate = path`: the runtime under another name, with `retry_runtime` itself made to name
// something else, so that any path the expansion did not take from `crate` fails to resolve.
pub extern crate retry_runtime as renamed_retry;
extern crate std as retry_runtime;

mod nested {
    pub use renamed_retry as runtime;
}

#[renamed_retry::retry(crate = renamed_retry, stop = attempts(2), wait = none, on = Busy)]
fn busy() -> Result<(), Error> {
    Err(Error::Busy)
}

#[renamed_retry::retry(crate = crate::nested::runtime, wait = fixed(1s), timeout = 5s)]
async fn timed() -> Result<u8, Error> {
    Ok(1)
}

#[derive(Debug, PartialEq)]
enum Error {
    Busy,
    TimedOut,
}

impl From<renamed_retry::Elapsed> for Error {
    fn from(_: renamed_retry::Elapsed) -> Self {
        Error::TimedOut
    }
}

fn main() {
    assert_eq!(busy(), Err(Error::Busy));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(timed()), Ok(1));
    let _: Option<retry_runtime::time::Duration> = None;
}
