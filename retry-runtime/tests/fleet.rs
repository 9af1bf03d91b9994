//! The fleet's guards against real Redis, across real processes: each multi-process test
//! starts copies of this binary (`--exact <test>`, its role in `RETRY_FLEET_ROLE`), which
//! share one breaker, budget or limiter through Redis and report what they saw on stdout.
//!
//! `cargo test -p retry-runtime --features redis --test fleet` (Redis at 127.0.0.1:6379, or
//! `REDIS_URL`; the outage tests start a `redis-server` of their own on a free port).

#[path = "fleet_support/mod.rs"]
mod support;

use std::fmt;
use std::time::{Duration, Instant};

use retry_runtime::fleet::{Fleet, FleetBreaker, FleetBudget, FleetLimiter, FleetOptions};
use retry_runtime::limiter::ProviderLimits;
use retry_runtime::{
    BreakerState, CircuitBreaker, CircuitOpen, RateLimited, RetryBudget, RetryPolicy, stop::attempts, wait::none,
};
use support::{Events, NAMESPACE, RedisServer, URL, collect, env, now_ms, role, runtime, say, spawn, unique_namespace};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Error {
    Down,
    Open,
    Limited,
}

impl From<CircuitOpen> for Error {
    fn from(_: CircuitOpen) -> Self {
        Self::Open
    }
}

