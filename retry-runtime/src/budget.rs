//! [`RetryBudget`]: a token bucket shared by many calls, so that an outage does not
//! multiply the load on a dependency by the number of attempts.
//!
//! Every retry must withdraw tokens first; when the bucket cannot pay, the call returns its
//! error instead of retrying. The bucket is refilled by successes (the AWS SDKs' standard
//! mode, [`RetryBudget::aws_standard`]) or by requests (a share of them,
//! [`RetryBudget::percent`], as the Google SRE book advises and Finagle does).
//!
//! How a call drives it:
//!
//! ```
//! use retry_runtime::{RetryBudget, budget::RetryKind};
//!
//! static BUDGET: RetryBudget = RetryBudget::aws_standard();
//!
//! fn call(mut attempt: impl FnMut() -> Result<u32, &'static str>) -> Result<u32, &'static str> {
//!     BUDGET.record_request();
//!     let mut withdrawal = None;
//!     for n in 1..=3 {
//!         match attempt() {
//!             Ok(v) => {
//!                 BUDGET.on_success(withdrawal); // refund the retry, or reward a first try
//!                 return Ok(v);
//!             }
//!             Err(e) if n == 3 => return Err(e),
//!             Err(e) => match BUDGET.try_withdraw(RetryKind::Error) {
//!                 Some(w) => withdrawal = Some(w),
//!                 None => return Err(e), // the budget is empty: no retry
//!             },
//!         }
//!     }
//!     unreachable!()
//! }
//!
//! let mut tries = 0;
//! assert_eq!(call(|| { tries += 1; if tries < 2 { Err("busy") } else { Ok(tries) } }), Ok(2));
//! assert_eq!(BUDGET.available(), 500); // the retry's 5 tokens came back
//! ```

use core::fmt;

use crate::sync::{AtomicU64, Ordering, const_unless_loom};

/// What a retry is for: a retry after a timeout costs more in the AWS SDKs, since a
/// timeout is the likelier sign of an overloaded dependency.
///
/// ```
/// use retry_runtime::{RetryBudget, budget::RetryKind};
/// let budget = RetryBudget::aws_standard();
/// assert_eq!(budget.cost(RetryKind::Error), 5);
/// assert_eq!(budget.cost(RetryKind::Timeout), 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryKind {
    /// A retry after an error.
    Error,
    /// A retry after the attempt's `timeout` ran out.
    Timeout,
}

/// Tokens taken from a [`RetryBudget`] for one retry: give it back to
/// [`on_success`](RetryBudget::on_success) if that retry succeeds, so that its cost is
/// refunded; drop it otherwise.
///
/// ```
/// use retry_runtime::{RetryBudget, budget::RetryKind};
/// let budget = RetryBudget::aws_standard();
/// let withdrawal = budget.try_withdraw(RetryKind::Timeout).expect("a full bucket");
/// assert_eq!(withdrawal.cost(), 10);
/// assert_eq!(budget.available(), 490);
/// ```
#[derive(Debug, PartialEq, Eq)]
#[must_use = "pass it to `on_success` if the retry succeeds, so that its cost is refunded"]
pub struct Withdrawal {
    cost: u32,
}

impl Withdrawal {
    /// The tokens this withdrawal took.
    ///
    /// ```
    /// use retry_runtime::{RetryBudget, budget::RetryKind};
    /// let w = RetryBudget::percent(10).try_withdraw(RetryKind::Error).unwrap();
    /// assert_eq!(w.cost(), 100); // the ratio form counts hundredths of a retry
    /// ```
    pub const fn cost(&self) -> u32 {
        self.cost
    }
}

