//! The synchronisation primitives the breaker and the budget use: std's, or loom's under
//! `--cfg retry_loom` so that `tests/loom_breaker.rs` can model-check every interleaving.
//!
//! loom's types are not `const`-constructible (each registers itself with the running
//! model), so [`const_unless_loom!`] drops `const` from the constructors in that build only.

#[cfg(not(retry_loom))]
pub(crate) use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(not(retry_loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};

#[cfg(retry_loom)]
pub(crate) use loom::sync::atomic::{AtomicU64, Ordering};
#[cfg(retry_loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};

/// Declares each `const fn` as written, or as a plain `fn` under `--cfg retry_loom`.
macro_rules! const_unless_loom {
    ($($(#[$meta:meta])* $vis:vis const fn $name:ident $args:tt -> $ret:ty $body:block)*) => {
        $(
            #[cfg(not(retry_loom))]
            $(#[$meta])*
            $vis const fn $name $args -> $ret $body

            #[cfg(retry_loom)]
            $(#[$meta])*
            $vis fn $name $args -> $ret $body
        )*
    };
}
pub(crate) use const_unless_loom;
