//! `retry_runtime::classify`: which failures are transient, how long a response asks to wait,
//! and that the trait's methods plug into a policy as they are.

use std::io::{self, ErrorKind};

use retry_runtime::classify::{Transient, status_is_transient};
use retry_runtime::{RetryPolicy, stop::attempts, wait::none};

#[test]
fn io_error_kinds_follow_the_documented_table() {
    let transient = [
        ErrorKind::TimedOut,
        ErrorKind::Interrupted,
        ErrorKind::WouldBlock,
        ErrorKind::ConnectionReset,
        ErrorKind::ConnectionAborted,
        ErrorKind::ConnectionRefused,
        ErrorKind::NotConnected,
        ErrorKind::BrokenPipe,
        ErrorKind::UnexpectedEof,
        ErrorKind::HostUnreachable,
        ErrorKind::NetworkUnreachable,
        ErrorKind::NetworkDown,
        ErrorKind::ResourceBusy,
    ];
    let permanent = [
        ErrorKind::NotFound,
        ErrorKind::PermissionDenied,
        ErrorKind::AlreadyExists,
        ErrorKind::AddrInUse,
        ErrorKind::AddrNotAvailable,
        ErrorKind::InvalidInput,
        ErrorKind::InvalidData,
        ErrorKind::WriteZero,
        ErrorKind::StorageFull,
        ErrorKind::Unsupported,
        ErrorKind::OutOfMemory,
        ErrorKind::Other,
    ];
    for kind in transient {
        assert!(kind.is_transient(), "{kind:?} should be transient");
        assert!(
            io::Error::new(kind, "x").is_transient(),
            "io::Error of {kind:?}"
        );
        assert_eq!(io::Error::from(kind).retry_after(), None);
    }
    for kind in permanent {
        assert!(!kind.is_transient(), "{kind:?} should be permanent");
        assert!(
            !io::Error::new(kind, "x").is_transient(),
            "io::Error of {kind:?}"
        );
    }
}

#[test]
fn status_codes_follow_the_spec_list() {
    let transient = [408, 425, 429, 500, 502, 503, 504, 529];
    for status in 0..=u16::MAX {
        assert_eq!(
            status_is_transient(status),
            transient.contains(&status),
            "status {status}"
        );
    }
}

/// What the `#[retry]` expansion does with `when = …` and `retry_after = …`: the trait's
/// method paths must type-check as the predicates it expects.
#[test]
fn method_paths_fit_the_attribute_keys() {
    use retry_runtime::__private::{error_predicate, server_delay};
    type R = Result<(), io::Error>;
    let when = error_predicate::<R, _>(Transient::is_transient);
    let delay = server_delay::<R, _>(Transient::retry_after);
    assert!(when(&ErrorKind::TimedOut.into()));
    assert!(!when(&ErrorKind::NotFound.into()));
    assert_eq!(delay(&ErrorKind::TimedOut.into()), None);
}

#[test]
fn a_policy_retries_only_transient_io_errors() {
    let policy = RetryPolicy::builder()
        .stop(attempts(10))
        .wait(none())
        .when(Transient::is_transient)
        .retry_after(Transient::retry_after)
        .build()
        .unwrap();
    let mut kinds = vec![
        ErrorKind::Interrupted,
        ErrorKind::TimedOut,
        ErrorKind::InvalidData,
    ];
    kinds.reverse();
    let mut tries = 0;
    let out: Result<(), io::Error> = policy.retry_blocking(|| {
        tries += 1;
        Err(kinds.pop().unwrap_or(ErrorKind::Other).into())
    });
    assert_eq!(out.unwrap_err().kind(), ErrorKind::InvalidData);
    assert_eq!(tries, 3);
}