/// A token bucket shared by many calls that every retry must pay from: it bounds how
/// much an outage can multiply the load on a dependency.
///
/// Tokens are never negative and never above [`capacity`](Self::capacity). The whole
/// state is one atomic word, updated with compare-and-swap: no lock, no lost update, and
/// the constructors are `const` so that the budget can be a `static`.
///
/// Two forms, both the same bucket with different parameters:
/// - **refilled by successes** ([`aws_standard`](Self::aws_standard),
///   [`token_bucket`](Self::token_bucket)): starts full; a retry costs tokens, a retry
///   that succeeds gets its cost back, and a first-try success adds a reward. During a
///   full outage nothing comes back, so the retries stop once the bucket is empty.
/// - **refilled by requests** ([`percent`](Self::percent),
///   [`percent_with_reserve`](Self::percent_with_reserve)): each first attempt deposits
///   a share of a retry, so retries stay at most that share of requests.
///
/// # Default
/// `#[retry]` uses no budget unless given `budget = NAME`; [`aws_standard`](Self::aws_standard)
/// is the usual choice.
///
/// ```
/// use retry_runtime::{RetryBudget, budget::RetryKind};
///
/// static BUDGET: RetryBudget = RetryBudget::aws_standard(); // 500 tokens, 5 a retry
/// static SHARE: RetryBudget = RetryBudget::percent(10);     // retries ≤ 10 % of requests
///
/// let mut retries = 0;
/// while BUDGET.try_withdraw(RetryKind::Error).is_some() {
///     retries += 1;
/// }
/// assert_eq!(retries, 100);
/// assert_eq!(BUDGET.available(), 0);
/// # let _ = &SHARE;
/// ```
pub struct RetryBudget {
    /// `debt << 32 | tokens`: one word, so that every change is one compare-and-swap.
    state: AtomicU64,
    capacity: u32,
    retry_cost: u32,
    timeout_cost: u32,
    success_reward: u32,
    refund: bool,
    request_deposit: u32,
}

/// A retry's cost in the ratio form, whose tokens are hundredths of a retry.
const ONE_RETRY: u32 = 100;

