#!/usr/bin/env bash
# Fails, naming the files, when a C++ file is not formatted as .clang-format says.
set -euo pipefail
cd "$(dirname "$0")/.."
# Exit 77 tells CTest the check was skipped (scripts/setup.sh installs clang-format).
command -v clang-format >/dev/null || { echo "clang-format not found: check skipped"; exit 77; }
bad=()
while IFS= read -r file; do
  clang-format --dry-run --Werror "$file" >/dev/null 2>&1 || bad+=("$file")
done < <(git ls-files '*.cc' '*.h' 2>/dev/null || find compiler runtime cli tests -name '*.cc' -o -name '*.h')
if [ ${#bad[@]} -gt 0 ]; then
  printf 'not formatted (run clang-format -i on them): %s\n' "${bad[@]}"
  exit 1
fi
echo "format: all files formatted"
