//! The herd experiment: the optimistic-concurrency simulation from Marc Brooker's
//! "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015), driven by this
//! project's own wait strategies on a simulated clock.
//!
//! The model is the blog's: a single row with a version number, and `N` clients that
//! each want to write it once. An attempt reads the version, then writes conditionally
//! on it; the write fails when another client's write landed in between, and the client
//! sleeps for its wait strategy's delay before reading again. Every network hop takes
//! |Normal(10 ms, 2 ms)|, and an attempt is four hops (read, its reply, write, its reply).
//!
//! Time is simulated: a priority queue of arrivals at the server, so a run takes
//! microseconds and a seed fixes every number.
//!
//! ```
//! use examples::herd::{Algorithm, Model, simulate};
//! let once = simulate(&Model::default(), Algorithm::FullJitter, 10, 7);
//! assert!(once.calls >= 10);
//! assert_eq!(once, simulate(&Model::default(), Algorithm::FullJitter, 10, 7));
//! ```

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::f64::consts::TAU;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use retry_runtime::wait::{self, RetryRng, Wait, WaitContext};

/// The backoff algorithms the blog compares, each one of the runtime's wait strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// Retry at once: [`wait::none`].
    NoBackoff,
    /// [`wait::exponential`], no jitter.
    Exponential,
    /// [`wait::full_jitter`].
    FullJitter,
    /// [`wait::equal_jitter`].
    EqualJitter,
    /// [`wait::decorrelated_jitter`].
    DecorrelatedJitter,
}

impl Algorithm {
    /// Every algorithm, in the order tables and legends list them.
    pub const ALL: [Self; 5] =
        [Self::NoBackoff, Self::Exponential, Self::FullJitter, Self::EqualJitter, Self::DecorrelatedJitter];

    /// The name tables and legends show.
    pub const fn name(self) -> &'static str {
        match self {
            Self::NoBackoff => "no backoff",
            Self::Exponential => "exponential",
            Self::FullJitter => "full jitter",
            Self::EqualJitter => "equal jitter",
            Self::DecorrelatedJitter => "decorrelated jitter",
        }
    }

    /// The runtime's strategy for this algorithm, with the model's base and cap.
    pub fn strategy(self, base: Duration, cap: Duration) -> Box<dyn Wait> {
        match self {
            Self::NoBackoff => Box::new(wait::none()),
            Self::Exponential => Box::new(wait::exponential(base, cap)),
            Self::FullJitter => Box::new(wait::full_jitter(base, cap)),
            Self::EqualJitter => Box::new(wait::equal_jitter(base, cap)),
            Self::DecorrelatedJitter => Box::new(wait::decorrelated_jitter(base, cap)),
        }
    }
}

/// The simulated system's parameters.
///
/// # Default
/// The blog's: hops of |Normal(10 ms, 2 ms)|, base 5 ms, cap 2 s. The runtime's strategies
/// give `base` before the first retry where the blog's simulator gives `2 · base`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    /// The mean of one network hop.
    pub hop_mean: Duration,
    /// The standard deviation of one network hop.
    pub hop_sd: Duration,
    /// The strategies' base delay.
    pub base: Duration,
    /// The strategies' cap.
    pub cap: Duration,
}

impl Default for Model {
    fn default() -> Self {
        Self {
            hop_mean: Duration::from_millis(10),
            hop_sd: Duration::from_millis(2),
            base: Duration::from_millis(5),
            cap: Duration::from_secs(2),
        }
    }
}

/// What one run measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Attempts by all clients together, a read and a conditional write each: the blog's
    /// "calls", the work the server did.
    pub calls: u64,
    /// When the last client heard that its write succeeded.
    pub completion: Duration,
}

/// Means over several runs of one algorithm at one number of clients.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// The number of clients.
    pub clients: u32,
    /// The algorithm every client used.
    pub algorithm: Algorithm,
    /// How many runs the means are over.
    pub runs: u32,
    /// Mean calls per run.
    pub mean_calls: f64,
    /// Mean completion time per run.
    pub mean_completion: Duration,
}