impl RetryBudget {
    const_unless_loom! {
        /// The AWS SDKs' standard retry mode: 500 tokens, 5 a retry after an error, 10 a
        /// retry after a timeout; a successful retry refunds its cost and a first-try
        /// success adds 1 (up to 500).
        ///
        /// # Default
        /// `token_bucket(500, 5, 10, 1)`: starts full.
        ///
        /// ```
        /// use retry_runtime::{RetryBudget, budget::RetryKind};
        /// let budget = RetryBudget::aws_standard();
        /// let w = budget.try_withdraw(RetryKind::Error);
        /// assert_eq!(budget.available(), 495);
        /// budget.on_success(w); // the retry succeeded: refunded
        /// assert_eq!(budget.available(), 500);
        /// ```
        pub const fn aws_standard() -> Self {
            Self::token_bucket(500, 5, 10, 1)
        }

        /// A bucket of `capacity` tokens, full at first: a retry after an error costs
        /// `retry_cost`, after a timeout `timeout_cost`; a retry that succeeds gets its
        /// cost back; a first-try success adds `success_reward`. Nothing ever goes above
        /// `capacity`.
        ///
        /// A cost of 0 makes that kind of retry free (never refused).
        ///
        /// # Default
        /// Starts full; [`record_request`](Self::record_request) does nothing.
        ///
        /// ```
        /// use retry_runtime::{RetryBudget, budget::RetryKind};
        /// let budget = RetryBudget::token_bucket(10, 4, 8, 1);
        /// assert!(budget.try_withdraw(RetryKind::Timeout).is_some()); // 2 left
        /// assert!(budget.try_withdraw(RetryKind::Error).is_none());
        /// budget.on_success(None);
        /// budget.on_success(None);
        /// assert!(budget.try_withdraw(RetryKind::Error).is_some());
        /// ```
        pub const fn token_bucket(
            capacity: u32,
            retry_cost: u32,
            timeout_cost: u32,
            success_reward: u32,
        ) -> Self {
            Self {
                state: AtomicU64::new(pack(capacity, 0)),
                capacity,
                retry_cost,
                timeout_cost,
                success_reward,
                refund: true,
                request_deposit: 0,
            }
        }

        /// Retries at most `percent` % of requests, as the Google SRE book advises (10 %)
        /// and Finagle's `RetryBudget` does: each [`record_request`](Self::record_request)
        /// deposits `percent` hundredths of a retry, and each retry, whatever its kind,
        /// costs one whole retry. Successes add and refund nothing.
        ///
        /// So that the first failures of a quiet service may retry before it has made
        /// enough requests to pay for them, the budget starts with a reserve of 10
        /// retries, lent in advance: the first deposits repay it before they add to the
        /// balance. Over the first N requests, then, at most `max(10, N · percent / 100)`
        /// retries are made. At most 100 retries can be saved up, so that a long quiet
        /// spell cannot pay for a long burst of retries.
        ///
        /// Tokens ([`available`](Self::available), [`capacity`](Self::capacity),
        /// [`Withdrawal::cost`]) count hundredths of a retry.
        ///
        /// # Default
        /// `percent_with_reserve(percent, 10, 100)`.
        ///
        /// # Panics
        /// If `percent` is 0 or above 100; in a `static`, that is a compile error:
        ///
        /// ```compile_fail
        /// # use retry_runtime::RetryBudget;
        /// static NONE: RetryBudget = RetryBudget::percent(0);
        /// ```
        ///
        /// ```
        /// use retry_runtime::{RetryBudget, budget::RetryKind};
        /// let budget = RetryBudget::percent(10);
        /// assert_eq!(budget.available(), 10 * 100); // the reserve
        /// for _ in 0..10 {
        ///     assert!(budget.try_withdraw(RetryKind::Error).is_some());
        /// }
        /// assert!(budget.try_withdraw(RetryKind::Error).is_none());
        /// for _ in 0..100 {
        ///     budget.record_request(); // repays the reserve
        /// }
        /// assert_eq!(budget.available(), 0);
        /// for _ in 0..10 {
        ///     budget.record_request();
        /// }
        /// assert!(budget.try_withdraw(RetryKind::Error).is_some()); // 10 requests, 1 retry
        /// ```
        pub const fn percent(percent: u32) -> Self {
            Self::percent_with_reserve(percent, 10, 100)
        }

        /// [`percent`](Self::percent) with its reserve and its cap chosen: the budget
        /// starts with `reserve` retries lent in advance (repaid by the first deposits)
        /// and saves up at most `max_saved` retries.
        ///
        /// # Default
        /// The reserve is repaid before deposits add to the balance; tokens count
        /// hundredths of a retry.
        ///
        /// # Panics
        /// If `percent` is 0 or above 100, `max_saved` is 0 or above `u32::MAX / 100`,
        /// or `reserve` is above `max_saved` (in a `static`, a compile error).
        ///
        /// ```
        /// use retry_runtime::{RetryBudget, budget::RetryKind};
        /// let budget = RetryBudget::percent_with_reserve(20, 0, 1);
        /// assert!(budget.try_withdraw(RetryKind::Error).is_none()); // no reserve
        /// for _ in 0..5 {
        ///     budget.record_request();
        /// }
        /// assert!(budget.try_withdraw(RetryKind::Error).is_some());
        /// for _ in 0..1000 {
        ///     budget.record_request();
        /// }
        /// assert_eq!(budget.available(), budget.capacity()); // one retry saved, no more
        /// ```
        pub const fn percent_with_reserve(percent: u32, reserve: u32, max_saved: u32) -> Self {
            assert!(
                percent > 0 && percent <= 100,
                "a retry budget's percent must be between 1 and 100"
            );
            assert!(
                max_saved > 0 && max_saved <= u32::MAX / ONE_RETRY,
                "a retry budget must be able to save between 1 and u32::MAX / 100 retries"
            );
            assert!(
                reserve <= max_saved,
                "a retry budget's reserve cannot exceed the retries it can save"
            );
            let reserve = reserve * ONE_RETRY;
            Self {
                state: AtomicU64::new(pack(reserve, reserve)),
                capacity: max_saved * ONE_RETRY,
                retry_cost: ONE_RETRY,
                timeout_cost: ONE_RETRY,
                success_reward: 0,
                refund: false,
                request_deposit: percent,
            }
        }
    }

