//! The function shapes the attribute accepts, run (spec §4): `?` and `return` in the body,
//! receivers, by-value, `Copy`, `&mut` and pattern arguments, generics, lifetimes,
//! `impl Trait`, trait methods, plain `fn`s, and error types that are neither `Clone` nor
//! comparable.

mod attribute_support;

use std::num::ParseIntError;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use attribute_support::{Attempts, LlmError, ms};
use retry_runtime::retry;

/// An error with a conversion, so that `?` has something to convert.
#[derive(Debug, PartialEq)]
enum ShapeError {
    Parse(String),
    Transient(u32),
}

impl From<ParseIntError> for ShapeError {
    fn from(e: ParseIntError) -> Self {
        Self::Parse(e.to_string())
    }
}

/// A reply that parses from the third attempt on.
fn reply(n: u32) -> &'static str {
    if n < 3 { "not a number" } else { "42" }
}

// `?` in the body ends the attempt with the converted error, and the call retries.
#[tokio::test(start_paused = true)]
async fn question_mark_ends_the_attempt_not_the_call() {
    #[retry(stop = attempts(5), wait = none)]
    async fn parse(log: &Attempts) -> Result<u32, ShapeError> {
        let value: u32 = reply(log.begin()).parse()?;
        Ok(value)
    }
    let log = Attempts::new();
    assert_eq!(parse(&log).await, Ok(42));
    assert_eq!(log.count(), 3);
}

// `return` in the body ends the attempt: an early `Err` is retried, an early `Ok` is the
// answer.
#[tokio::test(start_paused = true)]
async fn return_ends_the_attempt_not_the_call() {
    #[retry(stop = attempts(5), wait = none)]
    async fn early(log: &Attempts) -> Result<u32, ShapeError> {
        let n = log.begin();
        if n < 3 {
            return Err(ShapeError::Transient(n));
        }
        if n == 3 {
            return Ok(n * 10);
        }
        unreachable!("the call ended at attempt 3")
    }
    let log = Attempts::new();
    assert_eq!(early(&log).await, Ok(30));
    assert_eq!(log.count(), 3);
}

// The same for a plain `fn`, whose body runs in a closure per attempt.
#[test]
fn question_mark_and_return_in_a_plain_fn_end_the_attempt() {
    #[retry(stop = attempts(5), wait = none)]
    fn parse(tries: &AtomicU32) -> Result<u32, ShapeError> {
        let n = tries.fetch_add(1, Ordering::SeqCst) + 1;
        if n == 1 {
            return Err(ShapeError::Transient(n));
        }
        let value: u32 = reply(n).parse()?;
        Ok(value)
    }
    let tries = AtomicU32::new(0);
    assert_eq!(parse(&tries), Ok(42));
    assert_eq!(tries.into_inner(), 3);
}

// A plain `fn` retries with `wait = none` at once, and its attempts and state agree.
#[test]
fn plain_fn_retries_without_waiting() {
    #[retry(stop = attempts(4), wait = none, state = s)]
    fn down(seen: &Mutex<Vec<u32>>) -> Result<(), ShapeError> {
        seen.lock().unwrap().push(s.attempt());
        Err(ShapeError::Transient(s.attempt()))
    }
    let seen = Mutex::default();
    let start = std::time::Instant::now();
    assert_eq!(down(&seen), Err(ShapeError::Transient(4)));
    assert_eq!(seen.into_inner().unwrap(), [1, 2, 3, 4]);
    assert!(start.elapsed() < ms(500), "no sleeping");
}

// A plain `fn` sleeps the thread between attempts: 1 ms each, so at least 2 ms over three
// attempts (kept tiny: these are real sleeps).
#[test]
fn plain_fn_sleeps_the_thread_between_attempts() {
    #[retry(stop = attempts(3), wait = fixed(1ms))]
    fn down(times: &Mutex<Vec<std::time::Instant>>) -> Result<(), ShapeError> {
        let mut times = times.lock().unwrap();
        times.push(std::time::Instant::now());
        Err(ShapeError::Transient(u32::try_from(times.len()).unwrap()))
    }
    let times = Mutex::default();
    assert_eq!(down(&times), Err(ShapeError::Transient(3)));
    let times = times.into_inner().unwrap();
    for pair in times.windows(2) {
        assert!(pair[1] - pair[0] >= ms(1), "slept less than 1 ms");
    }
}

/// An error with neither `Clone` nor `PartialEq`: the loop must hand it back as it is.
#[derive(Debug)]
struct Opaque {
    attempt: u32,
    payload: String,
}

