//! [`FleetBudget`]: a retry budget whose tokens every process shares, lent out in leases.
//!
//! The bucket lives in Redis. Each process borrows a few retries' worth of tokens at a time
//! (a lease, recorded in Redis under the process's name with an expiry it renews each
//! round) and pays its retries from it without asking Redis. Refunds go back into the lease;
//! rewards and the percent form's deposits wait in a counter for the next round, which
//! writes them, tops the lease up, and gives back what is held beyond twice a lease.

use core::fmt;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::store::Synced;
use super::{Fleet, FleetError, Inner, check_name, millis};
use crate::RetryBudget;
use crate::budget::RetryKind;
use crate::guards::{Budget, BudgetGuard};

/// A [`RetryBudget`] whose tokens every process of the [`Fleet`] shares (`budget = NAME` and
/// `.budget(&B)` take it as they take a local one), in the same forms: the AWS SDKs'
/// standard bucket ([`RetryBudget::aws_standard`], [`RetryBudget::token_bucket`]) and the
/// share of requests ([`RetryBudget::percent`]). Needs the `redis` feature.
///
/// Until it [joins](Self::join) a fleet it is its local budget. Joined, the bucket is in
/// Redis, starting as the local budget was when it joined, and withdrawals and refunds are
/// atomic (a Lua script). Each process pays from a lease of
/// [`lease_retries`](super::FleetOptions::with_lease_retries) retries' worth of tokens, so no
/// retry waits on Redis; a round tops the lease up (at once when it runs low). Leases are
/// lent in whole retries, and one too small to pay a retry goes back to the bucket.
///
/// # What "exact" means
/// Tokens are neither made nor lost by sharing: at any time, the bucket's tokens plus what
/// every lease holds equal what the bucket started with, less what was paid for retries,
/// plus what was refunded and deposited (less what the capacity cut off). When every
/// process has [shut down](Fleet::shutdown), the bucket alone holds that sum. Two
/// approximations, both bounded by one lease per process: a process may refuse a retry
/// while another's lease still holds tokens (or before its first lease has arrived: joining
/// asks for it at once, and [`Fleet::sync`] waits for it); and the capacity caps the bucket,
/// not the bucket and the leases together.
///
/// A process that dies without shutting down gets its lease refunded to the bucket once it
/// has not renewed it for [`key_ttl`](super::FleetOptions::with_key_ttl): what it held at its
/// last round, so what it paid in its last round is refunded too.
///
/// # When the store is away
/// The process pays from its lease, then from its local budget (the one given to
/// [`new`](Self::new)), as it would alone; what it paid from the local budget is charged to
/// the shared bucket when the store returns (the bucket may go below zero, and retries wait
/// until it is refilled), and the deposits made meanwhile are written then.
///
/// ```
/// use retry_runtime::fleet::{Fleet, FleetBudget};
/// use retry_runtime::{RetryBudget, RetryPolicy, stop::attempts, wait::none};
///
/// static BUDGET: FleetBudget = FleetBudget::new("doc-budget", RetryBudget::token_bucket(10, 5, 10, 0));
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), retry_runtime::fleet::FleetError> {
/// let fleet = Fleet::connect("redis://127.0.0.1:6379", "doc-fleet-budget")?;
/// fleet.clear_budget(&BUDGET).await?;
/// BUDGET.join(&fleet)?;
/// fleet.sync().await?; // the first lease
/// let policy = RetryPolicy::builder().stop(attempts(10)).wait(none()).budget(&BUDGET).build().unwrap();
/// let mut runs = 0;
/// let _: Result<(), &str> = policy.retry(|| { runs += 1; async { Err("down") } }).await;
/// assert_eq!(runs, 3); // two retries of 5 tokens each emptied the shared bucket
/// fleet.shutdown().await;
/// assert_eq!(fleet.budget_tokens(&BUDGET).await?, 0);
/// # Ok(()) }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub struct FleetBudget {
    name: &'static str,
    local: RetryBudget,
    link: OnceLock<Arc<Inner>>,
    /// The lease: tokens borrowed from the bucket and not yet spent.
    lease: AtomicI64,
    /// Rewards and deposits not yet written.
    deposits: AtomicU64,
    /// Paid from the local budget while the store was away, not yet charged.
    debit: AtomicU64,
    /// What the bucket held at the last round, for [`shared_tokens`](Self::shared_tokens).
    shared: AtomicI64,
    /// A round is wanted: the lease ran low.
    low: AtomicBool,
    /// The state of the exchange with the bucket, the task's alone.
    exchange: Mutex<Exchange>,
    /// Whether the last round could read the bucket.
    synced: Synced,
}