/// One run: `clients` clients all start at time zero and use `algorithm`; `seed` fixes the
/// network's delays and every client's jitter.
pub fn simulate(model: &Model, algorithm: Algorithm, clients: u32, seed: u64) -> Outcome {
    let strategy = algorithm.strategy(model.base, model.cap);
    let mut network = Network::new(model, derive(seed, 0));
    let mut states: Vec<Client> = (0..clients)
        .map(|c| Client { failed: 0, previous: Duration::ZERO, rng: RetryRng::seeded(derive(seed, u64::from(c) + 1)) })
        .collect();
    let mut queue = Queue::default();
    for c in 0..clients {
        queue.push(network.hop(), c, Arrival::Read);
    }

    let mut version = 0_u64;
    let mut calls = 0_u64;
    let mut completion = Duration::ZERO;
    while let Some((now, c, arrival)) = queue.pop() {
        match arrival {
            // The reply goes back and the client sends its write at once: two hops.
            Arrival::Read => {
                let at = now + network.hop() + network.hop();
                queue.push(at, c, Arrival::Write { read: version });
            }
            Arrival::Write { read } => {
                calls += 1;
                let reply = now + network.hop();
                if read == version {
                    version += 1;
                    completion = completion.max(reply);
                    continue;
                }
                let client = &mut states[c as usize];
                client.failed += 1;
                let mut ctx = WaitContext::new(client.failed, client.previous, &mut client.rng);
                let delay = strategy.delay(&mut ctx);
                client.previous = delay;
                queue.push(reply + delay + network.hop(), c, Arrival::Read);
            }
        }
    }
    Outcome { calls, completion }
}

/// `runs` runs of [`simulate`], averaged. Run `r` at `clients` clients uses the same seed
/// for every algorithm, so the algorithms meet the same network.
pub fn summarize(model: &Model, algorithm: Algorithm, clients: u32, runs: u32, seed: u64) -> Summary {
    let mut calls = 0_u64;
    let mut completion = Duration::ZERO;
    for run in 0..runs {
        let seed = derive(derive(seed, clients.into()), run.into());
        let outcome = simulate(model, algorithm, clients, seed);
        calls += outcome.calls;
        completion += outcome.completion;
    }
    let runs_f = f64::from(runs.max(1));
    Summary { clients, algorithm, runs, mean_calls: calls as f64 / runs_f, mean_completion: completion.div_f64(runs_f) }
}

/// A client's retry state: what the policy's loop would keep between attempts.
struct Client {
    failed: u32,
    previous: Duration,
    rng: RetryRng,
}

/// What reaches the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Arrival {
    Read,
    /// A conditional write carrying the version the client read.
    Write {
        read: u64,
    },
}

/// Arrivals by time; ties go first-scheduled-first so a seed fixes the order.
#[derive(Default)]
struct Queue {
    heap: BinaryHeap<Reverse<(Duration, u64, u32, Arrival)>>,
    scheduled: u64,
}

impl Queue {
    fn push(&mut self, at: Duration, client: u32, arrival: Arrival) {
        self.heap.push(Reverse((at, self.scheduled, client, arrival)));
        self.scheduled += 1;
    }

    fn pop(&mut self) -> Option<(Duration, u32, Arrival)> {
        let Reverse((at, _, client, arrival)) = self.heap.pop()?;
        Some((at, client, arrival))
    }
}

/// Hop delays: |Normal(mean, sd)| by Box–Muller.
struct Network {
    rng: SmallRng,
    mean: f64,
    sd: f64,
}

impl Network {
    fn new(model: &Model, seed: u64) -> Self {
        Self { rng: SmallRng::seed_from_u64(seed), mean: model.hop_mean.as_secs_f64(), sd: model.hop_sd.as_secs_f64() }
    }

    fn hop(&mut self) -> Duration {
        // 1 − U[0, 1) lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.rng.random::<f64>();
        let u2 = self.rng.random::<f64>();
        let z = (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos();
        Duration::from_secs_f64((self.mean + self.sd * z).abs())
    }
}

/// A child seed: SplitMix64 of the parent mixed with the child's index, so neighbouring
/// indices give unrelated streams.
fn derive(parent: u64, child: u64) -> u64 {
    splitmix64(parent ^ splitmix64(child))
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