    /// The most tokens the bucket holds.
    ///
    /// ```
    /// use retry_runtime::RetryBudget;
    /// assert_eq!(RetryBudget::aws_standard().capacity(), 500);
    /// assert_eq!(RetryBudget::percent(10).capacity(), 100 * 100);
    /// ```
    pub const fn capacity(&self) -> u32 {
        self.capacity
    }

    /// The withdrawal a successful [`try_withdraw`](Self::try_withdraw) of `kind` made,
    /// for a caller that kept only the kind.
    pub(crate) const fn withdrawn(&self, kind: RetryKind) -> Withdrawal {
        Withdrawal { cost: self.cost(kind) }
    }

    /// What a retry of this kind withdraws.
    ///
    /// ```
    /// use retry_runtime::{RetryBudget, budget::RetryKind};
    /// assert_eq!(RetryBudget::percent(10).cost(RetryKind::Timeout), 100);
    /// ```
    pub const fn cost(&self, kind: RetryKind) -> u32 {
        match kind {
            RetryKind::Error => self.retry_cost,
            RetryKind::Timeout => self.timeout_cost,
        }
    }

    /// The tokens in the bucket now.
    ///
    /// ```
    /// use retry_runtime::RetryBudget;
    /// assert_eq!(RetryBudget::aws_standard().available(), 500);
    /// ```
    pub fn available(&self) -> u32 {
        unpack(self.state.load(Ordering::Relaxed)).0
    }

    /// A call made its first attempt: in the ratio form, deposits its share of a retry
    /// (repaying the reserve first); in the token-bucket form, does nothing.
    ///
    /// Call it once per call, not once per attempt.
    ///
    /// ```
    /// use retry_runtime::RetryBudget;
    /// let budget = RetryBudget::percent_with_reserve(10, 0, 100);
    /// budget.record_request();
    /// assert_eq!(budget.available(), 10); // a tenth of a retry
    /// ```
    #[inline]
    pub fn record_request(&self) {
        let deposit = self.request_deposit;
        if deposit == 0 {
            return;
        }
        self.update(|tokens, debt| {
            let repaid = deposit.min(debt);
            Some((self.add(tokens, deposit - repaid), debt - repaid))
        });
    }

    /// Takes the cost of one retry of `kind`, or `None` (taking nothing) if the bucket
    /// holds less: then the call must not retry.
    ///
    /// ```
    /// use retry_runtime::{RetryBudget, budget::RetryKind};
    /// let budget = RetryBudget::token_bucket(12, 5, 10, 1);
    /// assert!(budget.try_withdraw(RetryKind::Timeout).is_some());
    /// assert!(budget.try_withdraw(RetryKind::Error).is_none());
    /// assert_eq!(budget.available(), 2);
    /// ```
    pub fn try_withdraw(&self, kind: RetryKind) -> Option<Withdrawal> {
        let cost = self.cost(kind);
        let paid = cost == 0
            || self.update(|tokens, debt| {
                let left = tokens.checked_sub(cost)?;
                Some((left, debt))
            });
        #[cfg(feature = "metrics")]
        if !paid {
            crate::telemetry::budget_refusal(kind);
        }
        paid.then_some(Withdrawal { cost })
    }

