#!/usr/bin/env bash
# Plans a spec with N users from CSV (default 100,000 -> 300,000 folder links) and prints the
# wall time and peak memory of validate, plan (text) and plan --json. Target: < 2 s, < 500 MB.
# Usage: bash bench/plan_100k.sh [N] [path/to/syncdeploy]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
bin=${2:-build-release/syncdeploy}
if [ ! -x "$bin" ]; then
  cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DSYNCDEPLOY_TESTS=OFF >/dev/null
  cmake --build build-release -j"$(nproc)" --target syncdeploy >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/make_users_csv.py "$n" > "$work/users.csv"
sed -e 's#^  csv: .*#  csv: users.csv#' examples/acme-prod.yaml > "$work/spec.yaml"
export EXCH_ADMIN_PASSWORD=x NEXJ_SYNC_PASSWORD=y CRM_MAIL_PASSWORD=z
measure() {  # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out" 2> "$work/err" || {
    echo "$label: failed"; cat "$work/err"; exit 1; }
  read -r secs kb < "$work/time"
  printf '%-22s %6.2f s  %6.0f MB  output %s bytes\n' "$label" "$secs" "$((kb / 1024))" \
    "$(wc -c < "$work/out")"
}
echo "users: $n ($(wc -l < "$work/users.csv") CSV lines), binary: $bin"
measure "validate" "$bin" validate "$work/spec.yaml"
measure "plan (text)" "$bin" plan --no-color "$work/spec.yaml"
measure "plan --json" "$bin" plan --json "$work/spec.yaml"
measure "plan --markdown" "$bin" plan --markdown "$work/spec.yaml"
