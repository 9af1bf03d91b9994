//! `cargo run --example fleet`'s two rounds, with three workers: this test binary is each
//! worker too (`FLEET_DEMO_WORKER` set), as the example's own binary is.

use std::process::Command;

use examples::fleet::{WORKER, run, worker};

const NAME: &str = "the_fleet_acts_together_and_alone_while_the_store_is_gone";

// Guards the README's fleet claims: one worker's opening refuses A in the others, fewer
// attempts reach A while it is down than with lone breakers, every request is answered, and
// an outage of the store is one event each way in every worker.
#[test]
fn the_fleet_acts_together_and_alone_while_the_store_is_gone() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    if std::env::var_os(WORKER).is_some() {
        return runtime.block_on(worker()).unwrap();
    }
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let me = std::env::current_exe().unwrap();
    let summary = runtime
        .block_on(run(3, &redis, |env| {
            let mut command = Command::new(&me);
            command.args(["--exact", NAME, "--nocapture", "--test-threads=1"]);
            command.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
            command
        }))
        .unwrap();
    eprintln!("{summary}");
    assert!(summary.failures().is_empty(), "{summary}");
}
