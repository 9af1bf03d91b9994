//! The user's view (`benches/src/users.rs`): every variant called as a service calls it, in a
//! real current-thread runtime, interleaved, median of the repetitions.
//!
//! `CARGO_BUILD_JOBS=2 cargo bench -p benches --bench users_view` (every path), or with a
//! prefix of the cases to run and the repetitions:
//! `cargo bench -p benches --bench users_view -- retry/ 7`.

fn main() {
    // cargo passes `--bench`; the rest are a filter and a number of repetitions.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let filter = args.first().map_or("", String::as_str);
    let reps = args.get(1).map_or(7, |n| n.parse().expect("a number of repetitions"));
    benches::users::time_all(filter, reps);
}
