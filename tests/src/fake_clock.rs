//! A blocking sleeper on a fake clock: sleeping only moves the clock and writes the delay down.

use core::cell::RefCell;
use core::time::Duration;
use std::time::Instant;

use retry_runtime::sleep::BlockingSleep;

/// A [`BlockingSleep`] that never blocks: each sleep is recorded and advances a fake clock
/// by exactly the delay, so `elapsed` and `deadline` see the schedule the strategy asked for.
///
/// ```
/// use retry_runtime::sleep::BlockingSleep;
/// use std::time::Duration;
/// use tests_integration::fake_clock::RecordingSleep;
/// let sleeper = RecordingSleep::new();
/// let start = sleeper.now();
/// sleeper.sleep(Duration::from_secs(3));
/// assert_eq!(sleeper.now() - start, Duration::from_secs(3));
/// assert_eq!(sleeper.delays(), [Duration::from_secs(3)]);
/// ```
#[derive(Debug)]
pub struct RecordingSleep {
    origin: Instant,
    delays: RefCell<Vec<Duration>>,
}

impl RecordingSleep {
    /// A clock at an arbitrary origin, with no sleep recorded.
    pub fn new() -> Self {
        Self { origin: Instant::now(), delays: RefCell::new(Vec::new()) }
    }

    /// Every delay asked for so far, in order.
    pub fn delays(&self) -> Vec<Duration> {
        self.delays.borrow().clone()
    }

    /// Time on the fake clock since it was created: the sum of the delays.
    pub fn elapsed(&self) -> Duration {
        self.delays.borrow().iter().sum()
    }
}

impl Default for RecordingSleep {
    fn default() -> Self {
        Self::new()
    }
}

impl BlockingSleep for RecordingSleep {
    fn sleep(&self, delay: Duration) {
        self.delays.borrow_mut().push(delay);
    }
    fn now(&self) -> Instant {
        self.origin + self.elapsed()
    }
}
