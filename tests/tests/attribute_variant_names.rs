//! Bare variant names in `on`/`unless` for every shape of error type (spec §3 "on", §4):
//! generic, lifetime-carrying and `Self`-mentioning error types, an `impl<T>` block's
//! generics, and tuple or struct patterns (`Status(500..=599)`) without a `use` of the
//! variant. Each name is qualified by the error type's path, its generic arguments left to
//! inference; before, these were "cannot find `Busy`" or E0401.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU32, Ordering};

use retry_runtime::retry;

#[derive(Debug, PartialEq)]
enum RepoError<T> {
    Busy,
    Conflict(T),
    Gone,
}

struct Repo<T> {
    tries: AtomicU32,
    kind: PhantomData<T>,
}

impl<T: Clone + Default> Repo<T> {
    fn new() -> Self {
        Self { tries: AtomicU32::new(0), kind: PhantomData }
    }

    // `RepoError<T>` mentions the impl's `T`: no `type` item in the body can name it.
    #[retry(stop = attempts(3), wait = none, on = Busy | Conflict)]
    async fn save(&self, gone_at: u32) -> Result<u32, RepoError<T>> {
        let n = self.tries.fetch_add(1, Ordering::SeqCst) + 1;
        if n == gone_at {
            Err(RepoError::Gone)
        } else if n % 2 == 1 {
            Err(RepoError::Busy)
        } else {
            Err(RepoError::Conflict(T::default()))
        }
    }
}

#[tokio::test]
async fn a_bare_variant_of_a_generic_error_from_the_impl_s_generics() {
    let repo = Repo::<String>::new();
    assert_eq!(repo.save(99).await, Err(RepoError::Busy), "Busy, Conflict, Busy: all retried");
    assert_eq!(repo.tries.load(Ordering::SeqCst), 3);
    let repo = Repo::<u8>::new();
    assert_eq!(repo.save(2).await, Err(RepoError::Gone), "Gone is not retried");
    assert_eq!(repo.tries.load(Ordering::SeqCst), 2);
}

#[derive(Debug, PartialEq)]
enum Borrowed<'a> {
    Busy(&'a str),
    Fatal(&'a str),
}

// A lifetime-carrying error, and the function's own generic in the error type.
#[retry(stop = attempts(3), wait = none, unless = Fatal)]
async fn lookup<'a, K: Copy + Into<u32>>(key: K, name: &'a str, tries: &AtomicU32) -> Result<u32, Borrowed<'a>> {
    if name == "fatal" {
        tries.fetch_add(1, Ordering::SeqCst);
        return Err(Borrowed::Fatal(name));
    }
    if tries.fetch_add(1, Ordering::SeqCst) == 0 { Err(Borrowed::Busy(name)) } else { Ok(key.into()) }
}

#[retry(stop = attempts(3), wait = none, on = Busy)]
async fn generic_error<T: Default>(tries: &AtomicU32) -> Result<u32, RepoError<T>> {
    tries.fetch_add(1, Ordering::SeqCst);
    Err(RepoError::Busy)
}

#[tokio::test]
async fn a_bare_variant_of_a_lifetime_carrying_or_generic_error() {
    let tries = AtomicU32::new(0);
    assert_eq!(lookup(7u8, "k", &tries).await, Ok(7));
    assert_eq!(tries.load(Ordering::SeqCst), 2);
    let tries = AtomicU32::new(0);
    assert_eq!(lookup(7u8, "fatal", &tries).await, Err(Borrowed::Fatal("fatal")));
    assert_eq!(tries.load(Ordering::SeqCst), 1);
    let tries = AtomicU32::new(0);
    assert_eq!(generic_error::<String>(&tries).await, Err(RepoError::Busy));
    assert_eq!(tries.load(Ordering::SeqCst), 3);
}

#[derive(Debug, PartialEq)]
enum Fault {
    Status(u16),
    Timeout { after_ms: u64 },
}

impl Fault {
    // The error type is `Self`.
    #[retry(stop = attempts(4), wait = none, on = Status(500..=599) | Timeout { after_ms: 1000.. })]
    fn call(script: &[Self], at: &AtomicU32) -> Result<(), Self> {
        let n = at.fetch_add(1, Ordering::SeqCst) as usize;
        match script.get(n) {
            Some(Self::Status(code)) => Err(Self::Status(*code)),
            Some(Self::Timeout { after_ms }) => Err(Self::Timeout { after_ms: *after_ms }),
            None => Ok(()),
        }
    }
}

// Tuple and struct patterns name their variant without `use Fault::Status`, as the README's
// `Status(500..=599)` is written; the error type here is `Self`.
#[test]
fn tuple_and_struct_patterns_need_no_use_of_the_variant() {
    let at = AtomicU32::new(0);
    let script = [Fault::Status(503), Fault::Timeout { after_ms: 2000 }, Fault::Status(529)];
    assert_eq!(Fault::call(&script, &at), Ok(()));
    assert_eq!(at.load(Ordering::SeqCst), 4);

    let at = AtomicU32::new(0);
    assert_eq!(Fault::call(&[Fault::Status(404)], &at), Err(Fault::Status(404)));
    assert_eq!(at.load(Ordering::SeqCst), 1);
    let at = AtomicU32::new(0);
    assert_eq!(Fault::call(&[Fault::Timeout { after_ms: 10 }], &at), Err(Fault::Timeout { after_ms: 10 }));
    assert_eq!(at.load(Ordering::SeqCst), 1);
}

/// A tuple struct as the error type: its own name in `on` is the struct's pattern.
#[derive(Debug, PartialEq)]
struct HttpError(u16);

#[retry(stop = attempts(3), wait = none, on = HttpError(500..=599))]
fn fetch(at: &AtomicU32) -> Result<(), HttpError> {
    at.fetch_add(1, Ordering::SeqCst);
    Err(HttpError(502))
}

#[test]
fn a_pattern_named_after_the_error_type_itself_is_left_as_written() {
    let at = AtomicU32::new(0);
    assert_eq!(fetch(&at), Err(HttpError(502)));
    assert_eq!(at.load(Ordering::SeqCst), 3);
}
