//! Nested layers: a retried call made inside an attempt of another retried call.
//!
//! A 3-attempt layer inside a 3-attempt layer makes 9 attempts at the dependency when each
//! layer retries on its own (Tenacity's behaviour, and the complaint behind litellm #7130).
//! Here each layer tells the layers inside its attempts that it is there, and they tell it
//! when they gave up; [`Nested`] says what the outer layer then does.
//!
//! # How a layer knows it is nested
//!
//! While an attempt runs, its layer publishes a one-byte [`Frame`] in a thread-local; a layer
//! that starts inside that attempt reads it, and when it gives up it sets a bit in it. The
//! frame is published only *during each poll* of the attempt's future (set on entry,
//! restored on exit, by a guard, so a panic restores it too), never across an `.await`:
//! an async fn's future may move to another thread between two polls, and a thread-local
//! left set across an await would be read by whatever that thread polls next. The bits an
//! inner layer set are carried out of the thread-local at the end of each poll into the
//! outer call's own state. Plain fns publish the frame for the duration of the attempt.
//!
//! A spawned task, or a thread, is polled by its executor outside the attempt's poll, so it
//! never sees the frame: a spawned task is a new call, as it should be. Futures joined or
//! selected inside the attempt are polled within it, and see it.
//!
//! `tokio::task_local!` with `.scope()` would do the same (its scope sets a thread-local on
//! each poll too) behind a `RefCell<Option<T>>`, needs tokio, and cannot serve plain fns;
//! BENCHMARKS.md ("Nested layers") has the instruction counts of both: this one costs two
//! thread-local loads and two stores a poll, about 10 instructions; the task-local about 80.
//!
//! # What counts as "the inner layer gave up"
//!
//! Any give-up of a nested layer during the attempt (attempts or time used up, budget empty,
//! breaker open, a server delay above the ceiling). The outer layer cannot tell which error
//! its attempt's error came from, so an attempt in which a nested layer gave up and that
//! then failed for another reason is treated the same. An attempt that fails with an error
//! the outer layer does not retry returns it as always, and the outer layer's fallback
//! still runs when it gives up.

#![cfg_attr(retry_ablate_nested, allow(dead_code))]

use core::cell::Cell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::atomic::{AtomicBool, Ordering};

use pin_project_lite::pin_project;

use crate::RetryPolicyBuilder;
use crate::builder::{Checks, Group};

/// What a layer does about retried calls made inside its attempts (`nested = …`).
///
/// | | 3 attempts inside 3 attempts | who retries |
/// |---|---:|---|
/// | [`Inner`](Self::Inner) | 3 | the inner layer; the outer does not retry what it gave up on |
/// | [`InnerOnce`](Self::InnerOnce) | 3 | the outer layer; layers inside it make one attempt each |
/// | [`Multiply`](Self::Multiply) | 9 | both (Tenacity) |
///
/// The setting of a layer governs the layers nested in its attempts. `InnerOnce` reaches
/// every depth: a layer inside a layer inside an `inner_once` layer makes one attempt too.
/// An outer layer that does not retry because of `Inner` gives up with the reason "a nested
/// retry layer already retried and gave up" in its default event, and its fallback runs.
///
/// # Default
/// [`Inner`](Self::Inner).
///
/// ```
/// use retry_runtime::{Nested, RetryPolicy, stop::attempts, wait::none};
/// use std::cell::Cell;
///
/// let outer = RetryPolicy::builder().stop(attempts(3)).wait(none()).build()?;
/// let inner = RetryPolicy::builder().stop(attempts(3)).wait(none()).build()?;
/// let calls = Cell::new(0);
/// let dependency = || -> Result<(), &str> {
///     calls.set(calls.get() + 1);
///     Err("overloaded")
/// };
/// let out = outer.retry_blocking(|| inner.retry_blocking(dependency));
/// assert_eq!((out, calls.get()), (Err("overloaded"), 3)); // not 9
///
/// let tenacity = outer.clone().into_builder().nested(Nested::Multiply).build()?;
/// calls.set(0);
/// let _ = tenacity.retry_blocking(|| inner.retry_blocking(dependency));
/// assert_eq!(calls.get(), 9);
/// # Ok::<(), retry_runtime::PolicyError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Nested {
    /// The innermost layer retries; a layer does not retry an attempt in which a layer
    /// nested in it retried and gave up (`nested = inner`).
    #[default]
    Inner,
    /// The layers nested in this one's attempts make one attempt each, and this one retries
    /// (`nested = inner_once`).
    InnerOnce,
    /// Every layer retries on its own, as Tenacity does: attempts multiply (`nested = multiply`).
    Multiply,
}

