//! The fleet demo: the failover demo's providers (`failover::server`) and several worker
//! processes that call provider A through one circuit breaker and one retry budget shared
//! in Redis (`retry_runtime::fleet`), with B as the fallback.
//!
//! Each round runs the same timeline: A up, then down, then back. Worker 0 is busy (a
//! request every 10 ms), the others are quiet (one every 100 ms), as replicas behind an
//! uneven load balancer are: the busy one sees the outage first and opens the breaker for
//! everyone; the quiet ones refuse A without ever failing enough to open their own. Round 2
//! does the same with the store gone for the whole outage (a `redis-server` of the demo's
//! own, killed and restarted): every worker goes on alone, each opening its own breaker,
//! and shares again once the store is back.
//!
//! A worker is this same program with `FLEET_DEMO_WORKER` set: [`run`] takes how to start
//! one, so that the example and its test each start their own binary.

use core::fmt;
use std::io::{self, BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use retry_runtime::classify::Transient;
use retry_runtime::fleet::{Fleet, FleetBreaker, FleetBudget, FleetOptions};
use retry_runtime::{BreakerState, CircuitBreaker, RetryBudget, RetryState, retry};
use serde_json::{Value, json};

use crate::failover::client::{ChatRequest, Client, LlmError, Reply, Served, ask_b};
use crate::failover::server::Server;
use crate::failover::{Provider, Scenario};

/// Provider A's breaker, shared by every worker: opens after 5 failed attempts in a row
/// (in one process), then every process refuses A for 500 ms, then one probe fleet-wide.
pub static FLEET_A: FleetBreaker =
    FleetBreaker::new("provider-a", CircuitBreaker::consecutive(5, Duration::from_millis(500)).with_name("provider A"));

/// One retry budget for the whole fleet: 100 tokens, 5 a retry, refunded when it succeeds,
/// 1 back for a first-try success.
pub static FLEET_BUDGET: FleetBudget = FleetBudget::new("llm", RetryBudget::token_bucket(100, 5, 10, 1));

/// Set in a worker's environment: its number.
pub const WORKER: &str = "FLEET_DEMO_WORKER";
const SERVER: &str = "FLEET_DEMO_SERVER";
const REDIS: &str = "FLEET_DEMO_REDIS";
const NAMESPACE: &str = "FLEET_DEMO_NAMESPACE";
const START: &str = "FLEET_DEMO_START_MS";

/// The timeline of a round.
const UP: Duration = Duration::from_millis(300);
const DOWN: Duration = Duration::from_millis(1200);
const BACK: Duration = Duration::from_millis(700);
const REFRESH: Duration = Duration::from_millis(50);

/// Attempts that reached A, and retries paid, in this process.
static SENT_TO_A: AtomicU64 = AtomicU64::new(0);
static RETRIES: AtomicU64 = AtomicU64::new(0);

fn count_retry(_: &RetryState<'_, Reply, LlmError>) {
    RETRIES.fetch_add(1, Ordering::Relaxed);
}

/// Asks A through the fleet's breaker and budget, then B: the keys take the shared guards as
/// they take local ones.
#[retry(
    stop = attempts(2),
    wait = exp_jitter(20ms, 100ms, 10ms),
    when = LlmError::is_transient,
    retry_after = LlmError::retry_after,
    timeout = 250ms,
    breaker = FLEET_A,
    budget = FLEET_BUDGET,
    fallback = ask_b,
    before_sleep = count_retry,
)]
pub async fn ask_a_shared(client: &Client, request: &ChatRequest) -> Result<Reply, LlmError> {
    SENT_TO_A.fetch_add(1, Ordering::Relaxed);
    client.complete(Provider::A, request).await
}

/// What one worker saw in one round.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerReport {
    /// Its number: 0 is the busy one.
    pub worker: u32,
    /// Requests it sent.
    pub requests: u64,
    /// Attempts that reached A.
    pub sent_to_a: u64,
    /// Times its own breaker opened.
    pub opened_here: u64,
    /// Requests refused at A without a request (the breaker was open).
    pub refused: u64,
    /// Of those, refused while its own breaker was closed: for the fleet's reason.
    pub refused_for_fleet: u64,
    /// Answered by A, by B, by nobody.
    pub by_a: u64,
    /// Answered by B.
    pub by_b: u64,
    /// Ended without an answer (or by the human queue).
    pub unanswered: u64,
    /// Retries at A paid from the shared budget.
    pub retries: u64,
    /// The store's "unreachable" events.
    pub store_down: u64,
    /// The store's "back" events.
    pub store_back: u64,
    /// Whether the store answered at the end.
    pub up_at_end: bool,
}

