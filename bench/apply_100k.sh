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
# the script ends.
# Usage: bash bench/apply_100k.sh [N] [path/to/syncdeploy]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
bin=${2:-build-release/syncdeploy}
if [ ! -x "$bin" ]; then
  cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DSYNCDEPLOY_TESTS=OFF >/dev/null
  cmake --build build-release -j"$(nproc)" --target syncdeploy >/dev/null
fi
bin=$(realpath "$bin")
work=$(mktemp -d)
lab_pids=()
cleanup() {
  local pid
  for pid in "${lab_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE  # through the EXIT trap: no lab outlives the script
fail() { echo "apply_100k.sh: $*" >&2; exit 1; }

export EXCH_ADMIN_PASSWORD=x NEXJ_SYNC_PASSWORD=y CRM_MAIL_PASSWORD=z
# The targets in turn (column 3; the rows end in CRLF, which the last column keeps).
python3 bench/make_users_csv.py "$n" --all-folders |
  awk -F, -v OFS=, 'BEGIN { split("EXCH01 EXCH02 EXCH-WEST", t, " ") }
    NR > 1 { $3 = t[(NR - 2) % 3 + 1] } 1' > "$work/users.csv"
sed -e 's#^  csv: .*#  csv: users.csv#' examples/acme-prod.yaml > "$work/spec.yaml"
grep -q '^  csv: users.csv' "$work/spec.yaml" ||
  fail "examples/acme-prod.yaml has no users csv line"

# One directory per server: its users' mailboxes (the CSV's and the spec's inline users of its
# target) and the service account of examples/acme-prod.yaml. crm.acme.local (nexj.url) is
# served by the first lab.
python3 - "$work" "$NEXJ_SYNC_PASSWORD" <<'EOF'
import csv, sys
work, password = sys.argv[1], sys.argv[2]
servers = {"EXCH01": ["exch01.acme.local", "crm.acme.local"], "EXCH02": ["exch02.acme.local"],
           "EXCH-WEST": ["mail-west.acme.com"]}
mailboxes = {"EXCH01": ["jsmith@acme.com", "mlee@acme.com"], "EXCH02": [],
             "EXCH-WEST": ["pwright@acme.com"]}
with open(f"{work}/users.csv", newline="") as f:
    for row in csv.DictReader(f):
        mailboxes[row["target"]].append(row["email"])
for i, (target, hosts) in enumerate(servers.items()):
    with open(f"{work}/lab{i}.yaml", "w") as d:
        d.write(f"hostnames: [{', '.join(hosts)}]\n")
        d.write(f"accounts:\n  - {{upn: nexj-sync@acme.local, password: {password}, "
                "impersonation: all, throttling: unlimited}\n")
        d.write("mailboxes:\n")
        d.writelines(f"  - {{smtp: {smtp}}}\n" for smtp in mailboxes[target])
EOF

# The labs load in parallel (a third of 100,000 mailboxes takes about 15 s alone).
for i in 0 1 2; do
  mkdir -p "$work/lab$i"
  "$bin" lab serve --basic --directory "$work/lab$i.yaml" --state "$work/lab$i/state.db" \
    --cert-dir "$work/lab$i/certs" --port-file "$work/lab$i/port" \
    > "$work/lab$i.log" 2>&1 &
  lab_pids+=($!)
done
for i in 0 1 2; do
  for _ in $(seq 3000); do
    [ -s "$work/lab$i/port" ] && break
    kill -0 "${lab_pids[$i]}" 2>/dev/null || fail "lab $i did not start: $(cat "$work/lab$i.log")"
    sleep 0.1
  done
  [ -s "$work/lab$i/port" ] || fail "lab $i wrote no port file in 300 s"
done
to() { echo "127.0.0.1:$(cat "$work/lab$1/port")"; }
connect_to="crm.acme.local:443=$(to 0),exch01.acme.local:443=$(to 0)"
connect_to+=",exch02.acme.local:443=$(to 1),mail-west.acme.com:443=$(to 2)"
export SYNCDEPLOY_CONNECT_TO=$connect_to
# One CA file for the three labs' CAs (it stands for the system roots).
cat "$work"/lab[012]/certs/lab-ca.pem > "$work/lab-cas.pem"
export SSL_CERT_FILE=$work/lab-cas.pem

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
for i in 0 1 2; do  # idle from here on; the peer runs without them
  kill "${lab_pids[$i]}"
  wait "${lab_pids[$i]}" || true
done
lab_pids=()

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
