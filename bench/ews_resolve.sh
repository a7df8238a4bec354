#!/usr/bin/env bash
# Folder-id resolution against the Exchange lab over loopback, compared with wrk sending the
# same GetFolder requests (byte for byte the client's, mailbox by mailbox) at the same
# concurrency to the same lab process. Runs alternate between the two so that the machine's
# other load falls on both alike. Then the same resolution with the lab's default throttling
# policy on, to show the time spent throttled, and again once `lab throttling ... unlimited`
# has lifted it.
# Target: syncdeploy's mailboxes per second >= 70% of wrk's requests per second.
#
# Usage: bash bench/ews_resolve.sh [USERS] [CONCURRENCIES] [RUNS] [path/to/syncdeploy]
#   defaults: 40000 "8 16" 7 build-release/syncdeploy
#   environment: THROTTLED_USERS (default 2000), WRK_THREADS (default 2), WRK_SECONDS (default 3),
#   LAB_THREADS (default 2: the lab's own default), PERF_RUNS (default 3; 0: no CPU profile)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-40000}
concurrencies=${2:-8 16}
runs=${3:-7}
bin=${4:-build-release/syncdeploy}
throttled_n=${THROTTLED_USERS:-2000}
wrk_threads=${WRK_THREADS:-2}
wrk_seconds=${WRK_SECONDS:-3}
lab_threads=${LAB_THREADS:-2}
perf_runs=${PERF_RUNS:-3}
account=nexj-sync@example.local  # make_lab_users.py writes this account and its password

for tool in wrk curl; do
  command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }
done
if [ ! -x "$bin" ]; then
  cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DSYNCDEPLOY_TESTS=OFF >/dev/null
  cmake --build build-release --target syncdeploy >/dev/null