impl WorkerReport {
    fn to_json(&self) -> Value {
        json!({
            "worker": self.worker, "requests": self.requests, "sent_to_a": self.sent_to_a,
            "opened_here": self.opened_here, "refused": self.refused, "refused_for_fleet": self.refused_for_fleet,
            "by_a": self.by_a, "by_b": self.by_b, "unanswered": self.unanswered, "retries": self.retries,
            "store_down": self.store_down, "store_back": self.store_back, "up_at_end": self.up_at_end,
        })
    }

    fn from_json(v: &Value) -> Self {
        let n = |k: &str| v[k].as_u64().unwrap_or(0);
        Self {
            worker: u32::try_from(n("worker")).unwrap_or(0),
            requests: n("requests"),
            sent_to_a: n("sent_to_a"),
            opened_here: n("opened_here"),
            refused: n("refused"),
            refused_for_fleet: n("refused_for_fleet"),
            by_a: n("by_a"),
            by_b: n("by_b"),
            unanswered: n("unanswered"),
            retries: n("retries"),
            store_down: n("store_down"),
            store_back: n("store_back"),
            up_at_end: v["up_at_end"].as_bool().unwrap_or(false),
        }
    }
}

/// Runs one worker as its environment says, and prints its report on stdout.
///
/// # Errors
/// A missing variable, or a fleet that cannot be made.
pub async fn worker() -> Result<(), String> {
    let var = |k: &str| std::env::var(k).map_err(|_| format!("a worker needs {k}"));
    let worker: u32 = var(WORKER)?.parse().map_err(|e| format!("{WORKER}: {e}"))?;
    let start: u64 = var(START)?.parse().map_err(|e| format!("{START}: {e}"))?;
    let events = StoreEvents::install();
    let options = FleetOptions::new().with_refresh(REFRESH);
    let fleet = Fleet::connect_with(&var(REDIS)?, &var(NAMESPACE)?, options).map_err(|e| e.to_string())?;
    FLEET_A.join(&fleet).map_err(|e| e.to_string())?;
    FLEET_BUDGET.join(&fleet).map_err(|e| e.to_string())?;
    let _ = fleet.sync().await;
    let client = Client::new(&var(SERVER)?).map_err(|e| e.to_string())?;
    let every = if worker == 0 { Duration::from_millis(10) } else { Duration::from_millis(100) };

    tokio::time::sleep(Duration::from_millis(start.saturating_sub(now_ms()))).await;
    let started = Instant::now();
    let mut report = WorkerReport { worker, ..WorkerReport::default() };
    let mut n = 0;
    loop {
        let at = started.elapsed();
        let phase = if at < UP {
            0
        } else if at < UP + DOWN {
            1
        } else if at < UP + DOWN + BACK {
            2
        } else {
            break;
        };
        n += 1;
        let request = ChatRequest { id: Scenario::fleet_id(phase, worker, n), prompt: format!("question {n}") };
        let (sent_before, open_before) = (SENT_TO_A.load(Ordering::Relaxed), FLEET_A.local().state());
        let result = ask_a_shared(&client, &request).await;
        report.requests += 1;
        let local = FLEET_A.local().state();
        if SENT_TO_A.load(Ordering::Relaxed) == sent_before {
            report.refused += 1;
            if local != BreakerState::Open {
                report.refused_for_fleet += 1;
            }
        }
        if local == BreakerState::Open && open_before != BreakerState::Open {
            report.opened_here += 1;
        }
        match result {
            Ok(Reply { served_by: Served::Provider(Provider::A), .. }) => report.by_a += 1,
            Ok(Reply { served_by: Served::Provider(Provider::B), .. }) => report.by_b += 1,
            _ => report.unanswered += 1,
        }
        tokio::time::sleep((started + every * n).saturating_duration_since(Instant::now())).await;
    }
    // The store may have just come back: a few rounds to write what waited, then the lease back.
    for _ in 0..30 {
        if fleet.sync().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    report.up_at_end = fleet.is_store_up();
    fleet.shutdown().await;
    report.sent_to_a = SENT_TO_A.load(Ordering::Relaxed);
    report.retries = RETRIES.load(Ordering::Relaxed);
    report.store_down = events.down.load(Ordering::Relaxed) as u64;
    report.store_back = events.back.load(Ordering::Relaxed) as u64;
    println!("FLEETDEMO {}", report.to_json());
    Ok(())
}

/// One round's result.
#[derive(Debug, Clone)]
pub struct Round {
    /// What the round did to the store.
    pub store: &'static str,
    /// Each worker's report.
    pub workers: Vec<WorkerReport>,
    /// Attempts that reached A while it was down, as the server counted them.
    pub a_while_down: u64,
    /// The shared bucket's tokens after the round.
    pub tokens_left: Option<i64>,
}

impl Round {
    fn sum(&self, f: impl Fn(&WorkerReport) -> u64) -> u64 {
        self.workers.iter().map(f).sum()
    }
}

/// Both rounds, and whether the fleet acted together.
#[derive(Debug, Clone)]
pub struct FleetSummary {
    /// With the store up, then with it gone during A's outage.
    pub rounds: [Round; 2],
}

impl FleetSummary {
    /// What did not go as a fleet should: empty when it acted together.
    pub fn failures(&self) -> Vec<String> {
        let [shared, alone] = &self.rounds;
        let mut failures = Vec::new();
        if shared.sum(|w| w.opened_here) == 0 {
            failures.push("round 1: no worker opened A's breaker".to_owned());
        }
        for w in shared.workers.iter().filter(|w| w.worker > 0) {
            if w.refused_for_fleet == 0 {
                failures.push(format!("round 1: worker {} never refused A for the fleet's reason", w.worker));
            }
        }
        if shared.a_while_down >= alone.a_while_down {
            failures.push(format!(
                "the shared breaker let {} attempts reach A while down, as many as the lone ones ({})",
                shared.a_while_down, alone.a_while_down
            ));
        }
        for (round, r) in self.rounds.iter().enumerate() {
            if r.sum(|w| w.unanswered) > 0 {
                failures.push(format!("round {}: {} requests without an answer", round + 1, r.sum(|w| w.unanswered)));
            }
        }
        for w in &alone.workers {
            if w.store_down != 1 || w.store_back != 1 || !w.up_at_end {
                failures.push(format!(
                    "round 2: worker {} saw {} store-down and {} store-back events, up at the end: {}",
                    w.worker, w.store_down, w.store_back, w.up_at_end
                ));
            }
        }
        // Alone, each worker has to find A down for itself.
        for w in alone.workers.iter().filter(|w| w.opened_here == 0) {
            failures
                .push(format!("round 2: worker {} never opened its own breaker while the store was gone", w.worker));
        }
        failures
    }
}

impl fmt::Display for FleetSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, round) in self.rounds.iter().enumerate() {
            writeln!(f, "\nround {}: {}", i + 1, round.store)?;
            writeln!(
                f,
                "{:>6} {:>8} {:>9} {:>11} {:>8} {:>10} {:>5} {:>5} {:>7} {:>10}",
                "worker",
                "requests",
                "sent to A",
                "opened here",
                "refused",
                "for fleet",
                "by A",
                "by B",
                "retries",
                "store d/b"
            )?;
            for w in &round.workers {
                writeln!(
                    f,
                    "{:>6} {:>8} {:>9} {:>11} {:>8} {:>10} {:>5} {:>5} {:>7} {:>10}",
                    w.worker,
                    w.requests,
                    w.sent_to_a,
                    w.opened_here,
                    w.refused,
                    w.refused_for_fleet,
                    w.by_a,
                    w.by_b,
                    w.retries,
                    format!("{}/{}", w.store_down, w.store_back)
                )?;
            }
            writeln!(
                f,
                "{:>6} {:>8} {:>9} {:>11} {:>8} {:>10} {:>5} {:>5} {:>7}",
                "all",
                round.sum(|w| w.requests),
                round.sum(|w| w.sent_to_a),
                round.sum(|w| w.opened_here),
                round.sum(|w| w.refused),
                round.sum(|w| w.refused_for_fleet),
                round.sum(|w| w.by_a),
                round.sum(|w| w.by_b),
                round.sum(|w| w.retries)
            )?;
            write!(f, "attempts that reached A while it was down: {}", round.a_while_down)?;
            match round.tokens_left {
                Some(tokens) => writeln!(f, "; shared budget left: {tokens} of 100 tokens")?,
                None => writeln!(f)?,
            }
        }
        let failures = self.failures();
        if failures.is_empty() {
            writeln!(f, "\nthe fleet acted together, and alone while the store was gone")
        } else {
            writeln!(f, "\nthe fleet did NOT act together:")?;
            failures.iter().try_for_each(|why| writeln!(f, "  - {why}"))
        }
    }
}