// The last error is returned unchanged (the same allocation), and `E` needs no `Clone`.
#[tokio::test(start_paused = true)]
async fn last_error_is_returned_unchanged() {
    #[retry(stop = attempts(3), wait = none)]
    async fn down(log: &Attempts, last: &Mutex<usize>) -> Result<(), Opaque> {
        let payload = format!("reply {}", log.count() + 1);
        *last.lock().unwrap() = payload.as_ptr().addr();
        Err(Opaque { attempt: log.begin(), payload })
    }
    let (log, last) = (Attempts::new(), Mutex::new(0));
    let error = down(&log, &last).await.unwrap_err();
    assert_eq!(error.attempt, 3);
    assert_eq!(error.payload, "reply 3");
    assert_eq!(error.payload.as_ptr().addr(), last.into_inner().unwrap(), "the very error the last attempt returned");
}

/// A service whose methods are retried.
#[derive(Debug, Default)]
struct Service {
    calls: AtomicU32,
    tries: u32,
    history: Vec<u32>,
}

impl Service {
    #[retry(stop = attempts(3), wait = none)]
    async fn shared(&self) -> Result<u32, LlmError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n < 3 { Err(LlmError::Overload(n)) } else { Ok(n) }
    }

    #[retry(stop = attempts(3), wait = none)]
    async fn exclusive(&mut self) -> Result<u32, LlmError> {
        self.tries += 1;
        self.history.push(self.tries);
        if self.tries.is_multiple_of(3) { Ok(self.tries) } else { Err(LlmError::Overload(self.tries)) }
    }
}

// `&self` methods retry, and each attempt sees the same object.
#[tokio::test(start_paused = true)]
async fn method_with_shared_self_retries() {
    let service = Service::default();
    assert_eq!(service.shared().await, Ok(3));
    assert_eq!(service.calls.load(Ordering::SeqCst), 3);
}

// `&mut self` methods retry, and what one attempt changes the next one sees (and the
// caller, afterwards).
#[tokio::test(start_paused = true)]
async fn method_with_mut_self_keeps_changes_across_attempts() {
    let mut service = Service::default();
    assert_eq!(service.exclusive().await, Ok(3));
    assert_eq!(service.history, [1, 2, 3]);
    assert_eq!(service.exclusive().await, Ok(6));
    assert_eq!(service.history, [1, 2, 3, 4, 5, 6]);
}

static REQUEST_CLONES: AtomicUsize = AtomicUsize::new(0);

/// A request consumed by sending it; counts its clones.
#[derive(Debug)]
struct Request {
    hops: u32,
    log: &'static Mutex<Vec<u32>>,
}

impl Clone for Request {
    fn clone(&self) -> Self {
        REQUEST_CLONES.fetch_add(1, Ordering::SeqCst);
        Self { hops: self.hops, log: self.log }
    }
}

impl Request {
    #[retry(stop = attempts(3), wait = none)]
    async fn send(mut self) -> Result<u32, LlmError> {
        self.hops += 1;
        self.log.lock().unwrap().push(self.hops);
        Err(LlmError::Overload(self.hops))
    }
}

// `self` by value (Self: Clone): each attempt but the last gets a fresh clone and the last
// the original, so what one attempt does to `self` the next does not see.
#[tokio::test(start_paused = true)]
async fn method_taking_self_gets_a_fresh_clone_each_attempt() {
    static LOG: Mutex<Vec<u32>> = Mutex::new(Vec::new());
    let request = Request { hops: 0, log: &LOG };
    assert_eq!(request.send().await, Err(LlmError::Overload(1)));
    assert_eq!(*LOG.lock().unwrap(), [1, 1, 1]);
    assert_eq!(REQUEST_CLONES.load(Ordering::SeqCst), 2, "one clone per attempt but the last");
}

static PROMPT_CLONES: AtomicUsize = AtomicUsize::new(0);

/// A prompt that counts its clones.
#[derive(Debug)]
struct Prompt(String);

impl Clone for Prompt {
    fn clone(&self) -> Self {
        PROMPT_CLONES.fetch_add(1, Ordering::SeqCst);
        Self(self.0.clone())
    }
}

// A by-value argument is cloned for each attempt but the last, which `attempts(4)` says is
// the fourth: it takes the original.
#[tokio::test(start_paused = true)]
async fn by_value_argument_is_cloned_for_each_attempt_but_the_last() {
    #[retry(stop = attempts(4), wait = none)]
    async fn ask(log: &Attempts, prompt: Prompt) -> Result<String, LlmError> {
        let n = log.begin();
        if n < 4 { Err(LlmError::Overload(n)) } else { Ok(prompt.0) }
    }
    let log = Attempts::new();
    assert_eq!(ask(&log, Prompt("hi".into())).await, Ok("hi".into()));
    assert_eq!(PROMPT_CLONES.load(Ordering::SeqCst), 3);
}

