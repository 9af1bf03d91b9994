//! `hedge = after(D)` and `hedges = N` through the attribute, on tokio's paused clock: when
//! hedges start, how the arguments reach concurrent attempts, the state each sees, stop and
//! budget counting, the fallback last, `policy = …` beside `hedge`, and a `Send` future.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use retry_runtime::{Hedge, RetryBudget, RetryPolicy, RetryState, retry, stop::attempts, wait::none};
use tokio::time::{Instant, sleep};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Busy,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

/// A client whose n-th request (from 1) takes `latency[n - 1]` and then fails or answers.
struct Provider {
    latency: Vec<u64>,
    fails: Vec<bool>,
    sent: Mutex<Vec<(u32, Duration, String)>>,
    origin: Instant,
}

impl Provider {
    fn new(latency: &[u64], fails: &[bool]) -> Self {
        Self { latency: latency.to_vec(), fails: fails.to_vec(), sent: Mutex::new(Vec::new()), origin: Instant::now() }
    }

    async fn send(&self, attempt: u32, prompt: &str) -> Result<String, Error> {
        let at = self.origin.elapsed();
        let i = {
            let mut sent = self.sent.lock().unwrap();
            sent.push((attempt, at, prompt.to_owned()));
            sent.len() - 1
        };
        sleep(ms(self.latency[i])).await;
        if self.fails[i] { Err(Error::Busy) } else { Ok(format!("reply {}", i + 1)) }
    }

    fn sent(&self) -> Vec<(u32, Duration, String)> {
        self.sent.lock().unwrap().clone()
    }
}

impl Provider {
    // `&self` shared, `prompt: &str` shared, `suffix: String` cloned for each attempt, and
    // the state read by each attempt of its own.
    #[retry(stop = attempts(5), wait = none, hedge = after(100ms), hedges = 2, state = s, log = off)]
    async fn ask(&self, prompt: &str, suffix: String) -> Result<String, Error> {
        self.send(s.attempt(), &format!("{prompt}{suffix}")).await
    }
}

// Guards the schedule and the arguments: hedges start at exactly D and 2D, each with the
// same arguments and the attempt number it is.
#[tokio::test(start_paused = true)]
async fn hedges_start_at_d_and_2d_with_the_same_arguments() {
    let provider = Provider::new(&[10_000, 10_000, 30], &[false, false, false]);
    let reply = provider.ask("hello", "!".to_owned()).await;
    assert_eq!(reply, Ok("reply 3".to_owned()));
    let sent = provider.sent();
    assert_eq!(
        sent,
        [(1, ms(0), "hello!".to_owned()), (2, ms(100), "hello!".to_owned()), (3, ms(200), "hello!".to_owned())]
    );
    assert_eq!(provider.origin.elapsed(), ms(230));
}

// Guards "a failed hedge does not end the call while another runs".
#[tokio::test(start_paused = true)]
async fn a_failed_hedge_leaves_the_primary_running() {
    let provider = Provider::new(&[400, 0, 0], &[false, true, true]);
    let reply = provider.ask("q", String::new()).await;
    assert_eq!(reply, Ok("reply 1".to_owned()));
    let starts: Vec<Duration> = provider.sent().into_iter().map(|(_, at, _)| at).collect();
    assert_eq!(starts, [ms(0), ms(100), ms(200)], "two hedges failed; the primary answered at 400 ms");
    assert_eq!(provider.origin.elapsed(), ms(400));
}

static STARTED: AtomicU32 = AtomicU32::new(0);
static FALLBACKS: Mutex<Vec<Duration>> = Mutex::new(Vec::new());

async fn standby(origin: Instant) -> Result<&'static str, Error> {
    FALLBACKS.lock().unwrap().push(origin.elapsed());
    Ok("standby")
}

#[retry(stop = attempts(2), wait = none, hedge = after(50ms), hedges = 3, fallback = standby, log = off)]
async fn always_busy(origin: Instant) -> Result<&'static str, Error> {
    STARTED.fetch_add(1, Ordering::Relaxed);
    sleep(ms(200)).await;
    let _ = origin;
    Err(Error::Busy)
}

