//! Runs one benchmarked case in a tight loop, for a profiler to look at without the
//! harness around it:
//!
//! ```sh
//! cargo build --profile bench -p benches --example profile
//! valgrind --tool=callgrind target/release/examples/profile retry_flaky 100000
//! valgrind --tool=callgrind target/release/examples/profile adaptive_limiter 100000
//! valgrind --tool=callgrind target/release/examples/profile policy_op 100000
//! valgrind --tool=callgrind target/release/examples/profile hedged_op 100000
//! valgrind --tool=callgrind target/release/examples/profile fleet_guarded_op 100000   # Redis at REDIS_URL
//! perf record -g target/release/examples/profile guarded_op 100000000
//! ```
//!
//! `retry_op_recorded` is `retry_op` with a recorder installed (metrics-util's
//! `DebuggingRecorder`); build with `--features metrics` for it to record anything.

use std::cell::Cell;
use std::hint::black_box;

use benches::{
    block_on, guarded_op, hand_loop_flaky, hand_loop_op, isolated_op, op, poll_once, refused_op, retry_flaky, retry_op,
};

tokio::task_local! {
    static FRAME: Cell<u8>;
}

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "retry_op".to_owned());
    let calls: u64 = args.next().map_or(10_000_000, |n| n.parse().expect("a number of calls"));
    if case == "retry_op_recorded" {
        metrics_util::debugging::DebuggingRecorder::new().install().expect("the first recorder");
    }
    benches::open_breakers();
    if case.starts_with("fleet_") {
        benches::fleet::join_fleet();
    }
    benches::warm_up();
    // The card's policy as a value, built once, as a user of `RetryPolicy` would.
    let policy = benches::card_policy();
    let hedged_policy = benches::hedged_card_policy();
    // The hedged cases' timer is tokio's, which needs a runtime with a clock to register in.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a runtime");
    let _entered = runtime.enter();
    let mut sum = 0u64;
    for _ in 0..calls {
        let x = black_box(7);
        let out = match case.as_str() {
            "op" => poll_once(op(x)),
            "hand_loop_op" => poll_once(hand_loop_op(x)),
            "retry_op" | "retry_op_recorded" => poll_once(retry_op(x)),
            "guarded_op" => poll_once(guarded_op(x)),
            "refused_op" => poll_once(refused_op(x, &Cell::new(0))),
            "isolated_op" => poll_once(isolated_op(x, &Cell::new(0))),
            "fleet_guarded_op" => poll_once(benches::fleet::fleet_guarded_op(x)),
            "fleet_refused_op" => poll_once(benches::fleet::fleet_refused_op(x, &Cell::new(0))),
            "hand_loop_flaky" => block_on(hand_loop_flaky(&Cell::new(3))),
            "retry_flaky" => block_on(retry_flaky(&Cell::new(3))),
            "policy_op" => poll_once(policy.retry(|| op(x))),
            "hedged_op" => poll_once(benches::hedged_op(x)),
            "hedged_policy_op" => poll_once(hedged_policy.retry(|| op(x))),
            "policy_blocking_op" => policy.retry_blocking(|| Ok(black_box(x))),
            // What publishing a nested layer's frame with tokio's task-local would cost the
            // attempt instead (retry-runtime/src/nested.rs): a scope around it.
            "task_local_op" => poll_once(FRAME.scope(Cell::new(0), op(x))),
            "no_limiter" => Ok(x),
            "limited_op" => poll_once(benches::limited_op(x)),
            "adaptive_limited_op" => poll_once(benches::adaptive_limited_op(x)),
            "adaptive_limiter" => {
                benches::shaped(black_box(&benches::ADAPTIVE));
                Ok(x)
            }
            "fixed_limiter" => {
                benches::shaped(black_box(&benches::FIXED));
                Ok(x)
            }
            other => panic!("unknown case `{other}`"),
        };
        sum = sum.wrapping_add(out.unwrap_or(1));
    }
    println!("{case}: {calls} calls, checksum {sum}");
}