/// What a round sends, kept until its reply arrives: a request whose reply was lost is sent
/// again as it was, with its number, and the script applies it once.
#[derive(Debug, Default)]
struct Exchange {
    seq: u64,
    /// What the lease records in Redis, as last replied.
    recorded: i64,
    pending: Option<Request>,
}

#[derive(Debug, Clone, Copy)]
struct Request {
    seq: u64,
    held: i64,
    deposit: u64,
    debit: u64,
    want: i64,
    most: i64,
}

impl FleetBudget {
    /// A shared budget named `name` (its part of the keys, unique in the namespace) in the
    /// form of `local`, which is also what the process pays from while the store is away.
    ///
    /// # Default
    /// Local only, until [`join`](Self::join).
    ///
    /// ```
    /// use retry_runtime::{RetryBudget, fleet::FleetBudget};
    /// static BUDGET: FleetBudget = FleetBudget::new("llm", RetryBudget::percent(10));
    /// assert_eq!(BUDGET.name(), "llm");
    /// ```
    pub const fn new(name: &'static str, local: RetryBudget) -> Self {
        Self {
            name,
            local,
            link: OnceLock::new(),
            lease: AtomicI64::new(0),
            deposits: AtomicU64::new(0),
            debit: AtomicU64::new(0),
            shared: AtomicI64::new(0),
            low: AtomicBool::new(false),
            exchange: Mutex::new(Exchange { seq: 0, recorded: 0, pending: None }),
            synced: Synced::new(),
        }
    }

    /// Its name in the fleet's keys.
    ///
    /// ```
    /// # use retry_runtime::{RetryBudget, fleet::FleetBudget};
    /// assert_eq!(FleetBudget::new("b", RetryBudget::aws_standard()).name(), "b");
    /// ```
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The local budget: the form, and what this process pays from while the store is away.
    ///
    /// ```
    /// # use retry_runtime::{RetryBudget, fleet::FleetBudget};
    /// static B: FleetBudget = FleetBudget::new("b", RetryBudget::aws_standard());
    /// assert_eq!(B.local().capacity(), 500);
    /// ```
    pub const fn local(&self) -> &RetryBudget {
        &self.local
    }

    /// Tokens this process holds in its lease.
    ///
    /// ```
    /// # use retry_runtime::{RetryBudget, fleet::FleetBudget};
    /// static B: FleetBudget = FleetBudget::new("b", RetryBudget::aws_standard());
    /// assert_eq!(B.leased(), 0);
    /// ```
    pub fn leased(&self) -> i64 {
        self.lease.load(Ordering::Acquire)
    }

    /// Tokens in the shared bucket at the last round (leases excluded).
    ///
    /// ```
    /// # use retry_runtime::{RetryBudget, fleet::FleetBudget};
    /// static B: FleetBudget = FleetBudget::new("b", RetryBudget::aws_standard());
    /// assert_eq!(B.shared_tokens(), 0); // no round yet
    /// ```
    pub fn shared_tokens(&self) -> i64 {
        self.shared.load(Ordering::Acquire)
    }

    /// Shares this budget's tokens with every process of `fleet`.
    ///
    /// # Errors
    /// [`FleetError::AlreadyJoined`] if it has joined a fleet already;
    /// [`FleetError::Name`] if its name holds whitespace or is empty.
    ///
    /// ```
    /// use retry_runtime::{RetryBudget, fleet::{Fleet, FleetBudget}};
    /// static B: FleetBudget = FleetBudget::new("doc-budget-join", RetryBudget::aws_standard());
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let fleet = Fleet::connect("redis://127.0.0.1:6379", "doc-budget-join").unwrap();
    /// B.join(&fleet).unwrap();
    /// assert!(B.join(&fleet).is_err());
    /// # fleet.shutdown().await;
    /// # }
    /// ```
    pub fn join(&'static self, fleet: &Fleet) -> Result<(), FleetError> {
        check_name(self.name, "budget name")?;
        self.link.set(Arc::clone(fleet.inner())).map_err(|_| FleetError::AlreadyJoined(self.name))?;
        fleet.inner().add_budget(self);
        Ok(())
    }

    fn cost(&self, kind: RetryKind) -> i64 {
        i64::from(self.local.cost(kind))
    }

    /// The cheapest retry's cost: leases are lent in multiples of it, so that tokens split
    /// among processes still pay whole retries.
    fn unit(&self) -> i64 {
        match (self.cost(RetryKind::Error), self.cost(RetryKind::Timeout)) {
            (0, 0) => 1,
            (0, c) | (c, 0) => c,
            (a, b) => a.min(b),
        }
    }

