#!/usr/bin/env bash
# Fuzzes one target, or all of them one after another, for longer than the test suite does
# (fuzz/README.md). One fuzzer at a time: each takes a core, and the machine has two.
#
#   bash scripts/fuzz.sh TARGET SECONDS     e.g. scripts/fuzz.sh spec_yaml 600
#   bash scripts/fuzz.sh all SECONDS        every target, SECONDS each
#   bash scripts/fuzz.sh list               the targets
#
# SECONDS is wall time, as libFuzzer counts it. With FUZZ_CPU=1 it is the fuzzer's own CPU time
# instead: the run lasts until the process has used that much, however busy the machine is, so
# a niced run beside other work still fuzzes for the time it says.
#
# Builds the clang fuzz build first (FUZZ_BUILD_DIR, default build-fuzz). What a run finds is
# kept in $FUZZ_BUILD_DIR/fuzz/corpus/TARGET and used by the next run (and by CTest there); its
# log is $FUZZ_BUILD_DIR/fuzz/logs/TARGET.log. A crash, hang or memory blow-up leaves its input
# in $FUZZ_BUILD_DIR/fuzz/artifacts/TARGET/ and makes the script fail: check that input in under
# fuzz/regressions/TARGET/ with the fix. Extra libFuzzer flags may follow SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}
[ $# -ge 1 ] || usage
build=${FUZZ_BUILD_DIR:-build-fuzz}
targets=$(sed -n 's/^syncdeploy_fuzzer(\([a-z_]*\).*/\1/p' fuzz/CMakeLists.txt)
if [ "$1" = list ]; then
  echo "$targets"
  exit 0
fi
[ $# -ge 2 ] || usage
which=$1
seconds=$2
shift 2
if [ "$which" = all ]; then
  run=$targets
elif grep -qx "$which" <<<"$targets"; then
  run=$which
else
  echo "fuzz.sh: no target $which; the targets are:" $targets >&2
  exit 2
fi

if [ -f "$build/CMakeCache.txt" ] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSYNCDEPLOY_TESTS=OFF -DSYNCDEPLOY_FUZZ=ON -DSYNCDEPLOY_WERROR=ON -DSYNCDEPLOY_UNITY=ON >/dev/null
cmake --build "$build" --target fuzzers -j"$(nproc)"

# A smaller quarantine than ASan's 256 MB, as CTest runs them (fuzz/CMakeLists.txt).
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=64}
# User and system CPU seconds a running process has used (fields 14 and 15 of /proc/PID/stat,
# after the command name, which may hold spaces, in parentheses); fails once it has ended.
cpu_seconds() {
  local stat ticks
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat:0:1}" != Z ] || return 1 # ended, not yet waited for
  ticks=$(awk '{ print $12 + $13 }' <<<"$stat")
  echo $((ticks / $(getconf CLK_TCK)))
}

failed=0
mkdir -p "$build/fuzz/logs"
printf '%-18s %10s %7s %8s %9s %8s %7s %7s %s\n' target execs exec/s cov ft corpus rss seconds cpu
for target in $run; do
  found="$build/fuzz/corpus/$target"
  artifacts="$build/fuzz/artifacts/$target"
  log="$build/fuzz/logs/$target.log"
  mkdir -p "$found" "$artifacts"
  started=$SECONDS
  status=0
  used=
  if [ "${FUZZ_CPU:-0}" = 1 ]; then
    # No wall limit; SIGINT at the CPU budget (libFuzzer prints its final stats, exits 72).
    "$build/fuzz/${target}_fuzz" -rss_limit_mb=512 -timeout=5 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$@" "$found" "fuzz/corpus/$target" >"$log" 2>&1 &
    pid=$!
    used=0
    while [ "$used" -lt "$seconds" ] && now=$(cpu_seconds "$pid"); do
      used=$now
      sleep 5
    done
    kill -INT "$pid" 2>/dev/null || true
    wait "$pid" || status=$?
    [ "$status" = 72 ] && [ "$used" -ge "$seconds" ] && status=0
  else
    "$build/fuzz/${target}_fuzz" -max_total_time="$seconds" -rss_limit_mb=512 -timeout=5 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" "$found" "fuzz/corpus/$target" \
      >"$log" 2>&1 || status=$?
  fi
  took=$((SECONDS - started))
  # The last status line: "#N DONE cov: C ft: F corp: U/S lim: L exec/s: E rss: R".
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  field() { sed -n "s|.* $1: \([^ ]*\).*|\1|p" <<<"$last"; }
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  printf '%-18s %10s %7s %8s %9s %8s %7s %7s %s\n' "$target" "${execs:-?}" "$(field exec/s)" \
    "$(field cov)" "$(field ft)" "$(field corp)" "$(field rss)" "$took" "${used:--}"
  if [ $status != 0 ]; then
    failed=1
    echo "fuzz.sh: $target failed (exit $status); see $log and $artifacts/:" >&2
    grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|.*Test unit written)' "$log" >&2 || true
  fi
done
exit $failed
