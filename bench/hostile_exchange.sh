#!/usr/bin/env bash
# A plan of N users (default 1,000) against an Exchange that does not answer, with the CLI's
# own timeouts (connect 10 s, read 60 s) and concurrency (8):
#   1. stall:   the lab with --stall-rate 1 (half of every answer, then silence until the lab
#               drops the connection after 30 s);
#   2. endless: bench/endless_https.py (every answer a chunked body that never ends).
# Prints wall time and peak memory of each `plan` beside the limits issue 12 sets: every user
# unknown with the reason within 5 minutes; memory under 200 MB.
#
# Usage: bash bench/hostile_exchange.sh [USERS] [path/to/syncdeploy]
#   defaults: 1000 build-release/syncdeploy
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
bin=${2:-build-release/syncdeploy}
if [ ! -x "$bin" ]; then
  cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSYNCDEPLOY_TESTS=OFF >/dev/null
  cmake --build build-release --target syncdeploy >/dev/null
fi
bin=$(realpath "$bin")
work=$(mktemp -d)
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=
}
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP PIPE
fail() { echo "hostile_exchange.sh: $*" >&2; exit 1; }
export EXCH_ADMIN_PASSWORD=x NEXJ_SYNC_PASSWORD=sync-pw CRM_MAIL_PASSWORD=z

python3 bench/make_lab_users.py "$n" unlimited "$work/users.csv" "$work/directory.yaml"
sed -e 's#^users:.*#users:\n  csv: users.csv#' examples/quickstart.yaml > "$work/spec.yaml"

wait_port() {  # FILE: the port a server wrote, once it has
  for _ in $(seq 600); do
    [ -s "$1" ] && { cat "$1"; return; }
    kill -0 "$server_pid" 2>/dev/null || fail "the server did not start: $(cat "$work/server.log")"
    sleep 0.1
  done
  fail "no port in 60 s"
}

use_port() {
  export SYNCDEPLOY_CONNECT_TO="exch01.example.local:443=127.0.0.1:$1,crm.example.local:443=127.0.0.1:$1"
  export SSL_CERT_FILE=$work/certs/lab-ca.pem
}

measure() {  # NAME: plans, prints the figures against the limits
  local status=0
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" plan "$work/spec.yaml" --only nexj.folder_link \
    > "$work/plan.txt" 2> "$work/plan.err" || status=$?
  [ "$status" = 0 ] || fail "$1: plan exit $status: $(head -c 600 "$work/plan.err")"
  read -r wall kb < "$work/time"
  printf '%-8s %4s users: %7.1f s (limit 300 s), peak %4d MB (limit 200 MB)\n' \
    "$1" "$n" "$wall" $((kb / 1024))
  printf '         %s\n' "$(grep '^Exchange: asked ' "$work/plan.err")" \
    "$(grep -m1 '^Plan for deployment' "$work/plan.txt")"
  grep -m1 'could not be read: ' "$work/plan.txt" | sed 's/^ */         first: /' || true
}

# 1. The lab, stalling every answer.
"$bin" lab serve --basic --directory "$work/directory.yaml" --state "$work/state.db" \
  --cert-dir "$work/certs" --port-file "$work/lab.port" --stall-rate 1 > "$work/server.log" 2>&1 &
server_pid=$!
use_port "$(wait_port "$work/lab.port")"
measure stall
stop_server

# 2. A server whose answers never end (the lab's certificate, so TLS passes).
python3 bench/endless_https.py "$work/certs/lab-server.pem" "$work/certs/lab-server.key" \
  "$work/endless.port" > "$work/server.log" 2>&1 &
server_pid=$!
use_port "$(wait_port "$work/endless.port")"
measure endless
