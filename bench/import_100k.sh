#!/usr/bin/env bash
# Imports a deployment of N users (default 100,000 -> 300,006 folder links with the spec's three
# inline users) from its SQLite store and environment file, and checks that what import wrote
# plans to no changes. Times, with /usr/bin/time (wall time, peak resident memory):
#
#   1. `syncdeploy import SPEC -o DIR --only nexj` (RUNS times, default 3, each into a new folder),
#      against the issue's limits: "importing 100,000 users' links from the store finishes in
#      seconds", and 500 MB (the plan benchmark's memory target);
#   2. the floor, alternating with 1.: the sqlite3 shell running the query import's store read
#      runs for the links (runtime/nexj/config_store_schema.cc, store_select_sql: the links joined
#      to their targets' names, in key order) to /dev/null;
#   3. `validate` and `plan --only nexj --detailed-exitcode` of the written spec, and, for
#      reference, the same plan of the start spec.
#
# Checks (the script exits 1 when one fails): import exits 0 (6, "left out", is reported with
# what it printed), the written spec validates, its users CSV has one row per user in the store
# (N + the 3 inline users: a spec past 20 users writes them all to the CSV), with all their
# links, and the plan of the written spec exits 0 and says "No changes".
#
# The deployment is set up as apply_100k.sh does it, untimed: the CSV of N users with all three
# folders and the spec's three targets in turn, three labs (bench/lab_for_acme.sh, each with a
# third of the mailboxes: apply asks for folder ids and plan checks the TLS of nexj.url and the
# EWS endpoints), and `apply --only nexj --auto-approve` into an empty folder. `--only nexj`
# throughout: the spec reads Exchange over WinRS (5986), which the labs do not serve, so import
# takes the Exchange side from the start spec. The labs are stopped by pid however the script
# ends.
# Usage: bash bench/import_100k.sh [N] [path/to/syncdeploy] [RUNS]
# IMPORT_KEEP=DIR keeps the last written spec and its users CSV in DIR (which must not exist).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
bin=${2:-build-release/syncdeploy}
runs=${3:-3}
source bench/lab_for_acme.sh  # the three labs and the benchmarks' set-up
acme_bench_setup import_100k.sh  # builds $bin if missing; $work, fail(), the EXIT trap, secrets
acme_users_csv "$n" "$work/users.csv"  # the three targets in turn, as apply_100k.sh
sed -e 's#^  csv: .*#  csv: users.csv#' examples/acme-prod.yaml > "$work/spec.yaml"
grep -q '^  csv: users.csv' "$work/spec.yaml" ||
  fail "examples/acme-prod.yaml has no users csv line"
acme_labs_start "$work/users.csv"

# timed: label, command... -> $secs, $mb, $rc; stdout in $work/out, stderr in $work/err.
timed() {
  local label=$1 kb; shift
  rc=0
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out" 2> "$work/err" || rc=$?
  read -r secs kb < <(tail -1 "$work/time")  # a failed command's time adds a line before
  mb=$((kb / 1024))
  printf '%-40s %6.2f s  %5d MB  exit %d\n' "$label" "$secs" "$mb" "$rc"
}
ews_of() {  # plan's and apply's "Exchange: asked ..." line, if any
  grep -m1 '^Exchange: asked ' "$work/err" || true
}

echo "users: $n ($(($(wc -l < "$work/users.csv") - 1)) CSV rows + 3 inline), binary: $bin"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "setup (untimed in the figures):"
timed "syncdeploy apply --only nexj (empty store)" \
  "$bin" apply "$work/spec.yaml" --only nexj --auto-approve
[ "$rc" -eq 0 ] || { tail -5 "$work/err"; fail "apply failed"; }
echo "  $(ews_of)"
db=$work/state/nexj-config.db
store_links=$(sqlite3 "$db" "SELECT count(*) FROM sync_folder_link")
store_users=$(sqlite3 "$db" "SELECT count(DISTINCT login) FROM sync_folder_link")
echo "  store: $store_links folder links, $store_users users ($(du -h "$db" | cut -f1))"
[ "$store_links" -eq $((3 * n + 6)) ] || fail "the store has $store_links links, not $((3 * n + 6))"
sync

# The query the store read runs for the links (store_select_sql of sync_folder_link).
links_sql="SELECT o.login || '/' || o.folder, t.name, o.email, o.enabled, o.folder_id
  FROM sync_folder_link AS o LEFT JOIN sync_target AS t ON t.id = o.target_id
  ORDER BY o.login, o.folder"

