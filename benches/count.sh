#!/usr/bin/env bash
# Instructions a call costs for every case of the user's view (benches/src/users.rs), from
# callgrind: two runs of each case, N and 2N calls, the difference divided by N, so the
# runtime's start-up and the first call's page faults cancel out.
#
#   bash benches/count.sh            # every case
#   bash benches/count.sh retry/     # the cases whose names start with retry/
#   FEATURES=metrics bash benches/count.sh features_   # with the runtime's metrics compiled in
#   RUSTFLAGS="--cfg retry_ablate_nested" CARGO_TARGET_DIR=target/ablate bash benches/count.sh success/
#                                       # the nested-layer frame compiled out, to measure its cost
set -euo pipefail
cd "$(dirname "$0")/.."
filter="${1:-}"
CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}" cargo build --quiet --profile bench -p benches --example users_count ${FEATURES:+--features "$FEATURES"}
bin="${CARGO_TARGET_DIR:-target}/release/examples/users_count"
cases=$(grep -o '^    "[a-z_0-9]*/[a-z_0-9]*"' benches/src/users.rs | tr -d ' "')
instructions() { # case calls -> total instructions
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
        sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
echo "| case | instructions/call |"
echo "|---|---:|"
for case in $cases; do
    [[ "$case" == "$filter"* ]] || continue
    n=20000
    [[ "$case" == paused/* ]] && n=2000
    a=$(instructions "$case" "$n")
    b=$(instructions "$case" $((2 * n)))
    echo "| $case | $(awk -v a="$a" -v b="$b" -v n="$n" 'BEGIN { printf "%.1f", (b - a) / n }') |"
done