impl<S, W, P, V, A, X: Group, H: Group, G: Group, C: Checks> RetryPolicyBuilder<S, W, P, V, A, X, H, G, C> {
    /// What this layer does about retried calls made inside its attempts (`nested = …`):
    /// see [`Nested`].
    ///
    /// # Default
    /// [`Nested::Inner`]: a 3-attempt layer inside a 3-attempt layer makes 3 attempts.
    ///
    /// ```
    /// use retry_runtime::{Nested, RetryPolicy, stop::attempts, wait::none};
    /// use std::cell::Cell;
    ///
    /// let outer = RetryPolicy::builder().stop(attempts(3)).wait(none()).nested(Nested::InnerOnce).build()?;
    /// let inner = RetryPolicy::builder().stop(attempts(3)).wait(none()).build()?;
    /// let calls = Cell::new(0);
    /// let out = outer.retry_blocking(|| {
    ///     inner.retry_blocking(|| {
    ///         calls.set(calls.get() + 1);
    ///         if calls.get() < 3 { Err("busy") } else { Ok(calls.get()) }
    ///     })
    /// });
    /// assert_eq!(out, Ok(3)); // the inner layer made one attempt each time; the outer retried
    /// # Ok::<(), retry_runtime::PolicyError>(())
    /// ```
    pub const fn nested(mut self, mode: Nested) -> Self {
        self.keys.settings.nested = mode;
        self
    }
}

/// The give-up reason of an outer layer that does not retry what a nested one gave up on.
pub(crate) const INNER_GAVE_UP: &str = "a nested retry layer already retried and gave up";
/// The give-up reason of a layer nested in an `inner_once` layer.
pub(crate) const OUTER_RETRIES: &str = "an outer retry layer retries this call (`nested = inner_once`)";

/// What the attempt under way tells the layers inside it, and what they tell it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Frame(u8);

impl Frame {
    /// No attempt of any layer is under way on this thread.
    const OUTSIDE: Self = Self(0);
    /// An attempt of a layer is under way.
    const PRESENT: u8 = 1;
    /// Layers inside make one attempt.
    const ONCE: u8 = 2;
    /// A layer inside gave up.
    const GAVE_UP: u8 = 4;

    /// The bit a layer in `mode` adds to the frames it publishes.
    #[inline(always)]
    const fn once(mode: Nested) -> u8 {
        if matches!(mode, Nested::InnerOnce) { Self::ONCE } else { 0 }
    }

    /// The frame an attempt publishes inside `self`, `once` being [`Frame::once`] of its
    /// layer: `inner_once` reaches every depth, a give-up does not leak out of the attempt
    /// it happened in.
    #[inline(always)]
    const fn enclosed(self, once: u8) -> Self {
        Self(Self::PRESENT | once | (self.0 & Self::ONCE))
    }

    #[inline(always)]
    const fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

thread_local! {
    /// The frame of the attempt being polled (or run) on this thread. `const`-initialised and
    /// without drop glue, so an access is a plain load or store at a thread-local offset.
    static CURRENT: Cell<Frame> = const { Cell::new(Frame::OUTSIDE) };
}

/// Restores the enclosing frame when the attempt's poll (or run) ends, however it ends, and
/// carries a nested layer's give-up into the call.
struct Entered<'a> {
    enclosing: Frame,
    gave_up: &'a AtomicBool,
}

impl Drop for Entered<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        if CURRENT.replace(self.enclosing).has(Frame::GAVE_UP) {
            self.gave_up.store(true, Ordering::Relaxed);
        }
    }
}

/// What a call keeps of its place among layers: what its attempts publish, and whether a
/// layer nested in the attempt under way gave up. Two bytes in the call's state; an attempt's
/// future holds a reference to it.
#[derive(Debug)]
pub(crate) struct Layer {
    /// [`Frame::ONCE`] for `inner_once`, and [`Layer::SKIPS`] for `inner`.
    bits: u8,
    /// Atomic so that the call stays `Sync` (its futures hold `&Call` across awaits), and
    /// only ever accessed `Relaxed`: a plain load or store.
    gave_up: AtomicBool,
}

impl Layer {
    /// The layer of a call in `mode`.
    #[inline(always)]
    pub(crate) const fn new(mode: Nested) -> Self {
        let skips = if matches!(mode, Nested::Inner) { Self::SKIPS } else { 0 };
        Self { bits: Frame::once(mode) | skips, gave_up: AtomicBool::new(false) }
    }

