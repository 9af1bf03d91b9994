//! What the fleet tests share: a `redis-server` of their own, child processes of this very
//! test binary, their reports, and a capture of the fleet's events.

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The child's role, from the environment its parent gave it.
pub const ROLE: &str = "RETRY_FLEET_ROLE";
/// The namespace the parent chose for the run.
pub const NAMESPACE: &str = "RETRY_FLEET_NAMESPACE";
/// The Redis the children share.
pub const URL: &str = "RETRY_FLEET_URL";

/// The machine's Redis, which `.ci/run` makes sure answers.
pub fn machine_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// `Some(n)` in the n-th child, `None` in the parent.
pub fn role() -> Option<usize> {
    std::env::var(ROLE).ok().and_then(|r| r.parse().ok())
}

pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("the parent sets {name}"))
}

/// A namespace no other run uses.
pub fn unique_namespace(test: &str) -> String {
    format!("retry-test-{test}-{}-{}", std::process::id(), now_ms())
}

pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

/// A line the parent reads: `FLEET key=value`.
pub fn say(key: &str, value: impl std::fmt::Display) {
    println!("FLEET {key}={value}");
}

/// What one child said, by key (a key said several times keeps every value).
#[derive(Debug, Default)]
pub struct Report {
    pub values: HashMap<String, Vec<String>>,
}

impl Report {
    pub fn one(&self, key: &str) -> u64 {
        self.get(key).unwrap_or_else(|| panic!("the child said no {key}: {self:?}"))
    }
    pub fn get(&self, key: &str) -> Option<u64> {
        self.values.get(key).and_then(|v| v.last()).and_then(|v| v.parse().ok())
    }
    pub fn all(&self, key: &str) -> Vec<u64> {
        self.values.get(key).map(|v| v.iter().filter_map(|v| v.parse().ok()).collect()).unwrap_or_default()
    }
    pub fn text(&self, key: &str) -> Option<&str> {
        self.values.get(key).and_then(|v| v.last()).map(String::as_str)
    }
}

/// Starts `n` children running `test` of this binary, each with its role and `vars`.
pub fn spawn(test: &str, n: usize, vars: &[(&str, &str)]) -> Vec<Child> {
    (0..n)
        .map(|i| {
            let mut command = Command::new(std::env::current_exe().unwrap());
            command.args(["--exact", test, "--nocapture", "--test-threads=1"]).env(ROLE, i.to_string());
            for (k, v) in vars {
                command.env(k, v);
            }
            command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("the test binary starts")
        })
        .collect()
}

/// Waits for every child (at most `bound`, then kills them and fails) and reads its report.
pub fn collect(children: Vec<Child>, bound: Duration) -> Vec<Report> {
    let deadline = Instant::now() + bound;
    let readers: Vec<_> = children
        .into_iter()
        .map(|mut child| {
            let stdout = child.stdout.take().unwrap();
            let lines = std::thread::spawn(move || {
                let mut report = Report::default();
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    // libtest's own "test name ... " may start the line.
                    let said = line.find("FLEET ").map(|at| &line[at + "FLEET ".len()..]);
                    if let Some((k, v)) = said.and_then(|kv| kv.split_once('=')) {
                        report.values.entry(k.to_owned()).or_default().push(v.to_owned());
                    }
                }
                report
            });
            (child, lines)
        })
        .collect();
    readers
        .into_iter()
        .enumerate()
        .map(|(i, (mut child, lines))| {
            loop {
                if let Some(status) = child.try_wait().unwrap() {
                    assert!(status.success(), "child {i} failed: {status}");
                    break;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    panic!("child {i} ran past {bound:?}");
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let report = lines.join().unwrap();
            // Seen with --nocapture: what each process saw, for a failing run's reader.
            eprintln!("child {i}: {:?}", report.values);
            report
        })
        .collect()
}

/// A `redis-server` of the test's own, on a free port, persisting nothing.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
}

impl RedisServer {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::start_on(port)
    }

    pub fn start_on(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        let server = Self { child: Some(child), port };
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not listen on {port}");
            std::thread::sleep(Duration::from_millis(10));
        }
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills it at once (SIGKILL): nothing is saved.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        assert!(Command::new("kill").args([signal, &pid]).status().unwrap().success());
    }

    /// Stops it answering (SIGSTOP): a store that is slow, not gone.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    pub fn resume(&self) {
        self.signal("-CONT");
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if self.child.is_some() {
            let _ = self.signal_quiet();
        }
        self.kill();
    }
}

impl RedisServer {
    fn signal_quiet(&self) -> std::io::Result<()> {
        let pid = self.child.as_ref().unwrap().id().to_string();
        Command::new("kill").args(["-CONT", &pid]).status().map(drop)
    }
}

/// The messages of the `retry` events emitted while it is installed.
#[derive(Clone, Default)]
pub struct Events(Arc<Mutex<Vec<String>>>);

impl Events {
    /// Installs the capture for the whole process.
    pub fn install() -> Self {
        let events = Self::default();
        tracing::subscriber::set_global_default(events.clone()).expect("one subscriber a process");
        events
    }

    pub fn count(&self, containing: &str) -> usize {
        self.0.lock().unwrap().iter().filter(|m| m.contains(containing)).count()
    }
}

struct Message(String);

impl tracing::field::Visit for Message {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl tracing::Subscriber for Events {
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
        self.0.lock().unwrap().push(message.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// A runtime for a child's or a parent's async part.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}