// Guards stop counting and the fallback's place: attempts(2) lets one hedge of three start,
// and the fallback runs once, after both failed, never as a hedge.
#[tokio::test(start_paused = true)]
async fn stop_counts_hedges_and_the_fallback_runs_last() {
    let origin = Instant::now();
    assert_eq!(always_busy(origin).await, Ok("standby"));
    assert_eq!(STARTED.load(Ordering::Relaxed), 2);
    assert_eq!(*FALLBACKS.lock().unwrap(), [ms(250)], "after the hedge's failure at 50 + 200 ms");
}

static BUDGET: RetryBudget = RetryBudget::token_bucket(10, 5, 10, 1);
static BUDGETED: AtomicU32 = AtomicU32::new(0);

#[retry(stop = attempts(10), wait = none, hedge = after(100ms), hedges = 4, budget = BUDGET, log = off)]
async fn budgeted() -> Result<u32, Error> {
    let n = BUDGETED.fetch_add(1, Ordering::Relaxed) + 1;
    if n == 1 {
        sleep(ms(1_000)).await;
        Ok(n)
    } else {
        std::future::pending().await
    }
}

// Guards the budget: two hedges of 5 tokens empty the bucket of 10; the third is refused
// and the primary goes on to win.
#[tokio::test(start_paused = true)]
async fn the_budget_pays_for_each_hedge() {
    assert_eq!(budgeted().await, Ok(1));
    assert_eq!(BUDGETED.load(Ordering::Relaxed), 3);
    assert_eq!(BUDGET.available(), 1, "10 − 2 × 5, and a first-try success adds 1");
}

static SHARED: std::sync::LazyLock<RetryPolicy<retry_runtime::stop::Attempts, retry_runtime::wait::NoWait>> =
    std::sync::LazyLock::new(|| RetryPolicy::builder().stop(attempts(3)).wait(none()).build().unwrap());
static VIA_POLICY: AtomicU32 = AtomicU32::new(0);

#[retry(policy = SHARED, hedge = after(100ms))]
async fn via_policy() -> Result<u32, Error> {
    let n = VIA_POLICY.fetch_add(1, Ordering::Relaxed) + 1;
    if n == 1 { std::future::pending().await } else { Ok(n) }
}

// Guards `policy = …` beside `hedge`: the shared policy, hedged.
#[tokio::test(start_paused = true)]
async fn a_shared_policy_is_hedged_by_the_key_beside_it() {
    let origin = Instant::now();
    assert_eq!(via_policy().await, Ok(2));
    assert_eq!(origin.elapsed(), ms(100));
}

// The value form's `.hedge(…)` is the same round as the key's.
#[tokio::test(start_paused = true)]
async fn the_builder_and_the_key_hedge_alike() {
    let policy = RetryPolicy::builder().stop(attempts(5)).wait(none()).hedge(Hedge::after(ms(100)).hedges(2)).build();
    let policy = policy.unwrap();
    let provider = Provider::new(&[10_000, 10_000, 30], &[false, false, false]);
    let attempt = AtomicU32::new(0);
    let reply = policy.retry(|| provider.send(attempt.fetch_add(1, Ordering::Relaxed) + 1, "hello!")).await;
    assert_eq!(reply, Ok("reply 3".to_owned()));
    let key = Provider::new(&[10_000, 10_000, 30], &[false, false, false]);
    let _ = key.ask("hello", "!".to_owned()).await;
    assert_eq!(provider.sent(), key.sent());
}

#[retry(stop = attempts(2), hedge = after(1s))]
async fn spawnable(prompt: String) -> Result<usize, Error> {
    Ok(prompt.len())
}

// Guards §4's promise: a hedged function's future is `Send` and can be spawned.
#[tokio::test(start_paused = true)]
async fn a_hedged_future_can_be_spawned() {
    let task = tokio::spawn(spawnable("four".to_owned()));
    assert_eq!(task.await.unwrap(), Ok(4));
}

// A hook sees each hedge as an attempt: `before` runs for the primary and each hedge.
#[tokio::test(start_paused = true)]
async fn the_before_hook_runs_for_each_hedge() {
    static SEEN: Mutex<Vec<u32>> = Mutex::new(Vec::new());
    fn before(state: &RetryState<'_, u32, Error>) {
        SEEN.lock().unwrap().push(state.attempt());
    }
    #[retry(stop = attempts(3), wait = none, hedge = after(10ms), hedges = 2, before = before)]
    async fn slow() -> Result<u32, Error> {
        sleep(ms(100)).await;
        Ok(1)
    }
    assert_eq!(slow().await, Ok(1));
    assert_eq!(*SEEN.lock().unwrap(), [1, 2, 3]);
}