// A `mut` by-value `String`: each attempt starts from the caller's value, not from what
// the previous attempt made of it.
#[tokio::test(start_paused = true)]
async fn mut_string_argument_starts_fresh_each_attempt() {
    #[retry(stop = attempts(3), wait = none)]
    async fn ask(seen: &Mutex<Vec<String>>, mut prompt: String) -> Result<(), LlmError> {
        prompt.push_str(" (again)");
        seen.lock().unwrap().push(prompt);
        Err(LlmError::RateLimit)
    }
    let seen = Mutex::default();
    assert!(ask(&seen, "hello".to_owned()).await.is_err());
    assert_eq!(seen.into_inner().unwrap(), ["hello (again)"; 3]);
}

// A `mut` `Copy` argument is copied for each attempt.
#[tokio::test(start_paused = true)]
async fn mut_copy_argument_starts_fresh_each_attempt() {
    #[retry(stop = attempts(3), wait = none)]
    async fn count(seen: &Mutex<Vec<u32>>, mut n: u32) -> Result<(), LlmError> {
        n += 1;
        seen.lock().unwrap().push(n);
        Err(LlmError::RateLimit)
    }
    let seen = Mutex::default();
    assert!(count(&seen, 10).await.is_err());
    assert_eq!(seen.into_inner().unwrap(), [11, 11, 11]);
}

// A `&mut` argument is reborrowed for each attempt: every attempt writes to the caller's
// value.
#[tokio::test(start_paused = true)]
async fn mut_reference_argument_is_shared_by_all_attempts() {
    #[retry(stop = attempts(3), wait = none)]
    async fn fill(buffer: &mut Vec<usize>) -> Result<(), LlmError> {
        buffer.push(buffer.len());
        Err(LlmError::RateLimit)
    }
    let mut buffer = Vec::new();
    assert!(fill(&mut buffer).await.is_err());
    assert_eq!(buffer, [0, 1, 2]);
}

// Pattern arguments, by value and through a reference, are destructured each attempt.
#[tokio::test(start_paused = true)]
async fn pattern_arguments_are_destructured_each_attempt() {
    #[retry(stop = attempts(2), wait = none)]
    async fn sum(log: &Attempts, (a, b): (u32, u32), &(c, d): &(u32, u32)) -> Result<u32, LlmError> {
        if log.begin() < 2 { Err(LlmError::RateLimit) } else { Ok(a + b + c + d) }
    }
    let log = Attempts::new();
    assert_eq!(sum(&log, (1, 2), &(3, 4)).await, Ok(10));
    assert_eq!(log.count(), 2);
}

// Generics with a `where` clause, and lifetimes tying the result to an argument.
#[tokio::test(start_paused = true)]
async fn generics_and_lifetimes_pass_through() {
    #[retry(stop = attempts(2), wait = none)]
    async fn echo<T>(log: &Attempts, value: T) -> Result<T, LlmError>
    where
        T: Clone + std::fmt::Debug,
    {
        if log.begin() < 2 { Err(LlmError::RateLimit) } else { Ok(value) }
    }
    #[retry(stop = attempts(2), wait = none)]
    async fn first<'a>(log: &Attempts, items: &'a [String]) -> Result<&'a str, LlmError> {
        if log.begin() < 2 { Err(LlmError::RateLimit) } else { Ok(&items[0]) }
    }
    let log = Attempts::new();
    assert_eq!(echo(&log, vec![1, 2]).await, Ok(vec![1, 2]));
    let items = vec!["a".to_owned()];
    let log = Attempts::new();
    assert_eq!(first(&log, &items).await, Ok("a"));
}

// `impl Trait` in arguments and in the `Ok` type.
#[tokio::test(start_paused = true)]
async fn impl_trait_arguments_and_return_pass_through() {
    #[retry(stop = attempts(2), wait = none)]
    async fn shout(
        log: &Attempts,
        text: impl AsRef<str> + Clone,
        accept: &impl Fn(u32) -> bool,
    ) -> Result<impl std::fmt::Display, LlmError> {
        let n = log.begin();
        if accept(n) { Ok(text.as_ref().to_uppercase()) } else { Err(LlmError::Overload(n)) }
    }
    let log = Attempts::new();
    let out = shout(&log, "hey", &|n| n == 2).await.unwrap();
    assert_eq!(out.to_string(), "HEY");
}

/// A result alias, as many crates have.
type LlmResult<T> = Result<T, LlmError>;