/// Runs both rounds with `workers` processes sharing `redis_url` for round 1 (and a
/// `redis-server` of the demo's own for round 2), each started by `start_worker` with the
/// environment given.
///
/// # Errors
/// When the providers cannot listen, a worker cannot start or fails, or `redis-server` is
/// missing.
pub async fn run(
    workers: u32,
    redis_url: &str,
    start_worker: impl Fn(&[(&str, String)]) -> Command,
) -> io::Result<FleetSummary> {
    let shared = round(workers, redis_url, None, &start_worker).await?;
    let own = OwnRedis::start()?;
    let alone = round(workers, &own.url(), Some(own), &start_worker).await?;
    Ok(FleetSummary { rounds: [shared, alone] })
}

async fn round(
    workers: u32,
    redis_url: &str,
    outage: Option<OwnRedis>,
    start_worker: &impl Fn(&[(&str, String)]) -> Command,
) -> io::Result<Round> {
    let server = Server::start(Scenario::Fleet, 0, 0).await?;
    let namespace = format!("fleet-demo-{}-{}", std::process::id(), now_ms());
    // Every worker starts the timeline at the same moment, once all are up.
    let start = now_ms() + 1500;
    let mut children = Vec::new();
    for worker in 0..workers {
        let env = [
            (WORKER, worker.to_string()),
            (SERVER, server.base_url()),
            (REDIS, redis_url.to_owned()),
            (NAMESPACE, namespace.clone()),
            (START, start.to_string()),
        ];
        let mut command = start_worker(&env);
        command.stdout(Stdio::piped());
        children.push(command.spawn()?);
    }
    let store = match outage {
        // Gone from before A's outage until A is back.
        Some(mut own) => {
            let began = Duration::from_millis(start.saturating_sub(now_ms()));
            let restarted = tokio::task::spawn_blocking(move || {
                std::thread::sleep(began + Duration::from_millis(150));
                own.kill();
                std::thread::sleep(UP + DOWN - Duration::from_millis(150));
                own.restart().map(|()| own)
            });
            let reports = collect(children).await?;
            let own = restarted.await.map_err(io::Error::other)??;
            return finish(reports, &server, "the store gone from A's outage until A is back", &own.url(), &namespace)
                .await;
        }
        None => "the store up",
    };
    let reports = collect(children).await?;
    finish(reports, &server, store, redis_url, &namespace).await
}

