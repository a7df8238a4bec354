# Sourced by bench/apply_100k.sh, plan_100k.sh and import_100k.sh (not run): stands up the
# Exchange side of examples/acme-prod.yaml as three labs (`syncdeploy lab serve`), one per
# Exchange server, because plan and apply check the TLS of nexj.url and of every EWS endpoint
# before anything else (and apply asks each server for folder ids). crm.acme.local (nexj.url)
# is served by the first lab. One lab per server because a lab's directory file holds at most
# about 50,000 mailboxes.
#
# The caller sets $bin (the syncdeploy to run) and calls acme_bench_setup NAME first. Functions:
#   acme_bench_setup NAME        builds syncdeploy into build-release when $bin is missing and
#                                makes $bin absolute; makes the scratch directory $work; defines
#                                fail() (messages start with NAME, exit 1); stops the labs and
#                                removes $work on exit, however the script ends; exports the
#                                demo secrets (EXCH_ADMIN_PASSWORD, NEXJ_SYNC_PASSWORD,
#                                CRM_MAIL_PASSWORD)
#   acme_labs_start [users.csv]  writes the labs' directory files (the service account, which may
#                                impersonate everyone and is never throttled, and the mailboxes:
#                                the spec's inline users plus, with a CSV, each row on its
#                                target's lab), starts the three labs in parallel, waits for
#                                their ports, and exports SYNCDEPLOY_CONNECT_TO and SSL_CERT_FILE
#   acme_labs_stop               stops the labs it started, by pid; safe to call twice
# shellcheck shell=bash

acme_lab_pids=()
acme_bench_name=bench

acme_bench_setup() {
  acme_bench_name=$1
  : "${bin:?set by the caller}"
  if [ ! -x "$bin" ]; then
    cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DSYNCDEPLOY_TESTS=OFF >/dev/null
    cmake --build build-release -j"$(nproc)" --target syncdeploy >/dev/null
  fi
  bin=$(realpath "$bin")
  work=$(mktemp -d)
  trap 'acme_labs_stop; rm -rf "$work"' EXIT
  trap 'exit 130' INT TERM HUP PIPE  # through the EXIT trap: no lab outlives the script
  export EXCH_ADMIN_PASSWORD=x NEXJ_SYNC_PASSWORD=y CRM_MAIL_PASSWORD=z
}

fail() {
  echo "$acme_bench_name: $*" >&2
  exit 1
}

acme_users_csv() {
  # Column 3 is the target; the rows end in CRLF, which the last column keeps.
  python3 bench/make_users_csv.py "$1" --all-folders |
    awk -F, -v OFS=, 'BEGIN { split("EXCH01 EXCH02 EXCH-WEST", t, " ") }
      NR > 1 { $3 = t[(NR - 2) % 3 + 1] } 1' > "$2"
}

acme_labs_start() {
  local csv=${1:-} i
  : "${bin:?set by the caller}" "${work:?set by the caller}"
  # No CSV: only the TLS checks will reach the labs, so they hold only the inline users and
  # start at once (a third of 100,000 mailboxes takes about 15 s to load).
  python3 - "$work" "$NEXJ_SYNC_PASSWORD" "$csv" <<'EOF'
import csv, sys
work, password, users_csv = sys.argv[1], sys.argv[2], sys.argv[3]
servers = {"EXCH01": ["exch01.acme.local", "crm.acme.local"], "EXCH02": ["exch02.acme.local"],
           "EXCH-WEST": ["mail-west.acme.com"]}
mailboxes = {"EXCH01": ["jsmith@acme.com", "mlee@acme.com"], "EXCH02": [],
             "EXCH-WEST": ["pwright@acme.com"]}
if users_csv:
    with open(users_csv, newline="") as f:
        for row in csv.DictReader(f):
            mailboxes[row["target"]].append(row["email"])
for i, (target, hosts) in enumerate(servers.items()):
    # A lab refuses a directory without mailboxes (EXCH02 has no inline user): the service
    # account's own stands in, and no link names it.
    mailboxes[target] = mailboxes[target] or ["nexj-sync@acme.local"]
    with open(f"{work}/lab{i}.yaml", "w") as d:
        d.write(f"hostnames: [{', '.join(hosts)}]\n")
        d.write(f"accounts:\n  - {{upn: nexj-sync@acme.local, password: {password}, "
                "impersonation: all, throttling: unlimited}\n")
        d.write("mailboxes:\n")
        d.writelines(f"  - {{smtp: {smtp}}}\n" for smtp in mailboxes[target])
EOF

  # The labs load in parallel.
  for i in 0 1 2; do
    mkdir -p "$work/lab$i"
    "$bin" lab serve --basic --directory "$work/lab$i.yaml" --state "$work/lab$i/state.db" \
      --cert-dir "$work/lab$i/certs" --port-file "$work/lab$i/port" \
      > "$work/lab$i.log" 2>&1 &
    acme_lab_pids+=($!)
  done
  for i in 0 1 2; do
    for _ in $(seq 3000); do
      [ -s "$work/lab$i/port" ] && break
      kill -0 "${acme_lab_pids[$i]}" 2>/dev/null || fail "lab $i did not start: $(cat "$work/lab$i.log")"
      sleep 0.1
    done
    [ -s "$work/lab$i/port" ] || fail "lab $i wrote no port file in 300 s"
  done
  local to0 to1 to2
  to0=127.0.0.1:$(cat "$work/lab0/port")
  to1=127.0.0.1:$(cat "$work/lab1/port")
  to2=127.0.0.1:$(cat "$work/lab2/port")
  export SYNCDEPLOY_CONNECT_TO="crm.acme.local:443=$to0,exch01.acme.local:443=$to0,exch02.acme.local:443=$to1,mail-west.acme.com:443=$to2"
  # One CA file for the three labs' CAs (it stands for the system roots).
  cat "$work"/lab[012]/certs/lab-ca.pem > "$work/lab-cas.pem"
  export SSL_CERT_FILE=$work/lab-cas.pem
}

acme_labs_stop() {
  local pid
  for pid in "${acme_lab_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  acme_lab_pids=()
}