    /// A call succeeded. Pass the withdrawal made for the retry that succeeded, or `None`
    /// if the first attempt did: the token-bucket form refunds that retry's cost, or adds
    /// its first-try reward; the ratio form does nothing. Never above
    /// [`capacity`](Self::capacity).
    ///
    /// ```
    /// use retry_runtime::{RetryBudget, budget::RetryKind};
    /// let budget = RetryBudget::aws_standard();
    /// let _failed = budget.try_withdraw(RetryKind::Error);     // a retry that failed: kept
    /// let succeeded = budget.try_withdraw(RetryKind::Error);   // the retry that succeeded
    /// budget.on_success(succeeded);
    /// assert_eq!(budget.available(), 495);
    /// budget.on_success(None);                                  // a first-try success
    /// assert_eq!(budget.available(), 496);
    /// ```
    #[inline]
    pub fn on_success(&self, withdrawal: Option<Withdrawal>) {
        let amount = match withdrawal {
            Some(w) if self.refund => w.cost,
            Some(_) => 0,
            None => self.success_reward,
        };
        if amount == 0 {
            return;
        }
        self.update(|tokens, debt| {
            let topped = self.add(tokens, amount);
            (topped != tokens).then_some((topped, debt))
        });
    }

    /// A retry paid for with `withdrawal` never ran (the call gave up before it started):
    /// its cost goes back, whatever [`on_success`](Self::on_success) would refund. Never
    /// above [`capacity`](Self::capacity).
    ///
    /// ```
    /// use retry_runtime::{RetryBudget, budget::RetryKind};
    /// let budget = RetryBudget::aws_standard(); // refunds nothing on success
    /// let unrun = budget.try_withdraw(RetryKind::Error);
    /// assert_eq!(budget.available(), 495);
    /// budget.give_back(unrun);
    /// assert_eq!(budget.available(), 500);
    /// ```
    pub fn give_back(&self, withdrawal: Option<Withdrawal>) {
        let Some(Withdrawal { cost }) = withdrawal else { return };
        if cost > 0 {
            self.update(|tokens, debt| Some((self.add(tokens, cost), debt)));
        }
    }

    /// What a fleet's shared bucket of this form starts from and how it pays.
    #[cfg(feature = "redis")]
    pub(crate) fn form(&self) -> BudgetForm {
        let (tokens, debt) = unpack(self.state.load(Ordering::Relaxed));
        BudgetForm {
            capacity: self.capacity,
            tokens,
            debt,
            success_reward: self.success_reward,
            refund: self.refund,
            request_deposit: self.request_deposit,
        }
    }

    /// `tokens + amount`, at most `capacity`.
    fn add(&self, tokens: u32, amount: u32) -> u32 {
        tokens.saturating_add(amount).min(self.capacity)
    }

    /// Applies `change` to `(tokens, debt)` atomically; `false` if it declined (`None`).
    fn update(&self, change: impl Fn(u32, u32) -> Option<(u32, u32)>) -> bool {
        // The one word is all the state and publishes no other memory, so `Relaxed`
        // read-modify-writes are enough: they are totally ordered on that word.
        self.state
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |state| {
                let (tokens, debt) = unpack(state);
                change(tokens, debt).map(|(tokens, debt)| pack(tokens, debt))
            })
            .is_ok()
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (tokens, debt) = unpack(self.state.load(Ordering::Relaxed));
        f.debug_struct("RetryBudget")
            .field("available", &tokens)
            .field("capacity", &self.capacity)
            .field("retry_cost", &self.retry_cost)
            .field("timeout_cost", &self.timeout_cost)
            .field("success_reward", &self.success_reward)
            .field("refund", &self.refund)
            .field("request_deposit", &self.request_deposit)
            .field("reserve_owed", &debt)
            .finish()
    }
}

/// A [`RetryBudget`]'s parameters and state, as a fleet's shared bucket takes them.
#[cfg(feature = "redis")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct BudgetForm {
    pub(crate) capacity: u32,
    pub(crate) tokens: u32,
    pub(crate) debt: u32,
    pub(crate) success_reward: u32,
    pub(crate) refund: bool,
    pub(crate) request_deposit: u32,
}

const fn pack(tokens: u32, debt: u32) -> u64 {
    (debt as u64) << 32 | tokens as u64
}

const fn unpack(state: u64) -> (u32, u32) {
    (state as u32, (state >> 32) as u32)
}
