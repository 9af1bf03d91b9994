//! A fleet acting together: the failover demo's providers, and N worker processes (default
//! 4) that call provider A through one circuit breaker and one retry budget shared in Redis
//! (`retry_runtime::fleet`), with B as the fallback.
//!
//! ```text
//! cargo run --example fleet                 # Redis at REDIS_URL, default redis://127.0.0.1:6379
//! cargo run --example fleet -- --workers 6
//! ```
//!
//! Each round: A up for 300 ms, down for 1.2 s, back for 0.7 s. Worker 0 is busy (a
//! request every 10 ms), the others quiet (one every 100 ms).
//! - Round 1, the store up: worker 0's failures open A's breaker ("opened here"), and
//!   the quiet workers refuse A within 50 ms without failing enough to open their own
//!   ("for fleet"); one probe fleet-wide every 500 ms while A is down, and the probe that
//!   finds A back closes it for everyone.
//! - Round 2, on a `redis-server` the demo starts on a free port and kills just before A's
//!   outage (the machine's Redis is never stopped): every worker says once that the store
//!   is gone ("store d/b" 1/1), opens its own breaker, and more attempts reach A while it
//!   is down; once the store is back they share again.
//!
//! Every request is answered (by A or B) in both rounds. The program exits non-zero if the
//! fleet did not act together.

use std::process::{Command, ExitCode};

use examples::fleet::{WORKER, run, worker};

const USAGE: &str = "\
Runs the failover demo's providers and N worker processes sharing provider A's circuit
breaker and a retry budget through Redis, first with the store up, then with it gone during
A's outage; prints what each worker saw and whether the fleet acted together.

Usage: cargo run -p examples --example fleet -- [--workers N]

  --workers <N>  worker processes [default: 4]
  REDIS_URL      the Redis of round 1 [default: redis://127.0.0.1:6379]
";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    if std::env::var_os(WORKER).is_some() {
        return match worker().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(why) => {
                eprintln!("worker: {why}");
                ExitCode::FAILURE
            }
        };
    }
    let mut workers = 4;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--workers" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) if n >= 2 => workers = n,
                _ => {
                    eprintln!("`--workers` needs a number, 2 or more\n\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            other => {
                eprintln!("unknown argument `{other}`; expected `--workers` or `--help`\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let me = match std::env::current_exe() {
        Ok(me) => me,
        Err(e) => {
            eprintln!("cannot find this program to start its workers: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{workers} workers, provider A shared through {redis}; round 2 on a redis-server of its own");
    let summary = run(workers, &redis, |env| {
        let mut command = Command::new(&me);
        command.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        command
    })
    .await;
    match summary {
        Ok(summary) => {
            print!("{summary}");
            if summary.failures().is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Err(e) => {
            eprintln!("the demo could not run: {e}");
            ExitCode::FAILURE
        }
    }
}
