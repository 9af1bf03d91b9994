#!/usr/bin/env bash
# What a user's clean build costs: a crate of N async functions retried with
# `retry-runtime` (default features) and tokio, beside the same crate with backon and
# backon-macros, each built from nothing in a target directory of its own (dependencies
# included), as a new user's first `cargo build` is.
#
#   bash benches/build_vs_backon.sh [FUNCTIONS...]     (default: 1 200)
#
# Prints, for each N and each crate: the clean-build seconds, the crates compiled, and the
# crate alone (its dependencies built): the median of three rebuilds after touching its
# source, without incremental compilation, which is what the annotated functions cost.
# RETRY_RUNTIME=path builds "ours" against another checkout's retry-runtime (an older
# commit in a `git worktree`), to compare two trees in one run.
# Needs crates.io (backon's crates are not in this workspace).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work="$root/target/build-vs-backon"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}" CARGO_TERM_COLOR=never
sizes=("${@:-1 200}")
[[ $# -eq 0 ]] && sizes=(1 200)

write() { # name deps body-fn
  local dir="$work/$1" n=$2
  rm -rf "$dir"; mkdir -p "$dir/src"
  printf '%s\n' "[package]" "name = \"$1\"" 'version = "0.0.0"' 'edition = "2024"' 'publish = false' "" "[workspace]" "" "[dependencies]" "$3" >"$dir/Cargo.toml"
  {
    printf '%s\n' "$4"
    for i in $(seq 1 "$n"); do "$5" "$i"; done
  } >"$dir/src/lib.rs"
}

ours_fn() { printf '#[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload)]\npub async fn call_%s(x: u64) -> Result<u64, LlmError> { op(x).await }\n' "$1"; }
backon_fn() { printf '#[backon_macros::backon(backoff = backon::ExponentialBuilder::default, sleep = tokio::time::sleep, when = transient)]\npub async fn call_%s(x: u64) -> Result<u64, LlmError> { op(x).await }\n' "$1"; }

preamble='#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlmError { RateLimit, Overload, BadRequest }
impl std::fmt::Display for LlmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'"'"'_>) -> std::fmt::Result { write!(f, "{self:?}") }
}
impl std::error::Error for LlmError {}
pub async fn op(x: u64) -> Result<u64, LlmError> { if x == u64::MAX { Err(LlmError::BadRequest) } else { Ok(x) } }'

tokio='tokio = { version = "1", features = ["macros", "rt", "time"] }'
for n in "${sizes[@]}"; do
  write "ours_$n" "$n" "retry-runtime = { path = \"${RETRY_RUNTIME:-$root/retry-runtime}\" }
$tokio" "use retry_runtime::retry;
$preamble" ours_fn
  write "backon_$n" "$n" "backon = \"1\"
backon-macros = \"1\"
$tokio" "$preamble
pub fn transient(e: &LlmError) -> bool { matches!(e, LlmError::RateLimit | LlmError::Overload) }" backon_fn
  for crate in "ours_$n" "backon_$n"; do
    dir="$work/$crate"
    (cd "$dir" && cargo generate-lockfile -q)
    [[ $crate == ours_* ]] && cp "$root/Cargo.lock" "$dir/Cargo.lock" && (cd "$dir" && cargo update -q -w 2>/dev/null || true)
    rm -rf "$dir/target"
    start=$(date +%s.%N)
    log=$(cd "$dir" && cargo build 2>&1) || { echo "$crate failed to build:"; echo "$log" | tail -20; exit 1; }
    compiled=$(echo "$log" | grep -c '^ *Compiling ' || true)
    end=$(date +%s.%N)
    alone=()
    for _ in 1 2 3; do
      touch "$dir/src/lib.rs"
      a=$(date +%s.%N)
      (cd "$dir" && CARGO_INCREMENTAL=0 cargo build -q)
      alone+=("$(echo "$(date +%s.%N) - $a" | bc)")
    done
    median=$(printf '%s\n' "${alone[@]}" | sort -n | sed -n 2p)
    printf '%-12s %4d functions: clean build %6.1f s, %3d crates compiled, the crate alone %5.2f s\n' "${crate%_*}" "$n" "$(echo "$end - $start" | bc)" "$compiled" "$median"
  done
done
