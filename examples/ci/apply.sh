#!/usr/bin/env bash
# CI step "apply": applies a plan saved by plan.sh (`syncdeploy apply PLANFILE --auto-approve`),
# exactly that plan: syncdeploy refuses the steps whose object, or the spec, changed since it
# was made. Its output goes to the job log and to apply.log beside the plan.
#
# Passes when the plan was applied (users who cannot sync are a warning: everything but their
# folder links was done). Fails, saying why and what to do next, on an error (nothing was
# changed, exit 1), on refused steps (live state or the spec changed since the plan: exit 4)
# and on an incomplete apply (some actions failed or were skipped: exit 3); docs/cli.md lists
# the exit codes.
#
#   apply.sh PLANFILE [APPLY_OPTION...]       e.g.  apply.sh out/plan.json --lock-timeout 600
#
# Run it from the folder the plan was made in (a relative spec path in the plan is taken from
# there), with the secrets the spec reads with ${env:NAME} in the environment, and with the same
# variable values (--var, --var-file) the plan was made with: other values are another spec,
# and the plan is refused.
set -euo pipefail
prog=apply.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || usage "apply.sh PLANFILE [APPLY_OPTION...]"
plan=$1
shift
[ -f "$plan" ] || { fail "no saved plan at $plan (plan.sh OUTDIR/plan.json)"; exit 1; }
log=$(dirname "$plan")/apply.log

# The output is shown as it comes (an apply can take minutes) and kept for the artifact.
code=0
"$sd" apply "$plan" --auto-approve --no-color "$@" 2>&1 | tee "$log" || code=${PIPESTATUS[0]}

case $code in
0)
  say "applied $plan"
  ;;
5)
  warn "applied $plan, except the folder links of users who cannot sync (no mailbox, or impersonation denied): the plan lists them; they wait for a later apply"
  ;;
4)
  fail "refused: live state or the spec changed since the plan was made, so the steps listed above were not done; make a new plan and apply that"
  exit 1
  ;;
3)
  fail "incomplete: some actions failed or were skipped (listed above), the others were done; the next apply finishes"
  exit 1
  ;;
1)
  fail "error, nothing was changed: $(errors "$log")"
  exit 1
  ;;
*)
  fail "syncdeploy apply exited with $code, not one of its exit codes"
  exit 1
  ;;
esac
