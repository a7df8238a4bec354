# shellcheck shell=bash disable=SC2034,SC2154  # its variables are used, and prog set, by the scripts that source it
# Sourced by the CI scripts in this folder, not run: how they name the syncdeploy binary and
# how they report. Every CI shows these lines in its job log; on GitHub Actions the warnings and
# errors are also workflow commands, so that they appear as annotations on the run and on the
# pull request without anyone opening the log.

# SYNCDEPLOY: the syncdeploy binary; by default the one on PATH.
sd=${SYNCDEPLOY:-syncdeploy}
# The first line of every plan comment: how the comment scripts find their earlier comment.
plan_marker='<!-- syncdeploy plan -->'

# A workflow command's message must not contain raw %, CR or LF (GitHub's escaping rules).
gh_escape() {
  local s=${1//'%'/%25}
  s=${s//$'\r'/%0D}
  printf '%s' "${s//$'\n'/%0A}"
}

say() { printf '%s: %s\n' "$prog" "$*"; }

warn() {
  if [ "${GITHUB_ACTIONS:-}" = true ]; then
    printf '::warning title=%s::%s\n' "$prog" "$(gh_escape "$*")"
  else
    printf '%s: warning: %s\n' "$prog" "$*" >&2
  fi
}

# fail MESSAGE: reports why the step fails (the caller exits).
fail() {
  if [ "${GITHUB_ACTIONS:-}" = true ]; then
    printf '::error title=%s::%s\n' "$prog" "$(gh_escape "$*")"
  else
    printf '%s: FAILED: %s\n' "$prog" "$*" >&2
  fi
}

# errors LOG: syncdeploy's error lines in LOG, at most five, on one line: "syncdeploy: error: X"
# as X, a spec's "file:line:col: error: X" as it is.
errors() {
  grep -E '(^|: )error: ' "$1" | head -n 5 | sed 's/^syncdeploy: error: //' | paste -sd ';' - |
    sed 's/;/; /g' || true
}

usage() {
  printf 'usage: %s\n' "$1" >&2
  exit 64
}