    /// The lease to aim for and the most to hold, in tokens.
    fn lease_size(&self, fleet: &Inner) -> (i64, i64) {
        let one = self.cost(RetryKind::Error).max(self.cost(RetryKind::Timeout)).max(1);
        let want = one * i64::from(fleet.options.lease_retries.max(1));
        (want, want * 2)
    }

    /// One round: writes the deposits and debits, renews the lease and tops it up; `last`
    /// gives the whole lease back.
    pub(crate) async fn sync(&self, fleet: &Inner, last: bool) -> Result<(), FleetError> {
        // A request resent from before the last round asked for a lease: one more gives it back.
        let gave_back = self.exchange(fleet, last).await?;
        if last && !gave_back {
            self.exchange(fleet, last).await?;
        }
        Ok(())
    }

    /// One request and its reply; `true` if it gave the whole lease back.
    async fn exchange(&self, fleet: &Inner, last: bool) -> Result<bool, FleetError> {
        let request = {
            let mut exchange = self.exchange.lock().unwrap_or_else(PoisonError::into_inner);
            match exchange.pending {
                // A lost reply: the same request again, so that it counts once.
                Some(request) => request,
                None => {
                    exchange.seq += 1;
                    let (want, most) = if last { (0, 0) } else { self.lease_size(fleet) };
                    let request = Request {
                        seq: exchange.seq,
                        held: self.lease.load(Ordering::Acquire),
                        deposit: self.deposits.swap(0, Ordering::AcqRel),
                        debit: self.debit.swap(0, Ordering::AcqRel),
                        want,
                        most,
                    };
                    exchange.pending = Some(request);
                    request
                }
            }
        };
        let recorded = self.exchange.lock().unwrap_or_else(PoisonError::into_inner).recorded;
        let form = self.local.form();
        let key = |part: &str| format!("{}:budget:{}{part}", fleet.namespace, self.name);
        let mut invocation = fleet.store.scripts.budget.prepare_invoke();
        invocation
            .key(key(""))
            .key(key(":leases"))
            .key(key(":expiry"))
            .arg(&fleet.process)
            .arg(form.capacity)
            .arg(form.tokens)
            .arg(form.debt)
            .arg(request.held)
            .arg(recorded)
            .arg(request.deposit)
            .arg(request.debit)
            .arg(request.want)
            .arg(request.most)
            .arg(millis(fleet.options.key_ttl))
            .arg(millis(fleet.options.key_ttl))
            .arg(request.seq)
            .arg(self.unit());
        let outcome = fleet.store.eval::<(i64, i64, i64)>(&invocation).await;
        let (adjust, recorded, tokens) = self.synced.record(outcome, "FleetBudget", self.name)?;
        self.lease.fetch_add(adjust, Ordering::AcqRel);
        self.shared.store(tokens, Ordering::Release);
        let mut exchange = self.exchange.lock().unwrap_or_else(PoisonError::into_inner);
        exchange.recorded = recorded;
        exchange.pending = None;
        drop(exchange);
        // A request made before the lease ran out again: another round at once.
        if self.low.swap(false, Ordering::AcqRel)
            && !last
            && self.lease.load(Ordering::Acquire) < self.lease_size(fleet).0 / 2
        {
            fleet.wake();
        }
        Ok(request.want == 0 && request.most == 0)
    }

    /// Pays `cost` from the lease, or `false`.
    fn pay_from_lease(&self, cost: i64) -> bool {
        self.lease.fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| (held >= cost).then(|| held - cost)).is_ok()
    }
}

impl Fleet {
    /// The tokens in `budget`'s shared bucket now (leases excluded), read from Redis.
    ///
    /// # Errors
    /// [`FleetError::Store`] when the store does not answer.
    ///
    /// ```
    /// use retry_runtime::{RetryBudget, fleet::{Fleet, FleetBudget}};
    /// static B: FleetBudget = FleetBudget::new("doc-tokens", RetryBudget::aws_standard());
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let fleet = Fleet::connect("redis://127.0.0.1:6379", "doc-tokens").unwrap();
    /// fleet.clear_budget(&B).await.unwrap();
    /// assert_eq!(fleet.budget_tokens(&B).await.unwrap(), 500); // as the budget starts
    /// # }
    /// ```
    pub async fn budget_tokens(&self, budget: &FleetBudget) -> Result<i64, FleetError> {
        let inner = self.inner();
        let form = budget.local.form();
        let key = |part: &str| format!("{}:budget:{}{part}", inner.namespace, budget.name);
        // A request for nothing from a process with no lease: the script reads the bucket.
        let mut invocation = inner.store.scripts.budget.prepare_invoke();
        invocation
            .key(key(""))
            .key(key(":leases"))
            .key(key(":expiry"))
            .arg("observer")
            .arg(form.capacity)
            .arg(form.tokens)
            .arg(form.debt)
            .arg(0)
            .arg(0)
            .arg(0)
            .arg(0)
            .arg(0)
            .arg(0)
            .arg(millis(inner.options.key_ttl))
            .arg(millis(inner.options.key_ttl))
            .arg(0)
            .arg(budget.unit());
        let (_, _, tokens) = inner.store.eval::<(i64, i64, i64)>(&invocation).await?;
        Ok(tokens)
    }

