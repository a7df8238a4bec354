#!/usr/bin/env bash
# Fails, naming the file and the include, when code includes a folder its layer may not use.
# The layers, lowest first (docs/architecture.md): each folder may include itself and the
# folders listed for it, nothing above. The lab stands on base/ and protocol/ only, so that the
# test oracle shares no code with the tool it tests. Lists with no cycle make a graph with none.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
  [base]="base"
  [spec]="base spec"
  [plan]="base spec plan"
  [exchange]="base spec plan exchange"
  [render]="base spec plan render"
  [protocol]="base protocol"
  [protocol/psrp]="base protocol protocol/psrp"
  [runtime]="base spec plan runtime"
  [runtime/http]="base protocol runtime/http"
  [runtime/nexj]="base spec plan runtime runtime/nexj"
  [runtime/exchange]="base spec plan exchange protocol protocol/psrp runtime runtime/http runtime/exchange"
  [engine]="base spec plan exchange render protocol protocol/psrp runtime runtime/http runtime/nexj runtime/exchange engine"
  [lab/exchange]="base lab/exchange"
  [lab/powershell]="base protocol lab/exchange lab/powershell"
  [lab/state]="base protocol lab/exchange lab/state"
  [lab/ews]="base protocol lab/exchange lab/state lab/ews"
  [lab/server]="base protocol protocol/psrp lab/exchange lab/powershell lab/state lab/ews lab/server"
  [cli]="base spec plan render protocol protocol/psrp engine lab/server cli"
)

bad=0
while IFS= read -r file; do
  folder=$(dirname "$file")
  if [ -z "${allowed[$folder]+x}" ]; then
    echo "layers: $file is in $folder/, which has no layer (add it to scripts/check_layers.sh)"
    bad=1
    continue
  fi
  while IFS= read -r included; do
    target=$(dirname "$included")
    [ "$target" = "." ] && continue  # generated headers (spec_schema_text.h)
    ok=0
    for layer in ${allowed[$folder]}; do [ "$target" = "$layer" ] && ok=1; done
    if [ $ok = 0 ]; then
      echo "layers: $file includes $included: $folder/ may use only ${allowed[$folder]}"
      bad=1
    fi
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
done < <(find base spec plan exchange render protocol runtime engine lab cli \
           -name '*.cc' -o -name '*.h' | sort)
[ $bad = 0 ] && echo "layers: every include goes down"
exit $bad
