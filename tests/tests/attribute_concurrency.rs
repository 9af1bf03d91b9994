//! Many concurrent calls of one annotated function (spec §4): each call keeps its own
//! attempt count and schedule, and the future of an annotated `async fn` is `Send`, so it
//! can be spawned.

mod attribute_support;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use attribute_support::{LlmError, ms};
use retry_runtime::retry;
use tokio::task::JoinSet;
use tokio::time::Instant;

const CALLERS: u32 = 200;

/// How many times caller `id` fails before it succeeds.
fn failures(id: u32) -> u32 {
    id % 4
}

static PAUSED_SEEN: Mutex<Vec<(u32, u32, Instant)>> = Mutex::new(Vec::new());

// Every attempt takes 1 ms and fails `failures(id)` times; `state` numbers the attempts.
#[retry(stop = attempts(4), wait = fixed(10ms), state = s)]
async fn paused_call(id: u32) -> Result<u32, LlmError> {
    PAUSED_SEEN.lock().unwrap().push((id, s.attempt(), Instant::now()));
    tokio::time::sleep(ms(1)).await;
    if s.attempt() <= failures(id) { Err(LlmError::Overload(s.attempt())) } else { Ok(s.attempt()) }
}

// 200 spawned calls on the paused clock interleave without disturbing each other: each
// sees its own attempts 1, 2, … at its own 11 ms rhythm, the total is exact, and they all
// end together after the longest schedule (4 attempts: 34 ms), not one after another.
#[tokio::test(start_paused = true)]
async fn concurrent_callers_on_the_paused_clock_keep_their_own_attempts() {
    let start = Instant::now();
    let mut calls = JoinSet::new();
    for id in 0..CALLERS {
        calls.spawn(async move { (id, paused_call(id).await) });
    }
    while let Some(joined) = calls.join_next().await {
        let (id, out) = joined.unwrap();
        assert_eq!(out, Ok(failures(id) + 1), "caller {id}");
    }
    assert_eq!(start.elapsed(), ms(34));

    let seen = std::mem::take(&mut *PAUSED_SEEN.lock().unwrap());
    let expected_total: u32 = (0..CALLERS).map(|id| failures(id) + 1).sum();
    assert_eq!(seen.len(), expected_total as usize);
    let mut by_caller: BTreeMap<u32, Vec<(u32, Instant)>> = BTreeMap::new();
    for (id, attempt, at) in seen {
        by_caller.entry(id).or_default().push((attempt, at));
    }
    for (id, attempts) in by_caller {
        let numbers: Vec<u32> = attempts.iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, (1..=failures(id) + 1).collect::<Vec<_>>(), "caller {id}");
        for pair in attempts.windows(2) {
            assert_eq!(pair[1].1 - pair[0].1, ms(11), "caller {id}: 1 ms attempt + 10 ms sleep");
        }
    }
}

static THREADED_ATTEMPTS: AtomicUsize = AtomicUsize::new(0);
static THREADED_SEEN: Mutex<Vec<(u32, u32)>> = Mutex::new(Vec::new());

#[retry(stop = attempts(5), wait = none, state = s)]
async fn threaded_call(id: u32) -> Result<u32, LlmError> {
    THREADED_ATTEMPTS.fetch_add(1, Ordering::SeqCst);
    tokio::task::yield_now().await;
    THREADED_SEEN.lock().unwrap().push((id, s.attempt()));
    if s.attempt() <= id % 3 { Err(LlmError::Overload(s.attempt())) } else { Ok(s.attempt()) }
}

// The same on a multi-thread runtime, where attempts of different calls run on different
// threads at once (with `wait = none`: no sleeping on the real clock).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_on_many_threads_keep_their_own_attempts() {
    let handles: Vec<_> = (0..CALLERS).map(|id| tokio::spawn(async move { (id, threaded_call(id).await) })).collect();
    for handle in handles {
        let (id, out) = handle.await.unwrap();
        assert_eq!(out, Ok(id % 3 + 1), "caller {id}");
    }
    let expected_total: u32 = (0..CALLERS).map(|id| id % 3 + 1).sum();
    assert_eq!(THREADED_ATTEMPTS.load(Ordering::SeqCst), expected_total as usize);
    let mut by_caller: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (id, attempt) in std::mem::take(&mut *THREADED_SEEN.lock().unwrap()) {
        by_caller.entry(id).or_default().push(attempt);
    }
    assert_eq!(by_caller.len(), CALLERS as usize);
    for (id, attempts) in by_caller {
        assert_eq!(attempts, (1..=id % 3 + 1).collect::<Vec<_>>(), "caller {id}");
    }
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

/// A client whose method is retried with every key that adds state to the loop.
struct Client {
    calls: AtomicUsize,
}

impl Client {
    #[retry(
        stop = attempts(3) | deadline(10s),
        wait = exp_jitter(1, 4, 500ms),
        on = Overload | TimedOut,
        when = |e| e.is_transient(),
        retry_after = |_| Some(Duration::from_millis(5)),
        timeout = 2s,
        before = |_| (),
        after = |_| (),
        before_sleep = |_| (),
        on_give_up = |_| (),
        log = debug,
        state = s,
    )]
    async fn ask(&self, prompt: String, scratch: &mut Vec<u32>) -> Result<String, LlmError> {
        scratch.push(s.attempt());
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        tokio::task::yield_now().await;
        if n == 0 { Err(LlmError::Overload(s.attempt())) } else { Ok(prompt) }
    }
}

// With every key that adds state to the loop (hooks, state, timeout, jitter, a borrowed
// `&mut`, a cloned `String`), the future is still `Send` and can be spawned.
#[tokio::test(start_paused = true)]
async fn annotated_future_is_send_and_spawnable() {
    static CLIENT: Client = Client { calls: AtomicUsize::new(0) };
    let handle = tokio::spawn(async {
        let mut scratch = Vec::new();
        let out = assert_send(CLIENT.ask("hi".to_owned(), &mut scratch)).await;
        (out, scratch)
    });
    let (out, scratch) = handle.await.unwrap();
    assert_eq!(out, Ok("hi".to_owned()));
    assert_eq!(scratch, [1, 2]);
}
