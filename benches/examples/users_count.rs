//! Runs one case of the user's view (`benches/src/users.rs`) for callgrind: `calls` calls in
//! one `block_on` of a current-thread runtime. The instructions a call costs are the
//! difference between two runs, divided by the difference in calls:
//!
//! ```sh
//! cargo build --profile bench -p benches --example users_count
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/users_count retry/retry 100000
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/users_count retry/retry 200000
//! bash benches/count.sh            # every case, the same way
//! ```

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().expect("a case, such as retry/retry");
    let calls = args.next().map_or(100_000, |n| n.parse().expect("a number of calls"));
    benches::users::count(&case, calls);
}
