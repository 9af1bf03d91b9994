//! `chain(W1, W2, …)`.

use core::time::Duration;

use super::{Wait, WaitContext};
use crate::PolicyError;

/// `Wi` for the i-th retry, the last one thereafter (Tenacity `wait_chain`). Each strategy
/// sees the real attempt number, as in Tenacity.
///
/// ```
/// use retry_runtime::wait::{chain, fixed, RetryRng, Wait, WaitContext};
/// use std::time::Duration;
/// let s = Duration::from_secs;
/// let w = chain((fixed(s(1)), fixed(s(1)), fixed(s(5))));
/// let mut rng = RetryRng::seeded(0);
/// let d: Vec<u64> = (1..=5).map(|n| w.delay(&mut WaitContext::new(n, s(0), &mut rng)).as_secs()).collect();
/// assert_eq!(d, [1, 1, 5, 5, 5]);
/// ```
pub const fn chain<L: WaitList>(list: L) -> Chain<L> {
    Chain::new(list)
}

/// See [`chain`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chain<L> {
    list: L,
}

impl<L: WaitList> Chain<L> {
    /// The strategies in order; a tuple, an array or a `Vec`.
    pub const fn new(list: L) -> Self {
        Self { list }
    }
}

impl<L: WaitList> Wait for Chain<L> {
    fn delay(&self, ctx: &mut WaitContext<'_>) -> Duration {
        let len = self.list.len();
        if len == 0 {
            return Duration::ZERO;
        }
        let i = usize::try_from(ctx.attempt()).unwrap_or(usize::MAX).clamp(1, len) - 1;
        self.list.delay_at(i, ctx)
    }
    fn validate(&self) -> Result<(), PolicyError> {
        if self.list.len() == 0 {
            return Err(PolicyError::EmptyChain);
        }
        (0..self.list.len()).try_for_each(|i| self.list.validate_at(i))
    }
}

/// An ordered list of wait strategies, for [`chain`]: tuples of up to 12, arrays and `Vec`s.
///
/// ```
/// use retry_runtime::{__private::WaitList, wait::{fixed, none}};
/// assert_eq!((none(), fixed(std::time::Duration::ZERO)).len(), 2);
/// ```
#[doc(hidden)]
pub trait WaitList {
    /// How many strategies.
    fn len(&self) -> usize;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The delay of the `i`-th strategy (`i < len()`).
    fn delay_at(&self, i: usize, ctx: &mut WaitContext<'_>) -> Duration;
    /// Validates the `i`-th strategy.
    fn validate_at(&self, i: usize) -> Result<(), PolicyError>;
}

impl<W: Wait> WaitList for [W] {
    fn len(&self) -> usize {
        <[W]>::len(self)
    }
    fn delay_at(&self, i: usize, ctx: &mut WaitContext<'_>) -> Duration {
        self.get(i).map_or(Duration::ZERO, |w| w.delay(ctx))
    }
    fn validate_at(&self, i: usize) -> Result<(), PolicyError> {
        self.get(i).map_or(Ok(()), Wait::validate)
    }
}

impl<W: Wait, const N: usize> WaitList for [W; N] {
    fn len(&self) -> usize {
        N
    }
    fn delay_at(&self, i: usize, ctx: &mut WaitContext<'_>) -> Duration {
        self.as_slice().delay_at(i, ctx)
    }
    fn validate_at(&self, i: usize) -> Result<(), PolicyError> {
        self.as_slice().validate_at(i)
    }
}

impl<W: Wait> WaitList for Vec<W> {
    fn len(&self) -> usize {
        self.as_slice().len()
    }
    fn delay_at(&self, i: usize, ctx: &mut WaitContext<'_>) -> Duration {
        self.as_slice().delay_at(i, ctx)
    }
    fn validate_at(&self, i: usize) -> Result<(), PolicyError> {
        self.as_slice().validate_at(i)
    }
}

macro_rules! tuple_list {
    ($len:literal: $($idx:tt $w:ident),+) => {
        impl<$($w: Wait),+> WaitList for ($($w,)+) {
            fn len(&self) -> usize {
                $len
            }
            fn delay_at(&self, i: usize, ctx: &mut WaitContext<'_>) -> Duration {
                match i {
                    $($idx => self.$idx.delay(ctx),)+
                    _ => Duration::ZERO,
                }
            }
            fn validate_at(&self, i: usize) -> Result<(), PolicyError> {
                match i {
                    $($idx => self.$idx.validate(),)+
                    _ => Ok(()),
                }
            }
        }
    };
}
tuple_list!(1: 0 A);
tuple_list!(2: 0 A, 1 B);
tuple_list!(3: 0 A, 1 B, 2 C);
tuple_list!(4: 0 A, 1 B, 2 C, 3 D);
tuple_list!(5: 0 A, 1 B, 2 C, 3 D, 4 E);
tuple_list!(6: 0 A, 1 B, 2 C, 3 D, 4 E, 5 F);
tuple_list!(7: 0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G);
tuple_list!(8: 0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H);
tuple_list!(9: 0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I);
tuple_list!(10: 0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J);
tuple_list!(11: 0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J, 10 K);
tuple_list!(12: 0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J, 10 K, 11 L);
