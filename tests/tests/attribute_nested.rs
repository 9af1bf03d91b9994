//! Nested layers through the attribute (spec §11): an annotated function called inside an
//! attempt of another makes 3 attempts at the dependency for 3 inside 3, not 9, async or
//! plain; `nested = multiply` makes 9, `nested = inner_once` lets the outer retry; the
//! outer layer's fallback still runs when it does not retry.

use std::sync::atomic::{AtomicU32, Ordering};

use retry_runtime::retry;

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Overloaded,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("overloaded")
    }
}

/// The dependency: counts the attempts made at it.
struct Dependency(AtomicU32);

impl Dependency {
    const fn new() -> Self {
        Self(AtomicU32::new(0))
    }
    fn hit(&self) -> Result<String, Error> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Err(Error::Overloaded)
    }
    fn calls(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

#[retry(stop = attempts(3), wait = fixed(1))]
async fn inner_async(dep: &Dependency) -> Result<String, Error> {
    tokio::task::yield_now().await;
    dep.hit()
}

#[retry(stop = attempts(3), wait = fixed(1))]
async fn outer_async(dep: &Dependency) -> Result<String, Error> {
    inner_async(dep).await
}

#[retry(stop = attempts(3), wait = fixed(1), nested = multiply)]
async fn outer_multiply(dep: &Dependency) -> Result<String, Error> {
    inner_async(dep).await
}

#[retry(stop = attempts(3), wait = fixed(1), nested = inner_once)]
async fn outer_inner_once(dep: &Dependency) -> Result<String, Error> {
    inner_async(dep).await
}

#[retry(stop = attempts(3), wait = none)]
fn inner_plain(dep: &Dependency) -> Result<String, Error> {
    dep.hit()
}

#[retry(stop = attempts(3), wait = none)]
fn outer_plain(dep: &Dependency) -> Result<String, Error> {
    inner_plain(dep)
}

#[retry(stop = attempts(3), wait = none, nested = multiply)]
fn outer_plain_multiply(dep: &Dependency) -> Result<String, Error> {
    inner_plain(dep)
}

async fn human(_: &Dependency) -> Result<String, Error> {
    Ok("a person will answer".to_owned())
}

#[retry(stop = attempts(3), wait = fixed(1), fallback = human)]
async fn outer_with_fallback(dep: &Dependency) -> Result<String, Error> {
    inner_async(dep).await
}

#[tokio::test(start_paused = true)]
async fn annotated_async_three_inside_three_makes_three_attempts_not_nine() {
    let dep = Dependency::new();
    let start = tokio::time::Instant::now();
    assert_eq!(outer_async(&dep).await, Err(Error::Overloaded));
    assert_eq!(dep.calls(), 3);
    assert_eq!(start.elapsed(), std::time::Duration::from_secs(2), "only the inner layer slept");
}

#[tokio::test(start_paused = true)]
async fn annotated_async_multiply_makes_nine() {
    let dep = Dependency::new();
    let _ = outer_multiply(&dep).await;
    assert_eq!(dep.calls(), 9);
}

#[tokio::test(start_paused = true)]
async fn annotated_async_inner_once_makes_three_and_the_outer_retries() {
    let dep = Dependency::new();
    let start = tokio::time::Instant::now();
    let _ = outer_inner_once(&dep).await;
    assert_eq!(dep.calls(), 3);
    assert_eq!(start.elapsed(), std::time::Duration::from_secs(2), "only the outer layer slept");
}

#[test]
fn annotated_plain_three_inside_three_makes_three_attempts_and_multiply_nine() {
    let dep = Dependency::new();
    assert_eq!(outer_plain(&dep), Err(Error::Overloaded));
    assert_eq!(dep.calls(), 3);
    let dep = Dependency::new();
    let _ = outer_plain_multiply(&dep);
    assert_eq!(dep.calls(), 9);
}

#[tokio::test(start_paused = true)]
async fn the_outer_fallback_still_runs_when_it_does_not_retry() {
    let dep = Dependency::new();
    assert_eq!(outer_with_fallback(&dep).await.as_deref(), Ok("a person will answer"));
    assert_eq!(dep.calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn an_annotated_future_stays_send_with_the_nested_frame() {
    // Spec §4: the frame is set only during a poll, never held across an await.
    static DEP: Dependency = Dependency::new();
    let handle = tokio::spawn(outer_async(&DEP));
    assert_eq!(handle.await.unwrap(), Err(Error::Overloaded));
    assert_eq!(DEP.calls(), 3);
}
