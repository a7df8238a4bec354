#!/usr/bin/env bash
# Posts plan.sh's Markdown as the pull request's plan comment, or updates the comment posted
# for an earlier push, so that a pull request has one plan comment, always the latest. The
# comment is found by its first line, "<!-- syncdeploy plan -->", among the comments of its
# author (the workflow's token: github-actions[bot]). Uses the gh CLI that GitHub's runners have.
#
#   github-comment.sh MARKDOWN
#
# Environment: GH_TOKEN (the workflow's github.token, with pull-requests: write), GH_REPO
# (owner/name), PR_NUMBER; SYNCDEPLOY_COMMENT_AUTHOR when the token is not the workflow's own
# (e.g. a bot account's).
set -euo pipefail
prog=github-comment.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || usage "github-comment.sh MARKDOWN"
md=$1
: "${GH_REPO:?owner/name of the repository}" "${PR_NUMBER:?the pull request number}"
author=${SYNCDEPLOY_COMMENT_AUTHOR:-github-actions[bot]}

[ -s "$md" ] || { fail "no Markdown plan at $md: plan.sh did not get that far"; exit 1; }
if [ "$(head -n 1 "$md")" != "$plan_marker" ]; then
  fail "$md does not begin with $plan_marker, so its comment could not be found again"
  exit 1
fi

# Every page of the comments; --jq runs on each page, so there is one id per line.
ids=$(gh api --paginate "repos/$GH_REPO/issues/$PR_NUMBER/comments" \
  --jq ".[] | select(.user.login == \"$author\" and (.body | startswith(\"$plan_marker\"))) | .id")
id=${ids%%$'\n'*}

# -F body=@FILE sends the file's text as the JSON string "body".
if [ -n "$id" ]; then
  gh api --method PATCH "repos/$GH_REPO/issues/comments/$id" -F "body=@$md" --silent
  say "updated the plan comment $id on pull request #$PR_NUMBER"
else
  gh api --method POST "repos/$GH_REPO/issues/$PR_NUMBER/comments" -F "body=@$md" --silent
  say "posted the plan comment on pull request #$PR_NUMBER"
fi
