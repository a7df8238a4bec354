#!/usr/bin/env bash
# Folder-id resolution against the Exchange lab over loopback, compared with wrk sending the
# same GetFolder request at the same concurrency to the same lab. Then the same resolution with
# the lab's default throttling policy on, to show the time spent throttled.
# Target: syncdeploy's mailboxes per second >= 70% of wrk's requests per second.
# Usage: bash bench/ews_resolve.sh [USERS] [CONCURRENCY] [path/to/syncdeploy]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}
c=${2:-8}
bin=${3:-build-release/syncdeploy}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ ! -x "$bin" ]; then
  cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DSYNCDEPLOY_TESTS=OFF >/dev/null
  cmake --build build-release -j"$(nproc)" --target syncdeploy >/dev/null
fi
bin=$(realpath "$bin")
work=$(mktemp -d)
lab_pid=
cleanup() { [ -n "$lab_pid" ] && kill "$lab_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start_lab() {  # throttling: default | unlimited
  python3 bench/make_lab_users.py "$n" "$1" "$work/users.csv" "$work/directory.yaml"
  rm -rf "$work/lab" && mkdir -p "$work/lab"
  "$bin" lab serve --directory "$work/directory.yaml" --state "$work/lab/state.db" \
    --cert-dir "$work/lab/certs" --port-file "$work/lab/port" --threads 2 > "$work/lab/log" 2>&1 &
  lab_pid=$!
  for _ in $(seq 200); do [ -s "$work/lab/port" ] && break; sleep 0.1; done
  port=$(cat "$work/lab/port")
  export SYNCDEPLOY_CONNECT_TO="exch01.example.local:443=127.0.0.1:$port,crm.example.local:443=127.0.0.1:$port"
  export SSL_CERT_FILE=$work/lab/certs/lab-ca.pem
}
stop_lab() { kill "$lab_pid"; wait "$lab_pid" 2>/dev/null || true; lab_pid=; }

export EXCH_ADMIN_PASSWORD=x NEXJ_SYNC_PASSWORD=sync-pw CRM_MAIL_PASSWORD=z
sed -e 's#^users:.*#users:\n  csv: users.csv#' examples/quickstart.yaml > "$work/spec.yaml"
resolve() {  # prints the EWS summary line of a plan that asks every mailbox again
  "$bin" plan "$work/spec.yaml" --only nexj.folder_link --refresh --ews-concurrency "$c" \
    > "$work/plan.txt" 2> "$work/plan.err" || [ $? -eq 5 ]
  grep '^Exchange: ' "$work/plan.err"
}
rate() {  # "Exchange: asked N mailboxes on 1 server in S s..." -> N / S
  sed -E 's/^Exchange: asked ([0-9]+) mailbox(es)? on [0-9]+ servers? in ([0-9.]+) s.*/\1 \3/' |
    awk '{ printf "%.0f", $1 / $2 }'
}

echo "users: $((n + 3)), concurrency: $c, binary: $bin, lab threads: 2"
start_lab unlimited
resolve > /dev/null  # warm up: the lab's cache, the page cache
best=0
for run in 1 2 3; do
  line=$(resolve)
  r=$(echo "$line" | rate)
  echo "syncdeploy run $run: $line ($r mailboxes/s)"
  [ "$r" -gt "$best" ] && best=$r
done
blocked=$(grep -c 'cannot sync' "$work/plan.txt" || true)
ids=$(grep -c 'folderId' "$work/plan.txt" || true)
echo "  plan: $ids folder links carry a folder id, $blocked blocked"

# wrk: the same request (a GetFolder of calendar, tasks and contacts as one mailbox, with the
# same headers), the same number of connections, over TLS to the same lab.
auth=$(printf 'nexj-sync@example.local:sync-pw' | base64)
body='<?xml version="1.0" encoding="utf-8"?>\n<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/><t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>bench000001@example.com</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation></soap:Header><soap:Body><m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/><t:DistinguishedFolderId Id="tasks"/><t:DistinguishedFolderId Id="contacts"/></m:FolderIds></m:GetFolder></soap:Body></soap:Envelope>\n'
cat > "$work/getfolder.lua" <<LUA
wrk.method = "POST"
wrk.body = "$(printf '%s' "$body" | sed 's/"/\\"/g')"
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
wrk.headers["Authorization"] = "Basic $auth"
wrk.headers["X-AnchorMailbox"] = "bench000001@example.com"
wrk.headers["User-Agent"] = "syncdeploy"
LUA
wrk_best=0
for run in 1 2 3; do
  wrk -t2 -c"$c" -d10s -s "$work/getfolder.lua" "https://127.0.0.1:$port/EWS/Exchange.asmx" \
    > "$work/wrk.txt"
  w=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$work/wrk.txt")
  non2xx=$(awk '/Non-2xx/ { print $NF }' "$work/wrk.txt")
  echo "wrk run $run: $w requests/s${non2xx:+ ($non2xx non-2xx!)}"
  [ "$w" -gt "$wrk_best" ] && wrk_best=$w
done
echo "best: syncdeploy $best mailboxes/s, wrk $wrk_best requests/s," \
  "ratio $(awk -v a="$best" -v b="$wrk_best" 'BEGIN { printf "%.2f", a / b }') (target >= 0.70)"
stop_lab

echo "--- the same with the lab's default throttling policy (burst, recharge, concurrency):"
start_lab default
resolve
stop_lab
