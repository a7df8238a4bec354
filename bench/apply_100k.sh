#!/usr/bin/env bash
# Applies N users (default 100,000 -> 300,006 folder links) into an empty SQLite store and
# compares with the sqlite3 shell inserting the same rows into the same schema in one
# transaction. Then times a re-plan that finds no changes. Targets: apply without its EWS phase
# <= 2x the shell; re-plan < 2 s.
#
# apply checks the TLS of nexj.url and of every EWS endpoint, and asks Exchange over EWS for the
# folder ids of every link it makes, so the spec's three Exchange servers are three labs
# (`syncdeploy lab serve`, one per server: a lab's directory file holds at most about 50,000
# mailboxes), each with the mailboxes of its users and the service account, which may
# impersonate all of them and is never throttled. The users CSV names the three targets in turn
# so that each lab gets a third. The EWS phase is timed by apply itself (its "Exchange: asked
# ..." line) and shown apart; loading the labs is not timed. The labs are stopped by pid however
# the script ends (bench/lab_for_acme.sh, shared with plan_100k.sh).
# Usage: bash bench/apply_100k.sh [N] [path/to/syncdeploy]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
bin=${2:-build-release/syncdeploy}
source bench/lab_for_acme.sh  # the three labs and the benchmarks' set-up
acme_bench_setup apply_100k.sh  # builds $bin if missing; $work, fail(), the EXIT trap, secrets
acme_users_csv "$n" "$work/users.csv"  # the three targets in turn
sed -e 's#^  csv: .*#  csv: users.csv#' examples/acme-prod.yaml > "$work/spec.yaml"
grep -q '^  csv: users.csv' "$work/spec.yaml" ||
  fail "examples/acme-prod.yaml has no users csv line"

# Each lab holds the mailboxes of its third of the users: apply asks for their folder ids.
acme_labs_start "$work/users.csv"

sync
measure() {  # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out" 2> "$work/err" || {
    echo "$label: failed ($?)"; tail -5 "$work/err"; exit 1; }
  read -r secs kb < "$work/time"
  printf '%-34s %6.2f s  %6.0f MB\n' "$label" "$secs" "$((kb / 1024))"
  last=$secs
}
echo "users: $n, binary: $bin"
measure "syncdeploy apply (empty store)" "$bin" apply "$work/spec.yaml" --only nexj --auto-approve
apply_secs=$last
# "Exchange: asked 100003 mailboxes on 3 servers in 12.34 s; not throttled"
ews_line=$(grep '^Exchange: asked ' "$work/err" || true)
ews_secs=$(sed -nE 's/^Exchange: asked [0-9]+ mailboxes? on [0-9]+ servers? in ([0-9.]+) s.*/\1/p' \
  <<<"$ews_line")
[ -n "$ews_secs" ] || fail "apply printed no 'Exchange: asked' line: $(tail -3 "$work/err")"
echo "  of which the EWS phase:         $(printf '%6.2f' "$ews_secs") s  ($ews_line)"
links=$(sqlite3 "$work/state/nexj-config.db" "SELECT count(*) FROM sync_folder_link")
echo "  folder links in the store: $links"
measure "re-plan (no changes)" "$bin" plan "$work/spec.yaml" --only nexj --detailed-exitcode
acme_labs_stop  # idle from here on; the peer runs without them

# The peer: the same rows, the same schema, the sqlite3 shell, one transaction.
sqlite3 "$work/state/nexj-config.db" .schema > "$work/schema.sql"
{
  echo "BEGIN;"
  sqlite3 "$work/state/nexj-config.db" \
    ".mode insert sync_folder_link" "SELECT * FROM sync_folder_link"
  echo "COMMIT;"
} > "$work/links.sql"
# (The shell leaves foreign keys off, so the links need no target rows; syncdeploy checks them.)
sqlite3 "$work/peer.db" < "$work/schema.sql"
sync
measure "sqlite3 shell, same rows" sqlite3 "$work/peer.db" ".read $work/links.sql"
peer_secs=$last
python3 -c "
apply, ews, peer = $apply_secs, $ews_secs, $peer_secs
print(f'ratio apply / shell: {apply / peer:.2f}; without the EWS phase: {(apply - ews) / peer:.2f}'
      ' (target <= 2)')"
