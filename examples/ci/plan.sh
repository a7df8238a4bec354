#!/usr/bin/env bash
# CI step "plan": validates the spec, plans it against live state and keeps what a review needs
# in OUTDIR: plan.md (the pull- or merge-request comment, first line "<!-- syncdeploy plan -->"),
# plan.json (the saved plan that apply.sh applies), plan.log (syncdeploy's standard error).
#
# Passes when the plan can be applied, with or without changes (users who cannot sync are
# a warning: their folder links wait, the rest can go ahead). Fails, saying why, when the spec
# is invalid, when the plan cannot be applied (an object that could not be read, a failed
# precondition) and on any other error: exit codes as docs/cli.md lists them, through
# `plan --detailed-exitcode` (0 in sync, 2 changes pending, 1 cannot be applied or error).
#
#   plan.sh SPEC OUTDIR [PLAN_OPTION...]      e.g.  plan.sh deploy/spec.yaml out --only nexj
#
# The secrets the spec reads with ${env:NAME} must be in the environment (the CI's secret store).
# OUTDIR/result holds one word for the jobs that follow: in-sync, pending, review-only (made
# --without-secrets), unappliable, invalid or error; on GitHub Actions also the step output `result`.
set -euo pipefail
prog=plan.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -ge 2 ] || usage "plan.sh SPEC OUTDIR [PLAN_OPTION...]"
spec=$1 out=$2
shift 2
mkdir -p "$out"
md=$out/plan.md json=$out/plan.json log=$out/plan.log
# A file left by an earlier run must never pass for this run's plan.
rm -f "$md" "$json" "$log" "$out/result"

# GitHub's limit for a comment is 65,536 characters; bytes are never fewer than characters.
max_comment=65536

# finish RESULT STATUS: records the result for later jobs and ends the step.
finish() {
  echo "$1" >"$out/result"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "result=$1" >>"$GITHUB_OUTPUT"; fi
  exit "$2"
}

# failure_comment TITLE: a comment that says why there is no plan to review. Without it the
# comment of an earlier push would stay on the pull request as if it were still the plan.
failure_comment() {
  {
    echo "$plan_marker"
    echo "### syncdeploy: $1"
    echo
    echo '````text'
    head -c 20000 "$log"
    echo '````'
  } >"$md"
}

# The spec's variable values (--var NAME=VALUE, --var-file FILE) go to validate too: a spec is
# valid only with the values it is planned with.
variables=()
options=("$@")
for ((i = 0; i < ${#options[@]}; i++)); do
  case ${options[i]} in
  --var | --var-file) variables+=("${options[i]}" "${options[i + 1]:-}") && i=$((i + 1)) ;;
  --var=* | --var-file=*) variables+=("${options[i]}") ;;
  esac
done

# Validation first: it reads no secret and asks no live system, and its errors point at
# file:line:col, which is what the author of a broken spec needs.
code=0
"$sd" validate "$spec" "${variables[@]}" >"$log" 2>&1 || code=$?
if [ "$code" != 0 ]; then
  cat "$log" >&2
  if [ "$code" = 1 ]; then
    failure_comment "the spec is invalid"
    fail "the spec is invalid (the errors of syncdeploy validate are above)"
    finish invalid 1
  fi
  failure_comment "error"
  fail "syncdeploy validate exited with $code (not an exit code of syncdeploy's: is SYNCDEPLOY right?)"
  finish error 1
fi

code=0
"$sd" plan "$spec" --markdown -out "$json" --detailed-exitcode "$@" >"$md" 2>"$log" || code=$?
# Its warnings, its errors and the line about the mailboxes asked belong in the job log.
cat "$log" >&2
# The saved plan as text, for whoever reads the log; `show` reads only the file.
if [ -s "$json" ]; then
  "$sd" show "$json" --no-color || warn "syncdeploy show could not print $json"
fi

# Exit 1 with a saved plan: it was made, and says why it cannot be applied (the Markdown too);
# without one, something failed before a plan could be made.
why=$(errors "$log")
unappliable=false
if [ "$code" = 1 ] && [ -s "$json" ] && [ -s "$md" ]; then
  unappliable=true
  [[ $why == "the plan cannot be applied"* ]] || why="the plan cannot be applied: ${why:-see the log above}"
fi

# The comment must begin with the marker (the comment scripts look for it) and fit in a comment.
if [ -s "$md" ] && [ "$(head -n 1 "$md")" != "$plan_marker" ]; then
  fail "the Markdown plan does not begin with the line $plan_marker"
  finish error 1
fi
if [ -s "$md" ] && [ "$(wc -c <"$md")" -ge "$max_comment" ]; then
  warn "the Markdown plan is $(wc -c <"$md") bytes, over a comment's limit: the comment says so instead"
  printf '%s\n### syncdeploy: the plan is too large for a comment\n\nSee the job artifact plan.json (`syncdeploy show plan.json`).\n' \
    "$plan_marker" >"$md"
fi

# A plan made --without-secrets (a pipeline that gets no secrets) is for review only: it says
# it cannot be applied, and the job passes on its other merits.
if { [ "$code" = 0 ] || [ "$code" = 2 ]; } && [ -s "$json" ] && grep -q '"applyable":false' "$json"; then
  say "planned without secrets: for review only, it cannot be applied (saved as $json)"
  finish review-only 0
fi

case $code in
0)
  say "no changes: live state matches the spec"
  finish in-sync 0
  ;;
2)
  if grep -q 'cannot sync' "$log"; then
    warn "some users cannot sync (no mailbox, or impersonation denied): their folder links are blocked and listed in the plan; everything else can be applied"
  fi
  say "changes pending: the plan can be applied (saved as $json)"
  finish pending 0
  ;;
1)
  if $unappliable; then
    fail "$why"
    finish unappliable 1
  fi
  failure_comment "error"
  fail "syncdeploy plan failed: ${why:-see the log above}"
  finish error 1
  ;;
*)
  failure_comment "error"
  fail "syncdeploy plan exited with $code, which --detailed-exitcode should not give"
  finish error 1
  ;;
esac