fi
bin=$(realpath "$bin")
work=$(mktemp -d)
lab_pid=
cleanup() {
  if [ -n "$lab_pid" ]; then kill "$lab_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE  # through the EXIT trap: the lab must not outlive the script
fail() { echo "ews_resolve.sh: $*" >&2; exit 1; }

load() { cut -d' ' -f1 /proc/loadavg; }  # the 1-minute load average
# The machine's CPU ticks (busy, idle) and context switches so far, for the share of the two
# cores a run kept busy and the context switches per request.
machine() { awk '/^cpu / { printf "%d %d ", $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 } /^ctxt/ { print $2 }' /proc/stat; }
busy_share() {  # BEFORE AFTER (machine's output): "85% busy, 3.1 cs/request" for N requests
  awk -v b="$1" -v a="$2" -v n="$3" 'BEGIN { split(b, x, " "); split(a, y, " ")
    busy = y[1] - x[1]; idle = y[2] - x[2]
    printf "%.0f%% busy, %.1f cs/request", 100 * busy / (busy + idle), (y[3] - x[3]) / n }'
}
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$1/stat"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
best() { sort -g | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

start_lab() {  # USERS THROTTLING(default|unlimited) NAME: a lab and a spec in $work/NAME
  dir=$work/$3
  mkdir -p "$dir"
  python3 bench/make_lab_users.py "$1" "$2" "$dir/users.csv" "$dir/directory.yaml" \
    "$dir/getfolder.lua"
  # The quickstart with its three users plus the CSV (relative to the spec, so beside it).
  sed -e 's#^users:.*#users:\n  csv: users.csv#' examples/quickstart.yaml > "$dir/spec.yaml"
  "$bin" lab serve --basic --directory "$dir/directory.yaml" --state "$dir/state.db" \
    --cert-dir "$dir/certs" --port-file "$dir/port" --threads "$lab_threads" > "$dir/lab.log" 2>&1 &
  lab_pid=$!
  # Loading 40,000 mailboxes into a new state takes about 10 s.
  for _ in $(seq 1200); do
    [ -s "$dir/port" ] && break
    kill -0 "$lab_pid" 2>/dev/null || fail "the lab did not start: $(cat "$dir/lab.log")"
    sleep 0.1
  done
  [ -s "$dir/port" ] || fail "the lab wrote no port file in 120 s"
  port=$(cat "$dir/port")
  export SYNCDEPLOY_CONNECT_TO="exch01.example.local:443=127.0.0.1:$port,crm.example.local:443=127.0.0.1:$port"
  export SSL_CERT_FILE=$dir/certs/lab-ca.pem
}
stop_lab() {  # then prints the lab's last line: "lab: stopped after N requests (T throttled, ...)"
  kill "$lab_pid"
  wait "$lab_pid" 2>/dev/null || true
  lab_pid=
  echo "${1:-}$(tail -1 "$dir/lab.log")"
}

export EXCH_ADMIN_PASSWORD=x NEXJ_SYNC_PASSWORD=sync-pw CRM_MAIL_PASSWORD=z
resolve() {  # CONCURRENCY [PLAN_FILE]: a plan that asks every mailbox again; prints its
  local status=0 line  # "Exchange:" line. The timed runs write the plan to /dev/null.
  /usr/bin/time -f '%U %S' -o "$dir/plan.cpu" "$bin" plan "$dir/spec.yaml" \
    --only nexj.folder_link --refresh --ews-concurrency "$1" > "${2:-/dev/null}" 2> "$dir/plan.err" ||
    status=$?
  line=$(grep '^Exchange: asked ' "$dir/plan.err" || true)
  # Exit 5 (users blocked) or a failed mailbox would time errors, not resolution.
  if [ "$status" -ne 0 ] || [ -z "$line" ] || [[ $line == *"cannot sync"* ]] ||
    [[ $line == *"could not be checked"* ]]; then
    fail "syncdeploy plan (exit $status): $(head -c 600 "$dir/plan.err")"
  fi
  echo "$line"
}
rate() {  # "Exchange: asked N mailboxes on 1 server in S s; ..." -> N / S
  local asked seconds
  asked=$(sed -nE 's/^Exchange: asked ([0-9]+) mailboxes? on [0-9]+ servers? in [0-9.]+ s(;.*)?$/\1/p' <<<"$1")
  seconds=$(sed -nE 's/^Exchange: asked [0-9]+ mailboxes? on [0-9]+ servers? in ([0-9.]+) s(;.*)?$/\1/p' <<<"$1")
  [ -n "$asked" ] && [ -n "$seconds" ] || fail "cannot read the summary line: $1"
  awk -v a="$asked" -v s="$seconds" 'BEGIN { printf "%.0f", (s > 0 ? a / s : 0) }'
}
throttled_time() {  # "...; throttled K times, S s spent throttled" -> "S s"; else "none"
  sed -nE 's/.*; throttled [0-9]+ times?, ([0-9.]+ s) spent throttled$/\1/p' <<<"$1" | grep . || echo none
}

run_syncdeploy() {  # CONCURRENCY; appends the rate to $dir/sd-C
  local before load_now line r lab_ms cpu m0 m1
  sleep 1  # let the previous run's process exit and its sockets close
  load_now=$(load)
  before=$(cpu_ms "$lab_pid")
  m0=$(machine)
  line=$(resolve "$1")
  m1=$(machine)
  lab_ms=$(($(cpu_ms "$lab_pid") - before))
  r=$(rate "$line")
  cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$dir/plan.cpu")
  echo "$r" >> "$dir/sd-$1"
  echo "$load_now" >> "$dir/load-$1"
  printf '  syncdeploy c=%-3s %6s mailboxes/s  (load %s; lab %s µs CPU/request; whole plan %s s CPU; %s)\n' \
    "$1" "$r" "$load_now" "$(awk -v m="$lab_ms" -v n="$((n + 3))" 'BEGIN { printf "%.0f", m * 1000 / n }')" "$cpu" \
    "$(busy_share "$m0" "$m1" "$((n + 3))")"
  echo "      $line"
}
run_wrk() {  # CONCURRENCY; appends the rate to $dir/wrk-C
  local before load_now w count lab_ms cpu m0 m1
  sleep 1
  load_now=$(load)
  before=$(cpu_ms "$lab_pid")
  m0=$(machine)
  /usr/bin/time -f '%U %S' -o "$dir/wrk.cpu" wrk -t"$wrk_threads" -c"$1" -d"${wrk_seconds}s" \
    -s "$dir/getfolder.lua" "https://127.0.0.1:$port/EWS/Exchange.asmx" > "$dir/wrk.txt"
  m1=$(machine)
  lab_ms=$(($(cpu_ms "$lab_pid") - before))
  if grep -qE 'Non-2xx|Socket errors' "$dir/wrk.txt"; then fail "wrk saw errors: $(cat "$dir/wrk.txt")"; fi
  w=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$dir/wrk.txt")
  count=$(awk '/requests in/ { print $1 }' "$dir/wrk.txt")
  [ -n "$w" ] && [ -n "$count" ] || fail "cannot read wrk's output: $(cat "$dir/wrk.txt")"
  cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$dir/wrk.cpu")
  echo "$w" >> "$dir/wrk-$1"
  echo "$load_now" >> "$dir/load-$1"
  printf '  wrk        c=%-3s %6s requests/s   (load %s; lab %s µs CPU/request; wrk %s µs CPU/request; %s)\n' \
    "$1" "$w" "$load_now" "$(awk -v m="$lab_ms" -v n="$count" 'BEGIN { printf "%.0f", m * 1000 / n }')" \
    "$(awk -v c="$cpu" -v n="$count" 'BEGIN { printf "%.0f", c * 1e6 / n }')" "$(busy_share "$m0" "$m1" "$count")"
}

echo "users: $((n + 3)) (each with 3 folders), concurrency: $concurrencies, runs: $runs," \
  "lab threads: $lab_threads, wrk: -t$wrk_threads -d${wrk_seconds}s, $(nproc) cores"
echo "binary: $bin"
start_lab "$n" unlimited bench

# One request by hand: the lab must answer wrk's request with HTTP 200 and three folder ids.
python3 -B -c 'import sys; sys.path.insert(0, "bench"); import make_lab_users as m
sys.stdout.write(m.get_folder_body(m.mailbox(1)))' > "$dir/one.xml"
code=$(curl -sS --cacert "$SSL_CERT_FILE" --connect-to "exch01.example.local:443:127.0.0.1:$port" \
  -u "$account:$NEXJ_SYNC_PASSWORD" -A syncdeploy -H 'Content-Type: text/xml; charset=utf-8' \
  -H 'X-AnchorMailbox: bench000001@example.com' --data-binary @"$dir/one.xml" \
  -o "$dir/one-answer.xml" -w '%{http_code}' https://exch01.example.local/EWS/Exchange.asmx)
ids=$(grep -o '<t:FolderId Id="AAMk' "$dir/one-answer.xml" | wc -l)
[ "$code" = 200 ] && [ "$ids" = 3 ] ||
  fail "the lab answered wrk's request with HTTP $code and $ids folder ids: $(head -c 600 "$dir/one-answer.xml")"
echo "check: the lab answers wrk's GetFolder with HTTP 200 and 3 folder ids"

# Warm up both (the page cache, the lab's allocator), and check that the plan got every id.
resolve 8 "$dir/plan.txt" > /dev/null
links=$(grep -c '^      folderId: "AAMk' "$dir/plan.txt" || true)
[ "$links" = $((3 * n + 6)) ] || fail "the plan carries $links folder ids, not $((3 * n + 6))"
echo "check: the plan carries all $links folder ids"
wrk -t"$wrk_threads" -c8 -d1s -s "$dir/getfolder.lua" "https://127.0.0.1:$port/EWS/Exchange.asmx" > /dev/null

for c in $concurrencies; do
  echo "--- concurrency $c"
  for run in $(seq "$runs"); do
    if [ $((run % 2)) -eq 1 ]; then run_syncdeploy "$c"; run_wrk "$c"; else run_wrk "$c"; run_syncdeploy "$c"; fi
  done
done
# Client CPU per mailbox in the EWS phase: `perf record` of the plan (all threads), counting the
# samples between the first and the last sample of a worker thread (loading, planning and
# rendering fall outside). Untimed runs: perf slows the client.
if [ "$perf_runs" -gt 0 ] && command -v perf >/dev/null; then
  echo "--- client CPU per mailbox, EWS phase (perf, $perf_runs runs per concurrency)"
  for c in $concurrencies; do
    for _ in $(seq "$perf_runs"); do
      perf record -q -e cpu-clock -F 4999 -o "$dir/perf.data" -- "$bin" plan "$dir/spec.yaml" \
        --only nexj.folder_link --refresh --ews-concurrency "$c" > /dev/null 2> "$dir/plan.err" ||
        fail "syncdeploy plan under perf: $(head -c 600 "$dir/plan.err")"
      perf script -i "$dir/perf.data" -F pid,tid,time 2>/dev/null | tr -d ':' | tr '/' ' ' |
        awk -v hz=4999 -v n="$((n + 3))" -v c="$c" -v load="$(load)" '
          { pid[NR] = $1; tid[NR] = $2; t[NR] = $3
            if ($1 != $2) { if (first == "" || $3 < first) first = $3; if ($3 > last) last = $3 } }
          END { for (i = 1; i <= NR; i++) if (t[i] >= first && t[i] <= last) k++
                printf "  syncdeploy c=%-3s %.1f µs CPU/mailbox (load %s)\n", c, k / hz * 1e6 / n, load }'
    done
  done
fi
stop_lab
grep -q '(0 throttled, 0 faults injected)' "$dir/lab.log" || fail "the lab throttled or injected faults"

echo "--- summary: mailboxes/s (syncdeploy) and requests/s (wrk), $runs runs each; a pair is a"
echo "    syncdeploy run and the wrk run next to it"
printf '| concurrency | syncdeploy best | median | wrk best | median | best / best | median / median | pairs: median (range) | load |\n'
printf '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n'
for c in $concurrencies; do
  sb=$(best < "$dir/sd-$c") sm=$(median < "$dir/sd-$c")
  wb=$(best < "$dir/wrk-$c") wm=$(median < "$dir/wrk-$c")
  paste "$dir/sd-$c" "$dir/wrk-$c" | awk '{ printf "%.4f\n", $1 / $2 }' > "$dir/pairs-$c"
  printf '| %s | %.0f | %.0f | %.0f | %.0f | %s | %s | %s (%s–%s) | %s–%s |\n' "$c" "$sb" "$sm" "$wb" "$wm" \
    "$(ratio "$sb" "$wb")" "$(ratio "$sm" "$wm")" "$(median < "$dir/pairs-$c" | xargs printf '%.2f')" \
    "$(sort -g "$dir/pairs-$c" | head -1 | xargs printf '%.2f')" \
    "$(sort -g "$dir/pairs-$c" | tail -1 | xargs printf '%.2f')" \
    "$(sort -g "$dir/load-$c" | head -1)" "$(sort -g "$dir/load-$c" | tail -1)"
done
echo "(target: ratio >= 0.70)"

echo "--- $((throttled_n + 3)) users with the lab's default throttling policy, concurrency 8"
start_lab "$throttled_n" default throttled
echo "load $(load)"
line=$(resolve 8)
echo "  default policy: $line"
echo "  time spent throttled: $(throttled_time "$line")"
"$bin" lab throttling --state "$dir/state.db" --account "$account" unlimited | sed 's/^/  /'
# The lab reloads its state on the first request after the change; requests that arrive while
# that reload runs still see the old policy (about 0.1 s at 2,000 mailboxes). One request by
# hand first, so that the run below measures the lifted policy only.
curl -sS -o /dev/null --cacert "$SSL_CERT_FILE" --connect-to "exch01.example.local:443:127.0.0.1:$port" \
  -u "$account:$NEXJ_SYNC_PASSWORD" -H 'Content-Type: text/xml; charset=utf-8' \
  --data-binary @"$work/bench/one.xml" https://exch01.example.local/EWS/Exchange.asmx
echo "load $(load)"
line=$(resolve 8)
echo "  lifted:         $line"
[[ $line == *"; not throttled" ]] || fail "still throttled after lab throttling ... unlimited"
stop_lab '  '