echo
echo "timed ($runs runs each, alternating):"
import_secs=() import_mb=() floor_secs=() floor_mb=()
for run in $(seq "$runs"); do
  timed "sqlite3 shell, the links' query (floor)" sqlite3 "$db" "$links_sql"
  [ "$rc" -eq 0 ] || { cat "$work/err"; fail "sqlite3 failed"; }
  floor_secs+=("$secs") floor_mb+=("$mb")
  out=$work/import$run
  timed "syncdeploy import --only nexj" "$bin" import "$work/spec.yaml" -o "$out" --only nexj
  if [ "$rc" -ne 0 ]; then
    echo "--- import's stdout:"; cat "$work/out"
    echo "--- import's stderr:"; cat "$work/err"
    fail "import exited $rc (0: complete; 6: something left out, listed above)"
  fi
  import_secs+=("$secs") import_mb+=("$mb")
  cp "$work/out" "$work/import.out"
done
sed 's/^/  /' "$work/import.out"
spec_out=$work/import$runs/spec.yaml  # the last run's, whose output is shown
if [ -n "${IMPORT_KEEP:-}" ]; then
  cp -r "$work/import$runs" "$IMPORT_KEEP"
  echo "  (kept in $IMPORT_KEEP)"
fi
csv_out=$work/import$runs/users/acme-prod-users.csv

echo
echo "the written spec ($(wc -c < "$spec_out") bytes, $(wc -l < "$spec_out") lines):"
timed "syncdeploy validate (written spec)" "$bin" validate "$spec_out"
[ "$rc" -eq 0 ] || { cat "$work/err" "$work/out"; fail "the written spec does not validate"; }
[ -f "$csv_out" ] || fail "import wrote no $csv_out"
csv_rows=$(($(wc -l < "$csv_out") - 1))
# One row per user of the store, each login once ...
csv_users=$(tail -n +2 "$csv_out" | cut -d, -f1 | sort -u | wc -l)
echo "  users CSV: $csv_rows rows, $csv_users logins ($(wc -c < "$csv_out") bytes)"
if [ "$csv_rows" -ne "$store_users" ] || [ "$csv_users" -ne "$store_users" ]; then
  fail "the CSV has $csv_rows rows ($csv_users logins), the store $store_users users"
fi
[ "$csv_rows" -eq $((n + 3)) ] || fail "the CSV has $csv_rows rows, not $n + 3"
# ... and the links import counted are the store's. (That the values are right is the plan's
# check below: it compares every link of the written spec with the store.)
grep -q "($store_users users, $store_links folder links)" "$work/import.out" ||
  fail "import did not report $store_users users and $store_links links: $(cat "$work/import.out")"

timed "plan --only nexj (written spec)" \
  "$bin" plan --no-color "$spec_out" --only nexj --detailed-exitcode
plan_secs=$secs plan_mb=$mb plan_rc=$rc
[ -z "$(ews_of)" ] || echo "  $(ews_of)"
grep -m1 '^No changes' "$work/out" | sed 's/^/  /' || true
if [ "$plan_rc" -ne 0 ] || ! grep -q '^No changes' "$work/out"; then
  head -40 "$work/out"; tail -5 "$work/err"
  fail "the plan of the written spec exited $plan_rc and did not say 'No changes'"
fi
timed "plan --only nexj (start spec, reference)" \
  "$bin" plan --no-color "$work/spec.yaml" --only nexj --detailed-exitcode
ref_secs=$secs ref_mb=$mb
[ "$rc" -eq 0 ] || fail "the plan of the start spec exited $rc"

echo
python3 - "$n" "$store_links" "$plan_secs" "$plan_mb" "$ref_secs" "$ref_mb" \
  "${import_secs[*]}" "${import_mb[*]}" "${floor_secs[*]}" "${floor_mb[*]}" <<'EOF'
import statistics, sys
n, links = int(sys.argv[1]), int(sys.argv[2])
plan_s, plan_mb, ref_s, ref_mb = float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
imp_s, imp_mb, floor_s, floor_mb = ([float(x) for x in a.split()] for a in sys.argv[7:11])

def span(xs, fmt):
    lo, hi = min(xs), max(xs)
    return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else fmt.format(lo) + "-" + fmt.format(hi)

med_imp, med_floor = statistics.median(imp_s), statistics.median(floor_s)
print(f"{n:,} users, {links:,} folder links; {len(imp_s)} runs (range)")
print(f"| step | wall | peak memory | limit |")
print(f"| --- | ---: | ---: | --- |")
print(f"| syncdeploy import --only nexj | {span(imp_s, '{:.2f}')} s | {span(imp_mb, '{:.0f}')} MB "
      f"| 'finishes in seconds'; 500 MB |")
print(f"| floor: sqlite3, the links' query | {span(floor_s, '{:.2f}')} s | {span(floor_mb, '{:.0f}')} MB | |")
print(f"| plan --only nexj, written spec (No changes) | {plan_s:.2f} s | {plan_mb} MB | |")
print(f"| plan --only nexj, start spec (reference) | {ref_s:.2f} s | {ref_mb} MB | |")
print(f"import / floor, median over median: {med_imp / med_floor:.1f}")
print(f"memory: {'within' if max(imp_mb) <= 500 else 'OVER'} the 500 MB target "
      f"(peak {max(imp_mb):.0f} MB)")
EOF