    /// The layer does not retry an attempt in which a nested layer gave up.
    const SKIPS: u8 = 0x80;

    /// The same layer for the attempts of one hedged round, which run concurrently and so
    /// cannot borrow the call (`hedge.rs`); [`absorb`](Self::absorb) brings back what they saw.
    #[inline]
    pub(crate) const fn fork(&self) -> Self {
        Self { bits: self.bits, gave_up: AtomicBool::new(false) }
    }

    /// Takes in what the attempts of a [`fork`](Self::fork) were told by their nested layers.
    #[inline]
    pub(crate) fn absorb(&mut self, fork: &Self) {
        if fork.gave_up.load(Ordering::Relaxed) {
            *self.gave_up.get_mut() = true;
        }
    }

    /// Runs `f` as (a poll of) an attempt of this layer.
    #[cfg(not(retry_ablate_nested))]
    #[inline(always)]
    pub(crate) fn within<R>(&self, f: impl FnOnce() -> R) -> R {
        let enclosing = CURRENT.get();
        CURRENT.set(enclosing.enclosed(self.bits & Frame::ONCE));
        let _entered = Entered { enclosing, gave_up: &self.gave_up };
        f()
    }

    /// Runs `f` without publishing a frame: built with `--cfg retry_ablate_nested` only, to
    /// measure what the frame costs (BENCHMARKS.md, "What the nested-layer frame costs").
    /// Nested layers are not detected in such a build, so its tests of them fail; never for
    /// use.
    #[cfg(retry_ablate_nested)]
    #[inline(always)]
    pub(crate) fn within<R>(&self, f: impl FnOnce() -> R) -> R {
        f()
    }

    /// `attempt`, publishing this layer's frame during each poll.
    #[inline(always)]
    pub(crate) fn attempt<F: Future>(&self, attempt: F) -> InAttempt<'_, F> {
        InAttempt { attempt, layer: self }
    }

    /// Why this layer does not retry its failed attempt although its own stop would let it;
    /// forgets what the attempt's nested layers did.
    #[inline(always)]
    pub(crate) fn refusal(&mut self) -> Option<&'static str> {
        let inner_gave_up = core::mem::take(self.gave_up.get_mut());
        if CURRENT.get().has(Frame::ONCE) {
            Some(OUTER_RETRIES)
        } else if inner_gave_up && self.bits & Self::SKIPS != 0 {
            Some(INNER_GAVE_UP)
        } else {
            None
        }
    }
}

pin_project! {
    /// An attempt's future, publishing its layer's frame during each poll.
    ///
    /// A struct with a pinned field rather than an `async` block around `poll_fn`: the block
    /// added a state machine of its own around the attempt (a tag, a move of the attempt
    /// into it, a poll that was not inlined): 5 times the first-try success of `#[retry]`.
    pub(crate) struct InAttempt<'a, F> {
        #[pin]
        attempt: F,
        layer: &'a Layer,
    }
}

impl<F: Future> Future for InAttempt<'_, F> {
    type Output = F::Output;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let layer = *this.layer;
        layer.within(|| this.attempt.poll(cx))
    }
}

/// Tells the attempt this layer runs in, if any, that this layer gave up. Out of line: giving
/// up is the cold path, and the loop around it inlines better without it.
#[cold]
#[inline(never)]
pub(crate) fn gave_up() {
    let frame = CURRENT.get();
    if frame.has(Frame::PRESENT) {
        CURRENT.set(Frame(frame.0 | Frame::GAVE_UP));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_once_reaches_every_depth_and_a_give_up_stays_in_its_attempt() {
        let once = Frame::OUTSIDE.enclosed(Frame::once(Nested::InnerOnce));
        assert!(once.enclosed(Frame::once(Nested::Inner)).has(Frame::ONCE));
        assert!(!Frame(Frame::PRESENT | Frame::GAVE_UP).enclosed(0).has(Frame::GAVE_UP));
    }

    #[test]
    fn a_panicking_attempt_restores_the_enclosing_frame() {
        let layer = Layer::new(Nested::InnerOnce);
        let caught = std::panic::catch_unwind(|| layer.within(|| panic!("boom")));
        assert!(caught.is_err());
        assert_eq!(CURRENT.get(), Frame::OUTSIDE);
    }

    #[test]
    fn a_give_up_outside_any_attempt_marks_nothing() {
        gave_up();
        assert_eq!(CURRENT.get(), Frame::OUTSIDE);
    }
}