async fn finish(
    workers: Vec<WorkerReport>,
    server: &Server,
    store: &'static str,
    redis_url: &str,
    namespace: &str,
) -> io::Result<Round> {
    let a_while_down =
        server.arrivals().iter().filter(|a| a.provider == Provider::A && a.request / 10_000_000 == 1).count() as u64;
    let tokens_left = match Fleet::connect(redis_url, namespace) {
        Ok(fleet) => fleet.budget_tokens(&FLEET_BUDGET).await.ok(),
        Err(_) => None,
    };
    Ok(Round { store, workers, a_while_down, tokens_left })
}

async fn collect(children: Vec<Child>) -> io::Result<Vec<WorkerReport>> {
    tokio::task::spawn_blocking(move || {
        let mut reports = Vec::new();
        for mut child in children {
            let stdout = child.stdout.take().ok_or_else(|| io::Error::other("no stdout"))?;
            let mut report = None;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(at) = line.find("FLEETDEMO ") {
                    let value: Value =
                        serde_json::from_str(&line[at + "FLEETDEMO ".len()..]).map_err(io::Error::other)?;
                    report = Some(WorkerReport::from_json(&value));
                }
            }
            let status = child.wait()?;
            match report {
                Some(report) if status.success() => reports.push(report),
                _ => return Err(io::Error::other(format!("a worker failed: {status}"))),
            }
        }
        reports.sort_by_key(|r| r.worker);
        Ok(reports)
    })
    .await
    .map_err(io::Error::other)?
}

/// A `redis-server` of the demo's own on a free port, persisting nothing: the machine's
/// Redis is never the one stopped.
struct OwnRedis {
    port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    fn start() -> io::Result<Self> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut own = Self { port, child: None };
        own.restart()?;
        Ok(own)
    }

    fn restart(&mut self) -> io::Result<()> {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| io::Error::other(format!("redis-server: {e}")))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() > deadline {
                return Err(io::Error::other("redis-server did not listen"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(())
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Counts the fleet store's events in a worker: how it knows it saw each once.
#[derive(Clone, Default)]
struct StoreEvents {
    down: Arc<AtomicUsize>,
    back: Arc<AtomicUsize>,
}

impl StoreEvents {
    fn install() -> Self {
        let events = Self::default();
        let _ = tracing::subscriber::set_global_default(events.clone());
        events
    }
}

struct Message(String);

impl tracing::field::Visit for Message {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl tracing::Subscriber for StoreEvents {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target() == "retry"
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut message = Message(String::new());
        event.record(&mut message);
        if message.0.contains("fleet store unreachable") {
            self.down.fetch_add(1, Ordering::Relaxed);
        } else if message.0.contains("fleet store is back") {
            self.back.fetch_add(1, Ordering::Relaxed);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
