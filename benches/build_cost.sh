#!/usr/bin/env bash
# The build time #[retry] adds: generates two crates with the same 200 async functions, one
# annotated with the design card's attribute and one with the loop written out by hand, and
# times a clean build of each crate (its dependencies already built) and an incremental
# rebuild after one function's body changes.
#
#   bash benches/build_cost.sh [FUNCTIONS] [RUNS]     (defaults: 200 functions, 3 runs)
#
# Prints one line per measurement, the median of RUNS runs, in seconds. Set PROFILE=release
# to time release builds instead of dev ones. The crates are written under
# target/build-cost/ and share one target directory there.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
functions=${1:-200}
runs=${2:-3}
profile=${PROFILE:-dev}
work="$root/target/build-cost"
export CARGO_TARGET_DIR="$work/target" CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}" CARGO_TERM_COLOR=never

rm -rf "$work/annotated" "$work/handwritten"
mkdir -p "$work"

cat >"$work/Cargo.toml" <<EOF
[workspace]
resolver = "3"
members = ["annotated", "handwritten"]

[workspace.dependencies]
retry-runtime = { path = "$root/retry-runtime" }
rand = { version = "0.9", default-features = false, features = ["std", "thread_rng"] }
EOF
cp "$root/Cargo.lock" "$work/Cargo.lock"

# The shared preamble: the error and the operation each function retries.
preamble='use retry_runtime::retry;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlmError { RateLimit, Overload, BadRequest }

impl std::fmt::Display for LlmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'"'"'_>) -> std::fmt::Result { write!(f, "{self:?}") }
}

pub async fn op(x: u64) -> Result<u64, LlmError> {
    if x == u64::MAX { Err(LlmError::BadRequest) } else { Ok(x) }
}
'

for kind in annotated handwritten; do
  mkdir -p "$work/$kind/src"
  cat >"$work/$kind/Cargo.toml" <<EOF
[package]
name = "$kind"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
retry-runtime.workspace = true
rand.workspace = true
EOF
  {
    echo "#![allow(unused_imports, dead_code)]"
    echo "$preamble"
    for i in $(seq 1 "$functions"); do
      if [ "$kind" = annotated ]; then
        cat <<EOF
#[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload)]
pub async fn call_$i(x: u64) -> Result<u64, LlmError> {
    op(x + $i).await
}

EOF
      else
        cat <<EOF
pub async fn call_$i(x: u64) -> Result<u64, LlmError> {
    use rand::Rng;
    use retry_runtime::sleep::{AsyncSleep, DefaultSleep};
    let mut attempt = 1u32;
    loop {
        match op(x + $i).await {
            Err(LlmError::RateLimit | LlmError::Overload) if attempt < 5 => {
                let max = Duration::from_secs(60);
                let base = Duration::from_secs(1).saturating_mul(1 << (attempt - 1)).min(max);
                let jitter = Duration::from_nanos(rand::rng().random_range(0..=5_000_000_000));
                DefaultSleep.sleep(base.saturating_add(jitter).min(max)).await;
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

EOF
      fi
    done
  } >"$work/$kind/src/lib.rs"
done

cd "$work"
cargo build -q --profile "$profile" --workspace # dependencies, once

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f\n", b - a }'
}

for kind in annotated handwritten; do
  clean=$(for _ in $(seq "$runs"); do
    cargo clean -q --profile "$profile" -p "$kind"
    seconds cargo build -q --profile "$profile" -p "$kind"
  done | median)
  incremental=$(for r in $(seq "$runs"); do
    # A new body for the first function: what an edit in the file costs to rebuild.
    sed -i -E "0,/op\(x \+ 1( \+ [0-9]+)?\)/s//op(x + 1 + $r)/" "$kind/src/lib.rs"
    seconds cargo build -q --profile "$profile" -p "$kind"
  done | median)
  printf '%-12s %s functions, %s profile: clean %ss, incremental %ss\n' "$kind" "$functions" "$profile" "$clean" "$incremental"
done