mod guarded {
    use std::time::Duration;

    use retry_runtime::{BreakerState, Bulkhead, BulkheadFull, CircuitBreaker, CircuitOpen, retry};

    #[derive(Debug, PartialEq)]
    pub(super) enum Refused {
        Open,
        Full,
    }
    impl From<CircuitOpen> for Refused {
        fn from(_: CircuitOpen) -> Self {
            Refused::Open
        }
    }
    impl From<BulkheadFull> for Refused {
        fn from(_: BulkheadFull) -> Self {
            Refused::Full
        }
    }
    impl std::fmt::Display for Refused {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{self:?}")
        }
    }

    pub(super) static POOL: Bulkhead = Bulkhead::new(3);
    pub(super) static BREAKER: CircuitBreaker = CircuitBreaker::consecutive(1, Duration::from_secs(30));

    #[retry(stop = attempts(5), wait = none, hedge = after(100ms), hedges = 2, breaker = BREAKER, bulkhead = POOL)]
    pub(super) async fn stalls() -> Result<(), Refused> {
        std::future::pending().await
    }

    // Guards cancellation through the attribute: dropping the call mid-round gives back every
    // place and permit, and counts no failure.
    #[tokio::test(start_paused = true)]
    async fn a_call_dropped_mid_round_gives_back_its_places_and_permits() {
        let watch = async {
            tokio::time::sleep(Duration::from_millis(240)).await;
            POOL.available()
        };
        let (cut, free_mid_round) = tokio::join!(tokio::time::timeout(Duration::from_millis(250), stalls()), watch);
        assert!(cut.is_err(), "still hedging when dropped");
        assert_eq!(free_mid_round, 0, "the primary and its two hedges each held a place");
        assert_eq!(POOL.available(), 3, "every place given back");
        assert_eq!(BREAKER.state(), BreakerState::Closed, "a dropped attempt is no failure");
    }
}

mod shapes {
    //! Shapes whose attempts run side by side under `hedge`: `?` and `return` in the body,
    //! `impl Trait` by value, a borrowed `Ok` type, a trait's async method.
    use std::time::Duration;

    use retry_runtime::retry;

    #[derive(Debug, PartialEq)]
    pub(super) struct Bad;

    impl From<std::num::ParseIntError> for Bad {
        fn from(_: std::num::ParseIntError) -> Self {
            Bad
        }
    }

    impl std::fmt::Display for Bad {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("bad")
        }
    }

    #[retry(stop = attempts(2), wait = none, hedge = after(10ms))]
    async fn parse(text: impl AsRef<str> + Clone) -> Result<u32, Bad> {
        if text.as_ref().is_empty() {
            return Ok(0);
        }
        Ok(text.as_ref().parse::<u32>()?)
    }

    #[retry(stop = attempts(2), wait = none, hedge = after(10ms))]
    async fn first_word<'a>(text: &'a str) -> Result<&'a str, Bad> {
        tokio::time::sleep(Duration::from_millis(25)).await;
        text.split(' ').next().ok_or(Bad)
    }

    trait Ask {
        async fn ask(&self, n: u32) -> Result<u32, Bad>;
    }

    struct Doubler;

    impl Ask for Doubler {
        #[retry(stop = attempts(3), wait = none, hedge = after(10ms), hedges = 2)]
        async fn ask(&self, n: u32) -> Result<u32, Bad> {
            Ok(n * 2)
        }
    }

    // Guards the hedged expansion on these shapes: each compiles, and `?` and `return` end
    // the attempt, as without `hedge`.
    #[tokio::test(start_paused = true)]
    async fn bodies_with_question_marks_borrowed_outputs_and_trait_methods_hedge() {
        assert_eq!(parse("42").await, Ok(42));
        assert_eq!(parse(String::new()).await, Ok(0));
        assert_eq!(parse("x").await, Err(Bad), "a retried parse error, twice, then given up");
        let start = tokio::time::Instant::now();
        assert_eq!(first_word("hello world").await, Ok("hello"));
        assert_eq!(start.elapsed(), Duration::from_millis(25), "the primary answered first");
        assert_eq!(Doubler.ask(4).await, Ok(8));
    }
}