    /// Removes `budget`'s bucket and leases from Redis: the next round starts a fresh bucket.
    /// For tests and operators.
    ///
    /// # Errors
    /// [`FleetError::Store`] when the store does not answer.
    ///
    /// ```
    /// use retry_runtime::{RetryBudget, fleet::{Fleet, FleetBudget}};
    /// static B: FleetBudget = FleetBudget::new("doc-clear-budget", RetryBudget::aws_standard());
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let fleet = Fleet::connect("redis://127.0.0.1:6379", "doc-clear-budget").unwrap();
    /// fleet.clear_budget(&B).await.unwrap();
    /// # }
    /// ```
    pub async fn clear_budget(&self, budget: &FleetBudget) -> Result<(), FleetError> {
        let inner = self.inner();
        let key = |part: &str| format!("{}:budget:{}{part}", inner.namespace, budget.name);
        let mut invocation = inner.store.scripts.delete.prepare_invoke();
        invocation.key(key("")).key(key(":leases")).key(key(":expiry"));
        inner.store.eval::<i64>(&invocation).await?;
        Ok(())
    }
}

impl fmt::Debug for FleetBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FleetBudget")
            .field("name", &self.name)
            .field("local", &self.local)
            .field("joined", &self.link.get().is_some())
            .field("leased", &self.leased())
            .field("shared_tokens", &self.shared_tokens())
            .finish()
    }
}

impl Budget for FleetBudget {}

impl BudgetGuard for &FleetBudget {
    const ACTIVE: bool = true;

    #[inline]
    fn record_request(&self) {
        let form_deposit = self.local.form().request_deposit;
        if form_deposit == 0 {
            return;
        }
        match self.link.get() {
            None => self.local.record_request(),
            Some(_) => {
                self.deposits.fetch_add(u64::from(form_deposit), Ordering::Relaxed);
                if !self.synced.get() {
                    self.local.record_request();
                }
            }
        }
    }

    fn try_pay(&self, kind: RetryKind) -> bool {
        let Some(link) = self.link.get() else { return self.local.try_withdraw(kind).is_some() };
        let cost = self.cost(kind);
        if cost == 0 {
            return true;
        }
        let paid = self.pay_from_lease(cost);
        if self.lease.load(Ordering::Acquire) < self.lease_size(link).0 / 2 {
            self.low.store(true, Ordering::Release);
            link.wake();
        }
        if paid {
            return true;
        }
        // The store is away: pay as a lone process would, and charge the bucket later.
        if !self.synced.get() && self.local.try_withdraw(kind).is_some() {
            self.debit.fetch_add(cost.unsigned_abs(), Ordering::AcqRel);
            return true;
        }
        false
    }

    #[inline]
    fn on_success(&self, paid: Option<RetryKind>) {
        if self.link.get().is_none() {
            return self.local.on_success(paid.map(|kind| self.local.withdrawn(kind)));
        }
        let form = self.local.form();
        match paid {
            Some(kind) if form.refund => {
                self.lease.fetch_add(self.cost(kind), Ordering::AcqRel);
            }
            Some(_) => {}
            None if form.success_reward > 0 => {
                self.deposits.fetch_add(u64::from(form.success_reward), Ordering::Relaxed);
            }
            None => {}
        }
        if !self.synced.get() {
            self.local.on_success(paid.map(|kind| self.local.withdrawn(kind)));
        }
    }

    fn give_back(&self, kind: RetryKind) {
        if self.link.get().is_none() {
            return self.local.give_back(Some(self.local.withdrawn(kind)));
        }
        // As a refund on success: into the lease, which the next round settles with the bucket.
        self.lease.fetch_add(self.cost(kind), Ordering::AcqRel);
        if !self.synced.get() {
            self.local.give_back(Some(self.local.withdrawn(kind)));
        }
    }
}
