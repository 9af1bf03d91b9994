//! How a policy holds its circuit breaker and retry budget: by reference when it has them,
//! as a zero-sized placeholder when it does not, so an unused guard costs nothing.

use std::time::Instant;

use crate::breaker::BreakerPermit;
use crate::budget::{RetryKind, Withdrawal};
use crate::{CircuitBreaker, CircuitOpen, RetryBudget};

/// The policy has no circuit breaker.
///
/// # Default
/// Every policy until [`breaker`](crate::RetryPolicyBuilder::breaker) is called.
///
/// ```
/// use retry_runtime::guards::{BreakerGuard, NoBreaker};
/// let admitted: Result<_, std::io::Error> = BreakerGuard::<std::io::Error>::admit(&NoBreaker, std::time::Instant::now);
/// assert!(admitted.unwrap().is_none());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoBreaker;

/// The policy has no retry budget.
///
/// # Default
/// Every policy until [`budget`](crate::RetryPolicyBuilder::budget) is called.
///
/// ```
/// use retry_runtime::guards::{BudgetGuard, NoBudget};
/// assert!(NoBudget.budget().is_none());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoBudget;

/// Admits each attempt through a circuit breaker, if the policy has one; a refusal becomes
/// `E::from(CircuitOpen)`.
///
/// ```
/// use retry_runtime::{CircuitBreaker, CircuitOpen, guards::BreakerGuard};
/// use std::time::{Duration, Instant};
///
/// #[derive(Debug)]
/// struct Refused;
/// impl From<CircuitOpen> for Refused {
///     fn from(_: CircuitOpen) -> Self { Refused }
/// }
/// let breaker = CircuitBreaker::consecutive(3, Duration::from_secs(30));
/// let guard = &breaker;
/// let permit = BreakerGuard::<Refused>::admit(&guard, Instant::now).unwrap();
/// assert!(permit.is_some());
/// ```
#[diagnostic::on_unimplemented(
    message = "`breaker` needs `{E}: From<retry_runtime::CircuitOpen>`",
    label = "a call the open circuit refuses must become a `{E}`",
    note = "add `impl From<retry_runtime::CircuitOpen> for {E}` so that a refused call can be returned as your error"
)]
pub trait BreakerGuard<E> {
    /// Whether there is a breaker at all.
    const ACTIVE: bool;
    /// A permit for one attempt (`None` without a breaker), or the refusal as `E`.
    ///
    /// # Errors
    /// `E::from(CircuitOpen)` when the circuit refuses the attempt.
    fn admit(&self, now: impl FnOnce() -> Instant) -> Result<Option<BreakerPermit<'_>>, E>;
}

impl<E> BreakerGuard<E> for NoBreaker {
    const ACTIVE: bool = false;
    #[inline(always)]
    fn admit(&self, _: impl FnOnce() -> Instant) -> Result<Option<BreakerPermit<'_>>, E> {
        Ok(None)
    }
}

impl<E: From<CircuitOpen>> BreakerGuard<E> for &CircuitBreaker {
    const ACTIVE: bool = true;
    fn admit(&self, now: impl FnOnce() -> Instant) -> Result<Option<BreakerPermit<'_>>, E> {
        self.try_acquire(now()).map(Some).map_err(E::from)
    }
}

/// Pays for each retry from a retry budget, if the policy has one.
///
/// ```
/// use retry_runtime::{RetryBudget, guards::BudgetGuard};
/// static BUDGET: RetryBudget = RetryBudget::aws_standard();
/// assert_eq!((&BUDGET).budget().map(RetryBudget::capacity), Some(500));
/// ```
pub trait BudgetGuard {
    /// The budget, if there is one.
    fn budget(&self) -> Option<&RetryBudget>;
}

impl BudgetGuard for NoBudget {
    #[inline(always)]
    fn budget(&self) -> Option<&RetryBudget> {
        None
    }
}

impl BudgetGuard for &RetryBudget {
    #[inline(always)]
    fn budget(&self) -> Option<&RetryBudget> {
        Some(self)
    }
}

/// Withdraws for a retry of `kind`; `true` when there is no budget to ask.
pub(crate) fn pay(budget: Option<&RetryBudget>, kind: RetryKind, into: &mut Option<Withdrawal>) -> bool {
    match budget {
        None => true,
        Some(budget) => match budget.try_withdraw(kind) {
            Some(w) => {
                *into = Some(w);
                true
            }
            None => false,
        },
    }
}