// A `Result` alias works, and `when` still gets its parameter type through it.
#[tokio::test(start_paused = true)]
async fn result_alias_works_with_when() {
    #[retry(stop = attempts(3), wait = none, when = |e| *e != LlmError::BadRequest)]
    async fn call(log: &Attempts) -> LlmResult<u32> {
        Err(LlmError::Overload(log.begin()))
    }
    let log = Attempts::new();
    assert_eq!(call(&log).await, Err(LlmError::Overload(3)));
}

/// A provider, with an `async fn` in the trait.
trait Provider {
    async fn complete(&self, prompt: &str) -> Result<String, LlmError>;
}

/// Fails twice, then answers.
struct Flaky(AtomicU32);

impl Provider for Flaky {
    #[retry(stop = attempts(3), wait = fixed(1s))]
    async fn complete(&self, prompt: &str) -> Result<String, LlmError> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        if n < 3 { Err(LlmError::Overload(n)) } else { Ok(format!("{prompt}!")) }
    }
}

// A trait-impl method (an `async fn` in a trait) retries like any other.
#[tokio::test(start_paused = true)]
async fn async_trait_method_retries() {
    let provider = Flaky(AtomicU32::new(0));
    let start = tokio::time::Instant::now();
    assert_eq!(provider.complete("hi").await, Ok("hi!".to_owned()));
    assert_eq!(start.elapsed(), ms(2000));
}

/// An argument that counts its clones in a counter of its own test.
#[derive(Debug)]
struct Counted(&'static AtomicUsize);

impl Clone for Counted {
    fn clone(&self) -> Self {
        self.0.fetch_add(1, Ordering::SeqCst);
        Self(self.0)
    }
}

// Where no attempt is known to be the last (a `deadline` alone), or the fallback needs the
// argument after the attempts, every attempt gets a clone and the original stays.
#[tokio::test(start_paused = true)]
async fn arguments_are_cloned_for_every_attempt_when_none_is_known_to_be_the_last() {
    #[retry(stop = deadline(10s), wait = fixed(1s))]
    async fn by_deadline(log: &Attempts, arg: Counted) -> Result<(), LlmError> {
        let _ = arg;
        Err(LlmError::Overload(log.begin()))
    }
    async fn answer(_log: &Attempts, arg: Counted) -> Result<(), LlmError> {
        arg.0.fetch_add(100, Ordering::SeqCst);
        Ok(())
    }
    #[retry(stop = attempts(3), wait = none, fallback = answer)]
    async fn with_fallback(log: &Attempts, arg: Counted) -> Result<(), LlmError> {
        let _ = arg;
        Err(LlmError::Overload(log.begin()))
    }
    static DEADLINE: AtomicUsize = AtomicUsize::new(0);
    let log = Attempts::new();
    assert_eq!(by_deadline(&log, Counted(&DEADLINE)).await, Err(LlmError::Overload(11)));
    assert_eq!(DEADLINE.load(Ordering::SeqCst), 11, "attempts at 0, 1, …, 10 s: a clone each");

    static FALLBACK: AtomicUsize = AtomicUsize::new(0);
    let log = Attempts::new();
    assert_eq!(with_fallback(&log, Counted(&FALLBACK)).await, Ok(()));
    assert_eq!(FALLBACK.load(Ordering::SeqCst), 103, "three clones, then the original to the fallback");
}

/// Never stops by itself, but says that the call ends after two attempts.
struct SaysTwo;

impl retry_runtime::stop::Stop for SaysTwo {
    fn should_stop(&self, _: &retry_runtime::stop::StopContext) -> bool {
        false
    }
    fn max_attempts(&self) -> Option<u32> {
        Some(2)
    }
}

static SAYS_TWO: std::sync::LazyLock<retry_runtime::RetryPolicy<SaysTwo, retry_runtime::wait::NoWait>> =
    std::sync::LazyLock::new(|| {
        retry_runtime::RetryPolicy::builder().stop(SaysTwo).wait(retry_runtime::wait::none()).build().unwrap()
    });

// The second attempt took the argument, so the call gives up after it even though the
// stop's `should_stop` would go on: no attempt ever runs without its argument.
#[tokio::test(start_paused = true)]
async fn a_stop_s_max_attempts_binds_the_loop() {
    #[retry(policy = SAYS_TWO)]
    async fn ask(log: &Attempts, arg: Counted) -> Result<(), LlmError> {
        let _ = arg;
        Err(LlmError::Overload(log.begin()))
    }
    static CLONES: AtomicUsize = AtomicUsize::new(0);
    let log = Attempts::new();
    assert_eq!(ask(&log, Counted(&CLONES)).await, Err(LlmError::Overload(2)));
    assert_eq!(CLONES.load(Ordering::SeqCst), 1);
}
