#!/usr/bin/env bash
# Plans a spec with N users from CSV (default 100,000 with all three folders -> 300,006 folder
# links with the spec's two inline users) and prints the wall time and peak memory of validate,
# plan (text), plan --verbose, plan --json and plan --markdown (--only nexj: the links; the
# Exchange side is read over WinRS, which the labs do not serve here), with plan's EWS phase
# (folder ids) apart. Target: < 2 s without the EWS phase, < 500 MB. Then, side by side, the
# time and size of the three human-readable plans: the default text (folder links one line per
# user), --verbose (every field of every link) and --markdown, which must stay under 65,536
# characters (GitHub's limit for a comment; the script fails if it does not).
#
# plan checks the TLS of nexj.url and of every EWS endpoint first and asks Exchange for the
# folder ids of every link, so the spec's three Exchange servers are three labs
# (bench/lab_for_acme.sh, shared with apply_100k.sh), each with a third of the users'
# mailboxes; loading them is not timed, and they are stopped by pid however the script ends.
# The users CSV is apply_100k.sh's (targets in turn), so both scripts plan the same links.
# Usage: bash bench/plan_100k.sh [N] [path/to/syncdeploy]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
bin=${2:-build-release/syncdeploy}
source bench/lab_for_acme.sh  # the three labs and the benchmarks' set-up
acme_bench_setup plan_100k.sh  # builds $bin if missing; $work, fail(), the EXIT trap, secrets
acme_users_csv "$n" "$work/users.csv"
sed -e 's#^  csv: .*#  csv: users.csv#' examples/acme-prod.yaml > "$work/spec.yaml"
grep -q '^  csv: users.csv' "$work/spec.yaml" ||
  fail "examples/acme-prod.yaml has no users csv line"
acme_labs_start "$work/users.csv"  # plan asks each server for its users' folder ids

measure() {  # key, label, command...: keeps the output as $work/out.<key> for the comparison
  local key=$1 label=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out.$key" 2> "$work/err" || {
    echo "$label: failed ($?)"; tail -5 "$work/err"; exit 1; }
  read -r secs kb < "$work/time"
  # plan asks Exchange for folder ids; its own line times that phase, shown apart.
  local ews
  ews=$(sed -nE 's/^Exchange: asked .* in ([0-9.]+) s.*/\1/p' "$work/err")
  printf '%-22s %6.2f s  %6.0f MB  output %10s bytes%s\n' "$label" "$secs" "$((kb / 1024))" \
    "$(wc -c < "$work/out.$key")" "${ews:+  (EWS phase $ews s)}"
  eval "secs_$key=\$secs"  # for the side-by-side table
}
echo "users: $n ($(($(wc -l < "$work/users.csv") - 1)) CSV rows), binary: $bin"
measure validate "validate" "$bin" validate "$work/spec.yaml"
measure text "plan (text)" "$bin" plan --no-color "$work/spec.yaml" --only nexj
measure verbose "plan --verbose" "$bin" plan --no-color --verbose "$work/spec.yaml" --only nexj
measure json "plan --json" "$bin" plan --json "$work/spec.yaml" --only nexj
measure markdown "plan --markdown" "$bin" plan --markdown "$work/spec.yaml" --only nexj

# Side by side. Characters, not bytes, are what GitHub counts (the plans hold some non-ASCII).
chars() { LC_ALL=C.UTF-8 wc -m < "$1"; }
echo
printf '%-16s %8s %12s %12s %10s\n' "plan" "wall" "bytes" "characters" "lines"
for key in text verbose markdown; do
  secs_var=secs_$key
  printf '%-16s %6.2f s %12s %12s %10s\n' "$key" "${!secs_var}" "$(wc -c < "$work/out.$key")" \
    "$(chars "$work/out.$key")" "$(wc -l < "$work/out.$key")"
done
md_chars=$(chars "$work/out.markdown")
[ "$md_chars" -lt 65536 ] || fail "plan --markdown is $md_chars characters, not under 65,536"
echo "plan --markdown: $md_chars characters, under 65,536"
