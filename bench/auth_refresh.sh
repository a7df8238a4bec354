#!/usr/bin/env bash
# A folder-id refresh of USERS mailboxes against the Exchange lab, signed in with Kerberos (a real
# MIT KDC, scripts/lab_realm.sh) and with Basic, side by side against the same lab process, runs
# alternating so that the machine's other load falls on both alike. Authentication is per
# connection, so Kerberos costs one handshake per connection, not one per request.
# Target (issue 14): Kerberos's mailboxes per second >= 90% of Basic's.
#
# Usage: bash bench/auth_refresh.sh [USERS] [RUNS] [CONCURRENCY] [path/to/syncdeploy]
#   defaults: 1000 5 8 build-release/syncdeploy
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
runs=${2:-5}
concurrency=${3:-8}
bin=${4:-build-release/syncdeploy}
if [ ! -x "$bin" ]; then
  cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DSYNCDEPLOY_TESTS=OFF >/dev/null
  cmake --build build-release --target syncdeploy >/dev/null
fi
bin=$(realpath "$bin")
root=$PWD
work=$(mktemp -d)
lab_pid=
cleanup() {
  if [ -n "$lab_pid" ]; then kill "$lab_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  bash "$root/scripts/lab_realm.sh" stop "$work/realm" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE
fail() { echo "auth_refresh.sh: $*" >&2; exit 1; }

export EXCH_ADMIN_PASSWORD=admin-pw NEXJ_SYNC_PASSWORD=sync-pw CRM_MAIL_PASSWORD=mail-pw
bash scripts/lab_realm.sh start "$work/realm" --user "nexj-sync:$NEXJ_SYNC_PASSWORD" \
  --user "deploy-admin:$EXCH_ADMIN_PASSWORD" >/dev/null
export KRB5_CONFIG=$work/realm/krb5.conf KRB5CCNAME=FILE:$work/realm/ccache

python3 bench/make_lab_users.py "$n" unlimited "$work/users.csv" "$work/directory.yaml" \
  "$work/getfolder.lua"
# The quickstart with its users from the CSV; one copy signs in to EWS with Basic (as it is),
# the other with Kerberos.
sed -e 's#^users:.*#users:\n  csv: users.csv#' examples/quickstart.yaml > "$work/basic.yaml"
sed -e '/^  serviceAccount:/,/^  impersonation:/s/^    auth: basic .*$/    auth: kerberos/' \
  "$work/basic.yaml" > "$work/kerberos.yaml"
grep -q '^    auth: kerberos' "$work/kerberos.yaml" || fail "could not make the Kerberos spec"

# The service account's throttling is unlimited (make_lab_users.py): the benchmark measures
# authentication and transport, not the throttling budget.
"$bin" lab serve --basic --keytab "$work/realm/http.keytab" --ntlm-users "$work/realm/ntlm-users" \
  --directory "$work/directory.yaml" --state "$work/state.db" --cert-dir "$work/certs" \
  --port-file "$work/port" > "$work/lab.log" 2>&1 &
lab_pid=$!
for _ in $(seq 600); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || fail "the lab did not start: $(cat "$work/lab.log")"
port=$(cat "$work/port")
export SYNCDEPLOY_CONNECT_TO="exch01.example.local:443=127.0.0.1:$port,crm.example.local:443=127.0.0.1:$port"
export SSL_CERT_FILE=$work/certs/lab-ca.pem

rate() {  # SPEC: a refresh; prints mailboxes per second from the "Exchange: asked" line
  local line status=0
  (cd "$work" && "$bin" plan "$1" --only nexj.folder_link --refresh \
    --ews-concurrency "$concurrency" > /dev/null 2> "$work/plan.err") || status=$?
  line=$(grep '^Exchange: asked ' "$work/plan.err" || true)
  if [ "$status" -ne 0 ] || [ -z "$line" ] || [[ $line == *"could not be checked"* ]] ||
    [[ $line == *"cannot sync"* ]]; then
    fail "plan $1 (exit $status): $(head -c 600 "$work/plan.err")"
  fi
  sed -nE 's/^Exchange: asked ([0-9]+) mailboxes? on [0-9]+ servers? in ([0-9.]+) s.*$/\1 \2/p' \
    <<<"$line" | awk '{ printf "%.0f", ($2 > 0 ? $1 / $2 : 0) }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

rate basic.yaml >/dev/null  # warm-up: the state's pages and the lab's caches
: > "$work/basic.rates"
: > "$work/kerberos.rates"
for _ in $(seq "$runs"); do
  rate basic.yaml >> "$work/basic.rates"; echo >> "$work/basic.rates"
  rate kerberos.yaml >> "$work/kerberos.rates"; echo >> "$work/kerberos.rates"
done
basic=$(median < "$work/basic.rates")
kerberos=$(median < "$work/kerberos.rates")
echo "folder-id refresh of $n mailboxes, $concurrency connections, median of $runs runs each:"
printf '  %-9s %8s mailboxes/s   (runs: %s)\n' basic "$basic" "$(tr '\n' ' ' < "$work/basic.rates")"
printf '  %-9s %8s mailboxes/s   (runs: %s)\n' kerberos "$kerberos" "$(tr '\n' ' ' < "$work/kerberos.rates")"
awk -v k="$kerberos" -v b="$basic" 'BEGIN { r = k / b; printf "  kerberos / basic = %.2f (target >= 0.90): %s\n", r, (r >= 0.90 ? "met" : "NOT met") }'
