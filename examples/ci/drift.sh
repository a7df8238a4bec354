#!/usr/bin/env bash
# CI step "drift" (scheduled): compares live state with the spec (`syncdeploy diff --json`,
# read-only) and keeps the report as OUTDIR/drift.json (format: docs/plan-format.md) and
# syncdeploy's standard error as OUTDIR/drift.log.
#
# Passes when live state matches the spec. Fails on drift (exit 2: someone changed something
# behind the tool's back, listed in the log) and on an error (exit 1: the spec, a secret, or
# objects that could not be read, whose drift is therefore not known).
#
#   drift.sh SPEC OUTDIR [DIFF_OPTION...]     e.g.  drift.sh deploy/spec.yaml out --only nexj
#
# The secrets the spec reads with ${env:NAME} must be in the environment.
set -euo pipefail
prog=drift.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -ge 2 ] || usage "drift.sh SPEC OUTDIR [DIFF_OPTION...]"
spec=$1 out=$2
shift 2
mkdir -p "$out"
report=$out/drift.json log=$out/drift.log
rm -f "$report" "$log"

code=0
"$sd" diff "$spec" --json "$@" >"$report" 2>"$log" || code=$?
cat "$log" >&2

# count NAME: a member of the report's summary (its first line, as docs/plan-format.md has it).
count() { sed -n "1s/.*\"$1\":\([0-9]*\).*/\1/p" "$report"; }
# One line per object that differs; the report has one per line, so no JSON tool is needed.
list_drift() {
  sed -n 's/^{"address":"\([^"]*\)","kind":"\([^"]*\)".*"reason":"\(.*\)"}[],]*$/  \2  \1: \3/p' "$report"
}

case $code in
0)
  say "no drift: live state matches the spec ($(count checked) objects checked)"
  ;;
2)
  list_drift
  fail "drift: $(count differ) object(s) differ from the spec ($(count missing) missing, $(count changed) changed, $(count unexpected) unexpected, $(count blocked) blocked); the report is $report"
  exit 1
  ;;
1)
  if [ -s "$report" ]; then list_drift; fi
  fail "error, so the drift is not known: $(errors "$log")"
  exit 1
  ;;
*)
  fail "syncdeploy diff exited with $code, not one of its exit codes"
  exit 1
  ;;
esac
