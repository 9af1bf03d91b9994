// `policy = &POLICY`: a `RetryPolicy` built at run time replaces the policy keys; `state`,
// `log`-free hooks on the policy and `crate` still apply.
use retry_runtime::stop::{Attempts, attempts};
use retry_runtime::wait::{Fixed, fixed};
use retry_runtime::{RetryPolicy, retry};
use std::sync::LazyLock;
use std::time::Duration;

static POLICY: LazyLock<RetryPolicy<Attempts, Fixed>> = LazyLock::new(|| {
    RetryPolicy::builder()
        .stop(attempts(4))
        .wait(fixed(Duration::from_secs(2)))
        .build()
        .unwrap()
});

fn local_policy() -> RetryPolicy<Attempts, Fixed> {
    RetryPolicy::builder()
        .stop(attempts(2))
        .wait(fixed(Duration::ZERO))
        .build()
        .unwrap()
}

#[retry(policy = &*POLICY, state = s)]
async fn from_static() -> Result<u32, String> {
    if s.attempt() < 4 { Err("again".into()) } else { Ok(s.attempt()) }
}

#[retry(policy = &local_policy())]
fn from_call(fail: bool) -> Result<(), String> {
    if fail { Err("no".into()) } else { Ok(()) }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let start = rt.block_on(async { tokio::time::Instant::now() });
    assert_eq!(rt.block_on(from_static()), Ok(4));
    assert_eq!(rt.block_on(async { start.elapsed() }), Duration::from_secs(6));
    assert_eq!(from_call(true), Err("no".to_string()));
    assert_eq!(from_call(false), Ok(()));
}