impl From<RateLimited> for Error {
    fn from(_: RateLimited) -> Self {
        Self::Limited
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

const REFRESH: Duration = Duration::from_millis(200);

/// The multi-process tests run one at a time: their timings are the children's, and a
/// dozen processes starting at once on a small machine would blur them.
static ONE_FLEET_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_FLEET_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn fleet(url: &str, namespace: &str, options: FleetOptions) -> Fleet {
    Fleet::connect_with(url, namespace, options).expect("a good URL and namespace")
}

// ---------------------------------------------------------------------------------------
// The breaker

static OPENED_ELSEWHERE: FleetBreaker = FleetBreaker::new(
    "provider-a",
    CircuitBreaker::consecutive(3, Duration::from_millis(1000)).with_name("provider A"),
);

/// How long a half-open probe takes: no probe can close the circuit sooner.
const PROBE_RUN: Duration = Duration::from_millis(400);

#[test]
fn breaker_opened_by_one_process_is_refused_by_the_others_and_probed_once_fleet_wide() {
    if let Some(role) = role() {
        return runtime().block_on(breaker_child(role));
    }
    let _serial = one_at_a_time();
    let namespace = unique_namespace("breaker");
    let url = support::machine_url();
    let children = spawn(
        "breaker_opened_by_one_process_is_refused_by_the_others_and_probed_once_fleet_wide",
        3,
        &[(NAMESPACE, &namespace), (URL, &url)],
    );
    let reports = collect(children, Duration::from_secs(20));
    let opened = reports[0].one("opened_ms");
    let until = reports[0].one("until_ms");
    for (i, report) in reports.iter().enumerate().skip(1) {
        let refused = report.one("refused_ms");
        // Seen within the refresh interval (plus a round trip and the machine's jitter).
        assert!(refused >= opened, "child {i} refused before the opening: {refused} < {opened}");
        assert!(
            refused - opened <= (REFRESH + Duration::from_millis(150)).as_millis() as u64,
            "child {i} refused {} ms after the opening",
            refused - opened
        );
        assert_eq!(report.text("local_at_refusal"), Some("closed"), "child {i} refused for the fleet's reason");
    }
    // Half-open: while the first probe runs, no other call runs anywhere.
    let starts: Vec<u64> = reports.iter().flat_map(|r| r.all("call_ms")).collect();
    let probing = PROBE_RUN.as_millis() as u64;
    let first_probe = *starts.iter().filter(|&&t| t + 50 >= until).min().expect("a probe ran");
    let during: Vec<_> = starts.iter().filter(|&&t| t >= first_probe && t < first_probe + probing - 50).collect();
    assert_eq!(during.len(), 1, "calls started while the fleet's probe ran: {during:?}");
    // Its success closed the circuit for every process.
    for (i, report) in reports.iter().enumerate() {
        assert!(
            report.all("call_ms").iter().any(|&t| t >= first_probe + probing),
            "child {i} never ran a call after the probe closed the circuit"
        );
    }
}

async fn breaker_child(role: usize) {
    let fleet = fleet(&env(URL), &env(NAMESPACE), FleetOptions::new().with_refresh(REFRESH));
    OPENED_ELSEWHERE.join(&fleet).unwrap();
    fleet.sync().await.unwrap();
    let policy = RetryPolicy::builder().stop(attempts(1)).wait(none()).breaker(&OPENED_ELSEWHERE).build().unwrap();
    let start = Instant::now();
    if role == 0 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        for _ in 0..3 {
            let _: Result<(), Error> = policy.retry(|| async { Err(Error::Down) }).await;
        }
        assert_eq!(OPENED_ELSEWHERE.local().state(), BreakerState::Open);
        let open_for = OPENED_ELSEWHERE.fleet_open_for().expect("published");
        say("opened_ms", now_ms());
        say("until_ms", now_ms() + open_for.as_millis() as u64);
    } else {
        loop {
            let out: Result<(), Error> = policy.retry(|| async { Ok(()) }).await;
            if out == Err(Error::Open) {
                say("refused_ms", now_ms());
                let local = OPENED_ELSEWHERE.local().state();
                say("local_at_refusal", if local == BreakerState::Closed { "closed" } else { "not closed" });
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(5), "never refused");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    // Every process tries calls that take as long as a probe, until well after the cooldown.
    let end = start + Duration::from_millis(400 + 1000 + 1500);
    while Instant::now() < end {
        let _: Result<(), Error> = policy
            .retry(|| async {
                say("call_ms", now_ms());
                tokio::time::sleep(PROBE_RUN).await;
                Ok(())
            })
            .await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    fleet.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// The budget

static SHARED_BUDGET: FleetBudget = FleetBudget::new("llm", RetryBudget::token_bucket(100, 5, 10, 0));

#[test]
fn budget_withdrawals_across_processes_are_exact() {
    if let Some(_role) = role() {
        return runtime().block_on(budget_child());
    }
    let _serial = one_at_a_time();
    let namespace = unique_namespace("budget");
    let url = support::machine_url();
    let children = spawn("budget_withdrawals_across_processes_are_exact", 4, &[(NAMESPACE, &namespace), (URL, &url)]);
    let reports = collect(children, Duration::from_secs(20));
    let paid: u64 = reports.iter().map(|r| r.one("paid")).sum();
    let left = runtime().block_on(async {
        let fleet = fleet(&url, &namespace, FleetOptions::new());
        fleet.budget_tokens(&SHARED_BUDGET).await.unwrap()
    });
    // Nothing made, nothing lost: the bucket holds what it started with less what was paid.
    assert_eq!(left, 100 - 5 * paid as i64, "paid {paid} retries, {left} tokens left");
    assert!(paid <= 20, "{paid} retries from 100 tokens at 5 each");
    assert!(paid >= 16, "only {paid} of 20 retries were paid: the leases were not shared out");
    assert!(reports.iter().filter(|r| r.one("paid") > 0).count() >= 2, "one process took it all: {reports:?}");
}

async fn budget_child() {
    let options = FleetOptions::new().with_refresh(Duration::from_millis(100)).with_lease_retries(2);
    let fleet = fleet(&env(URL), &env(NAMESPACE), options);
    SHARED_BUDGET.join(&fleet).unwrap();
    fleet.sync().await.unwrap();
    let policy = RetryPolicy::builder().stop(attempts(1000)).wait(none()).budget(&SHARED_BUDGET).build().unwrap();
    let (mut paid, mut refused_in_a_row) = (0u64, 0);
    while refused_in_a_row < 15 {
        let mut runs = 0u64;
        let out: Result<(), Error> = policy
            .retry(|| {
                runs += 1;
                async { Err(Error::Down) }
            })
            .await;
        assert_eq!(out, Err(Error::Down));
        paid += runs - 1;
        refused_in_a_row = if runs == 1 { refused_in_a_row + 1 } else { 0 };
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    fleet.shutdown().await;
    say("paid", paid);
}

// ---------------------------------------------------------------------------------------
// The limiter

const RATE: u32 = 20;
static SHARED_PACE: FleetLimiter = FleetLimiter::per_second("openai", RATE);

#[test]
fn limiter_paces_every_process_together() {
    if let Some(_role) = role() {
        return runtime().block_on(limiter_child());
    }
    let _serial = one_at_a_time();
    let namespace = unique_namespace("limiter");
    let url = support::machine_url();
    let children = spawn("limiter_paces_every_process_together", 3, &[(NAMESPACE, &namespace), (URL, &url)]);
    let reports = collect(children, Duration::from_secs(20));
    let sent: u64 = reports.iter().map(|r| r.one("sent")).sum();
    let first = reports.iter().map(|r| r.one("start_ms")).min().unwrap();
    let last = reports.iter().map(|r| r.one("end_ms")).max().unwrap();
    let seconds = (last - first) as f64 / 1000.0;
    // GCRA's bound: the burst, then the rate; alone, each process would send that much.
    let bound = f64::from(RATE) + f64::from(RATE) * seconds + 1.0;
    assert!((sent as f64) <= bound, "{sent} attempts in {seconds:.2} s, at most {bound:.0}");
    assert!((sent as f64) >= bound * 0.7, "{sent} attempts in {seconds:.2} s: paced far below {bound:.0}");
}

async fn limiter_child() {
    let fleet = fleet(&env(URL), &env(NAMESPACE), FleetOptions::new());
    SHARED_PACE.join(&fleet).unwrap();
    fleet.sync().await.unwrap();
    let policy = RetryPolicy::builder().stop(attempts(1)).wait(none()).limiter(&SHARED_PACE).build().unwrap();
    say("start_ms", now_ms());
    let start = Instant::now();
    let mut sent = 0;
    while start.elapsed() < Duration::from_millis(1500) {
        let out: Result<(), Error> = policy.retry(|| async { Ok(()) }).await;
        assert_eq!(out, Ok(()));
        sent += 1;
    }
    say("end_ms", now_ms());
    say("sent", sent);
}

static WINDOW_A: FleetLimiter = FleetLimiter::per_second("anthropic", 1000);
static WINDOW_B: FleetLimiter = FleetLimiter::per_second("anthropic", 1000);

#[test]
fn a_used_up_provider_window_holds_back_the_other_processes() {
    // Two handles with their own connections stand for two processes.
    runtime().block_on(async {
        let namespace = unique_namespace("window");
        let url = support::machine_url();
        let (a, b) = (fleet(&url, &namespace, FleetOptions::new()), fleet(&url, &namespace, FleetOptions::new()));
        WINDOW_A.join(&a).unwrap();
        WINDOW_B.join(&b).unwrap();
        WINDOW_B.acquire(None).await.unwrap().record(retry_runtime::limiter::Outcome::Success);
        // B took a lease of 4 cells and spent one (its task may have topped it up since).
        assert!(WINDOW_B.held() >= 3, "B holds {}", WINDOW_B.held());
        WINDOW_A.observe(ProviderLimits {
            remaining_requests: Some(0),
            reset_requests: Some(Duration::from_millis(600)),
            ..ProviderLimits::default()
        });
        a.sync().await.unwrap();
        // B learns at its next round (its task's, within a refresh; here by hand): the cells it
        // holds are not spent into the used-up window.
        b.sync().await.unwrap();
        let start = Instant::now();
        WINDOW_B.acquire(None).await.unwrap().record(retry_runtime::limiter::Outcome::Success);
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(450), "B went after {waited:?}, before the window reset");
        assert!(waited < Duration::from_millis(900), "B waited {waited:?}");
    });
}

static A_LEASE: FleetLimiter = FleetLimiter::per_second("leased", 1000);

#[test]
fn a_limiter_attempt_with_a_cell_in_hand_never_waits_on_the_store() {
    // The first attempt takes a lease; the round tops it up; with the store paused, the
    // cells in hand are spent without a wait (one on the paused store would last 1 s).
    let server = RedisServer::start();
    runtime().block_on(async {
        let options =
            FleetOptions::new().with_store_timeout(Duration::from_secs(1)).with_refresh(Duration::from_secs(5));
        let fleet = fleet(&server.url(), &unique_namespace("leased"), options);
        A_LEASE.join(&fleet).unwrap();
        A_LEASE.acquire(None).await.unwrap().record(retry_runtime::limiter::Outcome::Success);
        // 3 held, or 4 if the task's round came first.
        assert!(A_LEASE.held() >= 3, "holds {}", A_LEASE.held());
        fleet.sync().await.unwrap();
        assert_eq!(A_LEASE.held(), 4, "the round tops the lease up once a cell was spent");
        server.pause();
        let began = Instant::now();
        for _ in 0..4 {
            A_LEASE.acquire(None).await.unwrap().record(retry_runtime::limiter::Outcome::Success);
        }
        let took = began.elapsed();
        // Spent from the lease (the task's round to top it up waits on the paused store).
        assert_eq!(A_LEASE.held(), 0);
        server.resume();
        assert!(took < Duration::from_millis(100), "four attempts with cells in hand took {took:?}");
    });
}

/// A slow pace (one cell each 7.5 s, a burst of 8), so that nothing refills during the test.
static GIVER: FleetLimiter = FleetLimiter::per_minute("give-back", 8);
static TAKER: FleetLimiter = FleetLimiter::per_minute("give-back", 8);

#[test]
fn unspent_cells_go_back_to_the_fleet_s_pace() {
    // A holds a lease of 2 (a quarter of the burst) and spends 1; the other cell goes back
    // when A shuts down, so B can take 7 of the 8 at once, not 6.
    runtime().block_on(async {
        let (url, namespace) = (support::machine_url(), unique_namespace("give-back"));
        let a = fleet(&url, &namespace, FleetOptions::new());
        let b = fleet(&url, &namespace, FleetOptions::new().with_limiter_lease(0));
        GIVER.join(&a).unwrap();
        TAKER.join(&b).unwrap();
        GIVER.acquire(None).await.unwrap().record(retry_runtime::limiter::Outcome::Success);
        // 1 held, or 2 if A's task topped the lease up first: either goes back.
        assert!(GIVER.held() >= 1, "A holds {}", GIVER.held());
        a.shutdown().await;
        assert_eq!(GIVER.held(), 0);
        let mut taken = 0;
        while TAKER.acquire(Some(Instant::now())).await.is_ok() {
            taken += 1;
            assert_eq!(TAKER.held(), 0, "a lease of 0 holds nothing");
        }
        assert_eq!(taken, 7, "B took {taken} cells at once");
        b.shutdown().await;
    });
}

static EXPIRING: FleetLimiter = FleetLimiter::per_minute("expiring", 8);
static AFTER_EXPIRY: FleetLimiter = FleetLimiter::per_minute("expiring", 8);

#[test]
fn cells_held_a_refresh_unspent_go_back_at_the_next_round() {
    runtime().block_on(async {
        let (url, namespace) = (support::machine_url(), unique_namespace("expiring"));
        let a = fleet(&url, &namespace, FleetOptions::new().with_refresh(Duration::from_millis(50)));
        let b = fleet(&url, &namespace, FleetOptions::new().with_limiter_lease(0));
        EXPIRING.join(&a).unwrap();
        AFTER_EXPIRY.join(&b).unwrap();
        EXPIRING.acquire(None).await.unwrap().record(retry_runtime::limiter::Outcome::Success);
        // A's task tops the lease up at its first round, then gives both cells back once they
        // have been held a refresh unspent.
        let deadline = Instant::now() + Duration::from_secs(2);
        while EXPIRING.held() > 0 || Instant::now() < deadline - Duration::from_millis(1800) {
            assert!(Instant::now() < deadline, "A still holds {} cells", EXPIRING.held());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let mut taken = 0;
        while AFTER_EXPIRY.acquire(Some(Instant::now())).await.is_ok() {
            taken += 1;
        }
        assert_eq!(taken, 7, "B took {taken} cells at once: A spent one, gave the rest back");
        a.shutdown().await;
        b.shutdown().await;
    });
}

// ---------------------------------------------------------------------------------------
// The store away

static THROUGH_OUTAGE: FleetBudget = FleetBudget::new("through-outage", RetryBudget::token_bucket(10_000, 5, 10, 0));
static OUTAGE_BREAKER: FleetBreaker =
    FleetBreaker::new("outage", CircuitBreaker::consecutive(1000, Duration::from_secs(1)));
static OUTAGE_PACE: FleetLimiter = FleetLimiter::per_second("outage", 100_000);

const STORE_TIMEOUT: Duration = Duration::from_millis(50);
const OUTAGE_RUN: Duration = Duration::from_millis(3000);

#[test]
fn store_paused_mid_run_loses_and_double_counts_nothing() {
    if let Some(_role) = role() {
        return runtime().block_on(outage_child());
    }
    let _serial = one_at_a_time();
    let server = RedisServer::start();
    let namespace = unique_namespace("pause");
    let children = spawn(
        "store_paused_mid_run_loses_and_double_counts_nothing",
        2,
        &[(NAMESPACE, &namespace), (URL, &server.url())],
    );
    std::thread::sleep(Duration::from_millis(1000));
    server.pause();
    std::thread::sleep(Duration::from_millis(1000));
    server.resume();
    let reports = collect(children, Duration::from_secs(20));
    let paid: u64 = reports.iter().map(|r| r.one("paid")).sum();
    let left = runtime().block_on(async {
        let fleet = fleet(&server.url(), &namespace, FleetOptions::new());
        fleet.budget_tokens(&THROUGH_OUTAGE).await.unwrap()
    });
    assert_eq!(left, 10_000 - 5 * paid as i64, "paid {paid} retries, {left} tokens left");
    for (i, report) in reports.iter().enumerate() {
        assert!(report.one("calls") > 50, "child {i} made few calls: {report:?}");
        assert_eq!(report.one("wrong"), 0, "child {i}: calls that ended wrong");
        // The limiter asks Redis on the attempt's path: never longer than the bound.
        let slowest = report.one("slowest_ms");
        assert!(slowest <= STORE_TIMEOUT.as_millis() as u64 + 100, "child {i}: a call took {slowest} ms");
        assert_eq!(report.one("down_events"), 1, "child {i}: one event when the store went away");
        assert_eq!(report.one("back_events"), 1, "child {i}: one event when it came back");
    }
}

#[test]
fn store_killed_and_restarted_mid_run_every_call_still_ends_right() {
    if let Some(_role) = role() {
        return runtime().block_on(outage_child());
    }
    let _serial = one_at_a_time();
    let mut server = RedisServer::start();
    let namespace = unique_namespace("kill");
    let children = spawn(
        "store_killed_and_restarted_mid_run_every_call_still_ends_right",
        2,
        &[(NAMESPACE, &namespace), (URL, &server.url())],
    );
    std::thread::sleep(Duration::from_millis(1000));
    server.kill();
    std::thread::sleep(Duration::from_millis(1000));
    let server = RedisServer::start_on(server.port);
    let reports = collect(children, Duration::from_secs(20));
    for (i, report) in reports.iter().enumerate() {
        assert!(report.one("calls") > 50, "child {i} made few calls: {report:?}");
        assert_eq!(report.one("wrong"), 0, "child {i}: calls that ended wrong");
        let slowest = report.one("slowest_ms");
        assert!(slowest <= STORE_TIMEOUT.as_millis() as u64 + 100, "child {i}: a call took {slowest} ms");
        assert_eq!(report.one("down_events"), 1, "child {i}: one event when the store went away");
        assert_eq!(report.one("back_events"), 1, "child {i}: one event when it came back");
        assert_eq!(report.one("up_at_end"), 1, "child {i} did not reconnect");
    }
    // The restarted store holds the fleet's state again: the bucket, less what was paid since.
    let left = runtime().block_on(async {
        let fleet = fleet(&server.url(), &namespace, FleetOptions::new());
        fleet.budget_tokens(&THROUGH_OUTAGE).await.unwrap()
    });
    assert!(left < 10_000, "the restarted store saw no retry: {left}");
}

/// Calls through the shared breaker, budget and limiter for `OUTAGE_RUN`: every call's
/// first attempt fails and its retry succeeds.
async fn outage_child() {
    let events = Events::install();
    let options = FleetOptions::new().with_refresh(Duration::from_millis(100)).with_store_timeout(STORE_TIMEOUT);
    let fleet = fleet(&env(URL), &env(NAMESPACE), options);
    THROUGH_OUTAGE.join(&fleet).unwrap();
    OUTAGE_BREAKER.join(&fleet).unwrap();
    OUTAGE_PACE.join(&fleet).unwrap();
    fleet.sync().await.unwrap();
    let policy = RetryPolicy::builder()
        .stop(attempts(2))
        .wait(none())
        .breaker(&OUTAGE_BREAKER)
        .budget(&THROUGH_OUTAGE)
        .limiter(&OUTAGE_PACE)
        .build()
        .unwrap();
    let start = Instant::now();
    let (mut calls, mut wrong, mut paid, mut slowest) = (0u64, 0u64, 0u64, Duration::ZERO);
    while start.elapsed() < OUTAGE_RUN {
        let began = Instant::now();
        let mut runs = 0;
        let out: Result<u32, Error> = policy
            .retry(|| {
                runs += 1;
                let n = runs;
                async move { if n == 1 { Err(Error::Down) } else { Ok(n) } }
            })
            .await;
        slowest = slowest.max(began.elapsed());
        calls += 1;
        // A retry succeeds and is refunded: net, nothing paid. Refused, the call fails.
        match out {
            Ok(2) => {}
            Err(Error::Down) if runs == 1 => {}
            _ => wrong += 1,
        }
        // The same, with a retry that fails: 5 tokens paid.
        let mut runs = 0u64;
        let out: Result<(), Error> = policy
            .retry(|| {
                runs += 1;
                async { Err(Error::Down) }
            })
            .await;
        if out != Err(Error::Down) {
            wrong += 1;
        }
        paid += runs - 1;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Give the store time to be read again after the outage, then give the lease back.
    for _ in 0..20 {
        if fleet.sync().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let up_at_end = fleet.is_store_up();
    fleet.shutdown().await;
    say("calls", calls);
    say("wrong", wrong);
    say("paid", paid);
    say("slowest_ms", slowest.as_millis());
    say("down_events", events.count("fleet store unreachable"));
    say("back_events", events.count("fleet store is back"));
    say("up_at_end", u8::from(up_at_end));
}

// ---------------------------------------------------------------------------------------
// Keys: expiry, namespaces, garbage

static SHORT_LIVED: FleetBreaker =
    FleetBreaker::new("short", CircuitBreaker::consecutive(1, Duration::from_millis(200)));
static SHORT_BUDGET: FleetBudget = FleetBudget::new("short", RetryBudget::aws_standard());

fn keys(url: &str, namespace: &str) -> Vec<String> {
    let mut connection = redis::Client::open(url).unwrap().get_connection().unwrap();
    let mut keys: Vec<String> = redis::cmd("KEYS").arg(format!("{namespace}:*")).query(&mut connection).unwrap();
    keys.sort();
    keys
}

#[test]
fn keys_expire_once_nothing_uses_them() {
    runtime().block_on(async {
        let namespace = unique_namespace("expiry");
        let url = support::machine_url();
        let options =
            FleetOptions::new().with_key_ttl(Duration::from_millis(800)).with_refresh(Duration::from_secs(60));
        let fleet = fleet(&url, &namespace, options);
        SHORT_LIVED.join(&fleet).unwrap();
        SHORT_BUDGET.join(&fleet).unwrap();
        let policy = RetryPolicy::builder()
            .stop(attempts(2))
            .wait(none())
            .breaker(&SHORT_LIVED)
            .budget(&SHORT_BUDGET)
            .build()
            .unwrap();
        fleet.sync().await.unwrap();
        let _: Result<(), Error> = policy.retry(|| async { Err(Error::Down) }).await;
        fleet.sync().await.unwrap();
        let live = keys(&url, &namespace);
        assert!(live.iter().any(|k| k.ends_with(":breaker:short:open")), "no open-until key: {live:?}");
        assert!(live.iter().any(|k| k.ends_with(":budget:short")), "no bucket: {live:?}");
        tokio::time::sleep(Duration::from_millis(200 + 800 + 300)).await;
        assert_eq!(keys(&url, &namespace), Vec::<String>::new(), "keys outlived their TTL");
    });
}

static APP_ONE: FleetBreaker = FleetBreaker::new("provider", CircuitBreaker::consecutive(1, Duration::from_secs(30)));
static APP_TWO: FleetBreaker = FleetBreaker::new("provider", CircuitBreaker::consecutive(1, Duration::from_secs(30)));
static APP_ONE_BUDGET: FleetBudget = FleetBudget::new("llm", RetryBudget::token_bucket(10, 5, 10, 0));
static APP_TWO_BUDGET: FleetBudget = FleetBudget::new("llm", RetryBudget::token_bucket(10, 5, 10, 0));

#[test]
fn a_namespace_isolates_two_applications() {
    runtime().block_on(async {
        let url = support::machine_url();
        let (one, two) = (unique_namespace("app-one"), unique_namespace("app-two"));
        let (one, two) = (fleet(&url, &one, FleetOptions::new()), fleet(&url, &two, FleetOptions::new()));
        APP_ONE.join(&one).unwrap();
        APP_TWO.join(&two).unwrap();
        APP_ONE_BUDGET.join(&one).unwrap();
        APP_TWO_BUDGET.join(&two).unwrap();
        one.sync().await.unwrap();
        two.sync().await.unwrap();
        let policy = RetryPolicy::builder()
            .stop(attempts(5))
            .wait(none())
            .breaker(&APP_ONE)
            .budget(&APP_ONE_BUDGET)
            .build()
            .unwrap();
        let _: Result<(), Error> = policy.retry(|| async { Err(Error::Down) }).await;
        one.shutdown().await;
        two.sync().await.unwrap();
        assert!(APP_ONE.fleet_open_for().is_some());
        assert_eq!(APP_TWO.fleet_open_for(), None, "the other application's opening");
        // The first failure opened the breaker: the call gave up then, no retry paid.
        assert_eq!(one.budget_tokens(&APP_ONE_BUDGET).await.unwrap(), 10);
        let policy = RetryPolicy::builder().stop(attempts(5)).wait(none()).budget(&APP_ONE_BUDGET).build().unwrap();
        let _: Result<(), Error> = policy.retry(|| async { Err(Error::Down) }).await;
        assert_eq!(
            two.budget_tokens(&APP_TWO_BUDGET).await.unwrap(),
            10 - APP_TWO_BUDGET.leased(),
            "the other application's tokens"
        );
        two.shutdown().await;
    });
}

static GARBLED: FleetBreaker = FleetBreaker::new("garbled", CircuitBreaker::consecutive(3, Duration::from_secs(30)));
static GARBLED_BUDGET: FleetBudget = FleetBudget::new("garbled", RetryBudget::token_bucket(10, 5, 10, 0));

#[test]
fn garbage_in_the_store_reads_as_absent_or_as_an_outage_never_a_panic() {
    runtime().block_on(async {
        let url = support::machine_url();
        let namespace = unique_namespace("garbage");
        let mut raw = redis::Client::open(url.as_str()).unwrap().get_connection().unwrap();
        let set = |raw: &mut redis::Connection, args: &[&str]| {
            let mut cmd = redis::cmd(args[0]);
            for a in &args[1..] {
                cmd.arg(*a);
            }
            let _: redis::Value = cmd.query(raw).unwrap();
        };
        set(&mut raw, &["SET", &format!("{namespace}:breaker:garbled:open"), "banana"]);
        set(&mut raw, &["HSET", &format!("{namespace}:budget:garbled"), "tokens", "lots", "debt", "none"]);
        let fleet = fleet(&url, &namespace, FleetOptions::new());
        GARBLED.join(&fleet).unwrap();
        GARBLED_BUDGET.join(&fleet).unwrap();
        // Values that are not numbers read as absent: a closed circuit, a fresh bucket.
        fleet.sync().await.unwrap();
        assert_eq!(GARBLED.fleet_open_for(), None);
        assert_eq!(fleet.budget_tokens(&GARBLED_BUDGET).await.unwrap() + GARBLED_BUDGET.leased(), 10);
        // A key of the wrong type is an error of the store: the calls go on locally.
        set(&mut raw, &["DEL", &format!("{namespace}:breaker:garbled:open")]);
        set(&mut raw, &["LPUSH", &format!("{namespace}:breaker:garbled:open"), "x"]);
        let unreadable = fleet.sync().await.unwrap_err();
        assert!(unreadable.to_string().contains("unreadable answer"), "{unreadable}");
        let policy = RetryPolicy::builder().stop(attempts(2)).wait(none()).breaker(&GARBLED).build().unwrap();
        let out: Result<u8, Error> = policy.retry(|| async { Ok(7) }).await;
        assert_eq!(out, Ok(7));
        set(&mut raw, &["DEL", &format!("{namespace}:breaker:garbled:open")]);
        fleet.sync().await.unwrap();
        assert!(fleet.is_store_up());
        fleet.shutdown().await;
    });
}

#[test]
fn bad_urls_and_names_are_errors() {
    runtime().block_on(async {
        assert!(matches!(Fleet::connect("nonsense", "app"), Err(retry_runtime::fleet::FleetError::Url(_))));
        assert!(matches!(Fleet::connect("redis://127.0.0.1:6379", ""), Err(retry_runtime::fleet::FleetError::Name(_))));
    });
    assert_eq!(
        Fleet::connect("redis://127.0.0.1:6379", "app").unwrap_err(),
        retry_runtime::fleet::FleetError::NoRuntime
    );
}

static KEYED_BREAKER: FleetBreaker =
    FleetBreaker::new("keyed", CircuitBreaker::consecutive(2, Duration::from_secs(30)));
static KEYED_BUDGET: FleetBudget = FleetBudget::new("keyed", RetryBudget::token_bucket(10, 5, 10, 0));
static KEYED_PACE: FleetLimiter = FleetLimiter::per_second("keyed", 1000);

#[retry_runtime::retry(
    stop = attempts(5),
    wait = none,
    breaker = KEYED_BREAKER,
    budget = KEYED_BUDGET,
    limiter = KEYED_PACE,
    log = off
)]
async fn keyed(runs: &std::sync::atomic::AtomicU32) -> Result<(), Error> {
    runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Err(Error::Down)
}

#[test]
fn the_attribute_keys_take_the_fleet_guards() {
    // `breaker = NAME`, `budget = NAME`, `limiter = NAME` with the shared forms: no new key.
    runtime().block_on(async {
        let fleet = fleet(&support::machine_url(), &unique_namespace("keys"), FleetOptions::new());
        KEYED_BREAKER.join(&fleet).unwrap();
        KEYED_BUDGET.join(&fleet).unwrap();
        KEYED_PACE.join(&fleet).unwrap();
        fleet.sync().await.unwrap();
        let runs = std::sync::atomic::AtomicU32::new(0);
        // Two failures open the breaker; the call gives up with the second, not the refusal.
        assert_eq!(keyed(&runs).await, Err(Error::Down));
        assert_eq!(runs.load(std::sync::atomic::Ordering::Relaxed), 2);
        assert_eq!(keyed(&runs).await, Err(Error::Open), "the next call is refused");
        assert_eq!(runs.load(std::sync::atomic::Ordering::Relaxed), 2);
        fleet.shutdown().await;
        // One retry was paid (5 tokens); none for the retry the open breaker would refuse.
        assert_eq!(fleet.budget_tokens(&KEYED_BUDGET).await.unwrap(), 5);
        assert!(KEYED_BREAKER.fleet_open_for().is_some());
    });
}

static PROBER_A: FleetBreaker = FleetBreaker::new("prober", CircuitBreaker::consecutive(1, Duration::from_millis(300)));
static PROBER_B: FleetBreaker = FleetBreaker::new("prober", CircuitBreaker::consecutive(1, Duration::from_millis(300)));
const PROBE_TTL: Duration = Duration::from_millis(600);

#[test]
fn a_prober_that_dies_frees_its_permit_after_the_probe_ttl() {
    // Two handles stand for two processes; A takes the fleet's only probe permit and never
    // reports (its future is forgotten, as a crash would leave it).
    runtime().block_on(async {
        let (url, namespace) = (support::machine_url(), unique_namespace("prober"));
        let options = FleetOptions::new().with_refresh(Duration::from_millis(50)).with_probe_ttl(PROBE_TTL);
        let (a, b) = (fleet(&url, &namespace, options), fleet(&url, &namespace, options));
        PROBER_A.join(&a).unwrap();
        PROBER_B.join(&b).unwrap();
        let policy_a = RetryPolicy::builder().stop(attempts(1)).wait(none()).breaker(&PROBER_A).build().unwrap();
        let policy_b = RetryPolicy::builder().stop(attempts(1)).wait(none()).breaker(&PROBER_B).build().unwrap();
        let _: Result<(), Error> = policy_a.retry(|| async { Err(Error::Down) }).await;
        a.sync().await.unwrap();
        tokio::time::sleep(Duration::from_millis(350)).await; // the cooldown is over: half-open
        b.sync().await.unwrap();
        // A asks for a permit, gets it at the next round, and its probe hangs.
        assert_eq!(policy_a.retry(|| async { Ok(()) }).await, Err::<(), _>(Error::Open));
        a.sync().await.unwrap();
        let mut hung = Box::pin(policy_a.retry(std::future::pending::<Result<(), Error>>));
        assert!(tokio::time::timeout(Duration::from_millis(20), &mut hung).await.is_err(), "the probe runs");
        core::mem::forget(hung);
        let granted_at = Instant::now();
        // B is refused while A's permit lives, and probes once it has expired.
        let mut admitted = None;
        while granted_at.elapsed() < PROBE_TTL * 3 {
            let out: Result<(), Error> = policy_b.retry(|| async { Ok(()) }).await;
            if out.is_ok() {
                admitted = Some(granted_at.elapsed());
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let admitted = admitted.expect("B never probed: the dead prober's permit did not expire");
        assert!(
            admitted >= PROBE_TTL - Duration::from_millis(50),
            "B probed after {admitted:?}, while A's permit lived"
        );
        assert!(admitted <= PROBE_TTL + Duration::from_millis(300), "B probed only after {admitted:?}");
        // B's probe succeeded: once B has written it (its task does at once; here by hand, not
        // to race it), the circuit is closed for A too.
        b.sync().await.unwrap();
        a.sync().await.unwrap();
        assert_eq!(PROBER_A.fleet_open_for(), None);
        assert_eq!(policy_a.retry(|| async { Ok(()) }).await, Ok::<(), Error>(()));
    });
}

static UNWAITED: FleetBreaker = FleetBreaker::new("unwaited", CircuitBreaker::consecutive(5, Duration::from_secs(30)));
static UNWAITED_BUDGET: FleetBudget = FleetBudget::new("unwaited", RetryBudget::aws_standard());

#[test]
fn a_first_try_success_never_waits_on_the_store() {
    // The store is paused (it takes connections and answers nothing): calls through the
    // shared breaker and budget take no longer than without it.
    let server = RedisServer::start();
    runtime().block_on(async {
        // A wait on the paused store would last its whole timeout, a second here.
        let options = FleetOptions::new().with_store_timeout(Duration::from_secs(1));
        let fleet = fleet(&server.url(), &unique_namespace("unwaited"), options);
        UNWAITED.join(&fleet).unwrap();
        UNWAITED_BUDGET.join(&fleet).unwrap();
        fleet.sync().await.unwrap();
        server.pause();
        let policy = RetryPolicy::builder()
            .stop(attempts(3))
            .wait(none())
            .breaker(&UNWAITED)
            .budget(&UNWAITED_BUDGET)
            .build()
            .unwrap();
        let mut slowest = Duration::ZERO;
        for _ in 0..10_000 {
            let began = Instant::now();
            assert_eq!(policy.retry(|| async { Ok(1) }).await, Ok::<_, Error>(1));
            slowest = slowest.max(began.elapsed());
        }
        server.resume();
        assert!(slowest < Duration::from_millis(100), "a first try took {slowest:?} with the store paused");
    });
}

static SHARE_A: FleetBudget = FleetBudget::new("share", RetryBudget::percent_with_reserve(10, 0, 100));
static SHARE_B: FleetBudget = FleetBudget::new("share", RetryBudget::percent_with_reserve(10, 0, 100));

#[test]
fn the_percent_form_counts_every_process_s_requests() {
    // Retries at most 10 % of the fleet's requests: five requests here and five there pay
    // for one retry, wherever it is made.
    runtime().block_on(async {
        let (url, namespace) = (support::machine_url(), unique_namespace("share"));
        let (a, b) = (fleet(&url, &namespace, FleetOptions::new()), fleet(&url, &namespace, FleetOptions::new()));
        SHARE_A.join(&a).unwrap();
        SHARE_B.join(&b).unwrap();
        let policy_a = RetryPolicy::builder().stop(attempts(2)).wait(none()).budget(&SHARE_A).build().unwrap();
        let policy_b = RetryPolicy::builder().stop(attempts(2)).wait(none()).budget(&SHARE_B).build().unwrap();
        for _ in 0..5 {
            assert_eq!(policy_a.retry(|| async { Ok(()) }).await, Ok::<(), Error>(()));
            assert_eq!(policy_b.retry(|| async { Ok(()) }).await, Ok::<(), Error>(()));
        }
        a.sync().await.unwrap();
        b.sync().await.unwrap();
        a.sync().await.unwrap(); // B's deposits reached the bucket after A's first round
        assert_eq!(SHARE_A.leased() + SHARE_B.leased() + a.budget_tokens(&SHARE_A).await.unwrap(), 100);
        // A may find its own lease empty while B's holds the retry (the leases' bound): what
        // is exact is that the fleet pays one retry for the ten requests, and no more.
        let (mut runs_a, mut runs_b) = (0, 0);
        let _: Result<(), Error> = policy_a
            .retry(|| {
                runs_a += 1;
                async { Err(Error::Down) }
            })
            .await;
        let _: Result<(), Error> = policy_b
            .retry(|| {
                runs_b += 1;
                async { Err(Error::Down) }
            })
            .await;
        let _: Result<(), Error> = policy_a
            .retry(|| {
                runs_a += 1;
                async { Err(Error::Down) }
            })
            .await;
        assert_eq!(runs_a + runs_b, 3 + 1, "three calls and one retry paid by ten requests");
        a.shutdown().await;
        b.shutdown().await;
    });
}
