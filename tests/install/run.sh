#!/usr/bin/env bash
# Installs syncdeploy the two ways a site would and uses what was installed, so that a packaging
# mistake (a file left out or misplaced, a wrong Depends, a man page that does not render, a
# completion that does not load or has drifted from the options) fails here, not on a server:
#   1. `cmake --install BUILD --prefix SCRATCH`: every file where docs/install.md says;
#   2. `cpack -G DEB` into a scratch folder: the control fields, Depends naming the package of
#      every library the binary links, then `dpkg --root` installs the .deb into a scratch root
#      (no chroot: the binary runs on the host's libraries, which Depends names) and removes it;
#   3. from that root: `syncdeploy version`, `validate` on the installed examples, the man page
#      rendered without a warning, the bash completion sourced and asked (commands, options,
#      files), the zsh completion parsed and asked in a real zsh (zsh/zpty).
# The options, commands, environment variables and exit codes are taken from the binary's
# `help` and docs/cli.md, so the man page and completions cannot fall behind them unnoticed.
#
#   bash tests/install/run.sh BUILD_DIR [CMAKE [CPACK]]
# Exit 0 passed, 1 failed (with what), 77 skipped (a packaging tool is missing: scripts/setup.sh).
set -euo pipefail

build=$(cd "${1:?usage: run.sh BUILD_DIR [CMAKE [CPACK]]}" && pwd)
cmake=${2:-cmake}
cpack=${3:-cpack}
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
export LC_ALL=C.UTF-8

fail() {
  echo "install test: FAIL: $*" >&2
  exit 1
}
for tool in "$cmake" "$cpack" dpkg dpkg-deb dpkg-shlibdeps readelf gzip man groff lexgrog; do
  command -v "$tool" >/dev/null || {
    echo "install test: skip: $tool is not installed (scripts/setup.sh)" >&2
    exit 77
  }
done
[ -x "$build/syncdeploy" ] || fail "$build/syncdeploy is not built"

tmp=$(mktemp -d /tmp/syncdeploy-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Phase timings, printed at the end (the test must stay quick: cpack strips and compresses).
now() { date +%s.%N; }
started=$(now)
timings=()
phase_done() { timings+=("$1 $(awk -v a="$phase_start" -v b="$(now)" 'BEGIN{printf "%.1fs", b-a}')"); }

version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[ -n "$version" ] || fail "no CPACK_PACKAGE_VERSION in $build/CPackConfig.cmake"

# --- 1. cmake --install ----------------------------------------------------------------------
phase_start=$(now)
prefix=$tmp/prefix
"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
  fail "cmake --install failed: $(cat "$tmp/install.log")"

# check_layout ROOT: the files of an installation under ROOT (a prefix: bin, share).
check_layout() {
  local root=$1 f
  for f in bin/syncdeploy share/man/man1/syncdeploy.1.gz share/syncdeploy/schema/spec.schema.json \
    share/syncdeploy/schema/plan.schema.json share/syncdeploy/examples/quickstart.yaml \
    share/bash-completion/completions/syncdeploy share/zsh/vendor-completions/_syncdeploy; do
    [ -s "$root/$f" ] || fail "$root/$f is missing or empty"
  done
  [ -x "$root/bin/syncdeploy" ] || fail "$root/bin/syncdeploy is not executable"
  gzip -t "$root/share/man/man1/syncdeploy.1.gz" || fail "the man page is not a valid gzip file"
  # Installed as they are in the source tree (the binary embeds the same spec schema).
  for f in spec.schema.json plan.schema.json; do
    cmp -s "$source_dir/schema/$f" "$root/share/syncdeploy/schema/$f" ||
      fail "$root/share/syncdeploy/schema/$f differs from schema/$f"
  done
  cmp -s "$source_dir/completions/syncdeploy.bash" "$root/share/bash-completion/completions/syncdeploy" ||
    fail "the installed bash completion differs from completions/syncdeploy.bash"
  cmp -s "$source_dir/completions/_syncdeploy" "$root/share/zsh/vendor-completions/_syncdeploy" ||
    fail "the installed zsh completion differs from completions/_syncdeploy"
  while read -r f; do
    cmp -s "$source_dir/examples/$f" "$root/share/syncdeploy/examples/$f" ||
      fail "examples/$f is not installed as it is"
  done < <(cd "$source_dir/examples" && find . -type f)
  if [ -x "$source_dir/examples/ci/plan.sh" ] && [ ! -x "$root/share/syncdeploy/examples/ci/plan.sh" ]; then
    fail "the example CI scripts are installed without their execute bit"
  fi
}
check_layout "$prefix"
phase_done "cmake --install"

# --- 2. the Debian package ---------------------------------------------------------------------
phase_start=$(now)
"$cpack" --config "$build/CPackConfig.cmake" -G DEB -B "$tmp/package" >"$tmp/cpack.log" 2>&1 ||
  fail "cpack -G DEB failed: $(cat "$tmp/cpack.log")"
debs=("$tmp"/package/syncdeploy_*.deb)
if [ ${#debs[@]} != 1 ] || [ ! -f "${debs[0]}" ]; then
  fail "cpack made no single syncdeploy_*.deb: $(ls "$tmp/package")"
fi
deb=${debs[0]}
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = syncdeploy ] || fail "Package is '$(field Package)', not syncdeploy"
[ "$(field Version)" = "$version" ] || fail "Version is '$(field Version)', not the project's $version"
[ "$(field Section)" = admin ] || fail "Section is '$(field Section)', not admin"
name_email='^[^<]+ <[^@>]+@[^>]+>$'
[[ $(field Maintainer) =~ $name_email ]] || fail "Maintainer '$(field Maintainer)' is not 'Name <email>'"
[ -n "$(field Description)" ] || fail "no Description"
depends=$(field Depends)
[[ $depends == *libc6* ]] || fail "Depends does not name libc6 (is dpkg-shlibdeps run?): '$depends'"
phase_done "cpack"

phase_start=$(now)
root=$tmp/root
# As root, dpkg installs into a scratch database: the root has none of the libraries
# (--force-depends; the host has them, checked below), and a host's path-exclude (Docker
# images drop /usr/share/man) must not apply here (--path-include, read after the host's
# settings). Others cannot give files to root: the package is only unpacked.
as_root=false
[ "$(id -u)" = 0 ] && as_root=true
dpkg_root=(dpkg --root="$root" --force-not-root --force-depends --path-include='/*')
if $as_root; then
  mkdir -p "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/info"
  : >"$root/var/lib/dpkg/status"
  "${dpkg_root[@]}" -i "$deb" >"$tmp/dpkg.log" 2>&1 ||
    fail "dpkg -i into the scratch root failed: $(cat "$tmp/dpkg.log")"
  [ "$(dpkg --root="$root" -s syncdeploy | sed -n 's/^Status: //p')" = "install ok installed" ] ||
    fail "dpkg does not list syncdeploy as installed in the scratch root"
else
  echo "install test: note: not root: the package is unpacked (dpkg-deb -x), not installed" >&2
  dpkg-deb -x "$deb" "$root" || fail "dpkg-deb -x failed"
fi
check_layout "$root/usr"

# Depends names the package of every library the binary links (its NEEDED entries), as
# installed on this host: what `apt install ./syncdeploy_*.deb` would pull in elsewhere.
# The package names of Depends, one a line (versions and alternatives' bars dropped).
depends_names=$(sed 's/^ *//; s/[ (].*//' <<<"${depends//[,|]/$'\n'}")
binary=$root/usr/bin/syncdeploy
ldd "$binary" >"$tmp/ldd" || fail "ldd $binary failed"
paths=()
for soname in $(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  path=$(awk -v so="$soname" '$1 == so && $3 ~ /^\// {print $3}' "$tmp/ldd")
  [ -n "$path" ] || fail "$soname (NEEDED) is not found by ldd"
  paths+=("$path")
done
[ ${#paths[@]} -gt 0 ] || fail "readelf finds no NEEDED library in $binary"
# One dpkg -S for all (each reads every package's file list). Debian 12 has merged /usr: a
# library's package may list it under /lib or /usr/lib, whichever ldd printed.
dpkg -S "${paths[@]}" "${paths[@]/#//usr}" >"$tmp/owners" 2>/dev/null || true
for path in "${paths[@]}"; do
  package=$(awk -v a="$path" -v b="/usr$path" '{p = $0; sub(/^[^ ]*: /, "", p)}
    p == a || p == b {sub(/:.*/, ""); print; exit}' "$tmp/owners")
  [ -n "$package" ] || fail "no installed package owns $path"
  grep -qxF "$package" <<<"$depends_names" || fail "Depends lacks $package (for $path): '$depends'"
done
phase_done "install the .deb"

# --- 3. what was installed works ---------------------------------------------------------------
phase_start=$(now)
out=$("$binary" version) || fail "syncdeploy version failed"
[[ $out == "syncdeploy $version "* ]] || fail "syncdeploy version says '$out', not $version"
examples=$root/usr/share/syncdeploy/examples
"$binary" validate "$examples"/*.yaml >"$tmp/validate.log" 2>&1 ||
  fail "validate of the installed examples failed: $(cat "$tmp/validate.log")"
# An example's `# yaml-language-server: $schema=PATH` line (docs/install.md) must lead to the
# installed schema from where the example is installed.
for spec in "$examples"/*.yaml; do
  # shellcheck disable=SC2016 # a literal $schema
  schema=$(sed -n 's/^# *yaml-language-server: *\$schema=\([^ ]*\).*/\1/p' "$spec" | head -n 1)
  if [ -z "$schema" ] || [[ $schema == *://* ]]; then continue; fi
  [[ $schema == /* ]] || schema=$(dirname "$spec")/$schema
  [ -f "$schema" ] || fail "$(basename "$spec") names \$schema=$schema, which is not installed"
done

# The options of each command, as the binary's help lists them (-h/--help left out), e.g.
# "plan --observed --json ... -o --out ...".
help_options() {
  "$binary" "$@" --help | awk '/^Options:/ {on = 1; next} /^[^ ]/ {on = 0}
    on && /^  -/ {n = split($1, names, ","); for (i = 1; i <= n; i++)
      if (names[i] != "-h" && names[i] != "--help") print names[i]}' | sort
}
help_commands() { "$binary" "$@" --help | awk '/^Subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1}'; }
commands=$(help_commands)
lab_commands=$(help_commands lab)
if [ -z "$commands" ] || [ -z "$lab_commands" ]; then fail "syncdeploy --help lists no commands"; fi
# "plan", "lab serve", ...: every command that takes options of its own, and its options, asked
# once (the binary starts slowly under the sanitizers).
command_paths=()
for c in $commands; do
  if [ "$c" = lab ]; then
    for l in $lab_commands; do command_paths+=("lab $l"); done
  else
    command_paths+=("$c")
  fi
done
declare -A options_of
for path in "${command_paths[@]}"; do
  # shellcheck disable=SC2086 # $path is "lab serve": two words
  options_of[$path]=$(help_options $path) || fail "syncdeploy $path --help failed"
done

# The man page: renders without a warning, has a NAME whatis can read, and names every command,
# each command's options in its own section, every environment variable and exit code of
# docs/cli.md.
man_page=$root/usr/share/man/man1/syncdeploy.1.gz
warnings=$(MANWIDTH=80 man --warnings -l "$man_page" 2>&1 >/dev/null) ||
  fail "man -l $man_page failed: $warnings"
[ -z "$warnings" ] || fail "man reports warnings: $warnings"
warnings=$(zcat "$man_page" | groff -man -ww -z -Tutf8 2>&1) || fail "groff failed: $warnings"
[ -z "$warnings" ] || fail "groff -ww reports warnings: $warnings"
lexgrog "$man_page" | grep -q '"syncdeploy - ' || fail "the man page's NAME is not readable by whatis (lexgrog)"
MANWIDTH=80 man -l "$man_page" >"$tmp/man.rendered" 2>/dev/null || fail "man -l $man_page failed"
grep -q "syncdeploy $version" "$tmp/man.rendered" || fail "the man page does not carry version $version"
# Lines set by hand (the synopsis, examples) fit a terminal of 80 columns; troff does not warn.
width=$(wc -L <"$tmp/man.rendered")
[ "$width" -le 80 ] || fail "the man page renders $width columns wide at MANWIDTH=80: $(grep -E '^.{81}' "$tmp/man.rendered")"
# The source with \- as - and font changes dropped; sections start at .SS and .SH.
zcat "$man_page" | sed 's/\\-/-/g; s/\\f[BIRP]//g' >"$tmp/man.txt"
man_section() { awk -v head="$1" 'index($0, head) == 1 {on = 1; print; next} /^\.S[SH] / {on = 0} on' "$tmp/man.txt"; }
has_option() { grep -qE -- "(^|[^-[:alnum:]])$1([^-[:alnum:]]|$)"; }
for path in "${command_paths[@]}"; do
  section=$(man_section ".SS $path")
  [ -n "$section" ] || fail "the man page has no section for '$path' (.SS $path)"
  for option in ${options_of[$path]}; do
    has_option "$option" <<<"$section" || fail "the man page's '$path' section does not name $option"
  done
done
for c in $commands; do
  grep -q "^\.SS $c\b" "$tmp/man.txt" || fail "the man page has no section for the command $c"
done
cli_md=$source_dir/docs/cli.md
# shellcheck disable=SC2016 # literal backquotes
variables=$(awk '/^## Environment/ {on = 1; next} /^## / {on = 0} on && /^\| `/' "$cli_md" |
  cut -d'|' -f2 | grep -o '`[A-Z0-9_]*`' | tr -d '`')
codes=$(awk '/^## Exit codes/ {on = 1; next} /^## / {on = 0} on && /^\| [0-9]+ \|/ {print $2}' "$cli_md")
if [ -z "$variables" ] || [ -z "$codes" ]; then
  fail "cannot read the environment and exit codes of docs/cli.md"
fi
for v in $variables; do
  man_section ".SH ENVIRONMENT" | grep -qw "$v" || fail "the man page's ENVIRONMENT lacks $v (docs/cli.md)"
done
for code in $codes; do
  man_section ".SH EXIT STATUS" | grep -qx "\.B $code" || fail "the man page's EXIT STATUS lacks $code (docs/cli.md)"
done
phase_done "binary and man page"

# The bash completion, sourced into a clean bash and asked as bash would ask it: completions of
# the last word of the command line given, one a line, from a folder of sample files.
phase_start=$(now)
bash_completion=$root/usr/share/bash-completion/completions/syncdeploy
files=$tmp/files
mkdir -p "$files/specs"
touch "$files/a.yaml" "$files/b.yml" "$files/plan.json" "$files/notes.txt"
bash_complete() {
  (cd "$files" && bash --norc --noprofile -c '
    source "$1" || exit 1
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    _syncdeploy syncdeploy "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$bash_completion" "$@") | sed '/^$/d' | sort
}
# expect_bash "WANTED" WORD...: the completions, sorted and joined by spaces, are WANTED.
expect_bash() {
  local wanted=$1 got
  shift
  got=$(bash_complete syncdeploy "$@" | tr '\n' ' ' | sed 's/ $//')
  [ "$got" = "$wanted" ] || fail "bash completion of 'syncdeploy $*': got '$got', want '$wanted'"
}
registered=$(bash --norc --noprofile -c 'source "$1" && complete -p syncdeploy' _ "$bash_completion") ||
  fail "sourcing the bash completion failed or registered nothing"
[ "$registered" = "complete -F _syncdeploy syncdeploy" ] || fail "bash completion registers '$registered'"
expect_bash plan pl
expect_bash --detailed-exitcode plan --de
expect_bash "$(sort <<<"$commands" | tr '\n' ' ' | sed 's/ $//')" ""
expect_bash "$(sort <<<"$lab_commands" | tr '\n' ' ' | sed 's/ $//')" lab ""
expect_bash "a.yaml b.yml specs" plan ""
expect_bash "a.yaml b.yml specs" validate a.yaml ""
expect_bash "plan.json specs" show ""
expect_bash "a.yaml b.yml plan.json specs" apply ""
expect_bash "plan.json specs" plan a.yaml --observed ""
expect_bash "a.yaml b.yml notes.txt plan.json specs" plan a.yaml -out ""
expect_bash "a.yaml b.yml notes.txt plan.json specs" plan a.yaml --out = ""
expect_bash "allow none require" lab serve --extended-protection ""
expect_bash "default unlimited" lab throttling --state s.db --account a@b ""
expect_bash "$(sort <<<"$commands" | tr '\n' ' ' | sed 's/ $//')" help ""
# Each command's options, exactly: none missing, none the binary does not have.
for path in "${command_paths[@]}"; do
  # shellcheck disable=SC2086 # one option a word
  wanted=$(printf '%s\n' ${options_of[$path]} -h --help | sort | tr '\n' ' ' | sed 's/ $//')
  # shellcheck disable=SC2086 # $path is "lab serve": two words
  expect_bash "$wanted" $path -
done

# The zsh completion: parsed, then asked in an interactive zsh on a pseudo-terminal (zsh/zpty)
# with compinit loading it from its installed folder. compadd is wrapped to write down what
# would be offered; a Tab widget marks where each completion ends, ^U clears the line.
if command -v zsh >/dev/null; then
  zsh_completion=$root/usr/share/zsh/vendor-completions/_syncdeploy
  zsh -n "$zsh_completion" || fail "zsh cannot parse $zsh_completion"
  head -n 1 "$zsh_completion" | grep -qx '#compdef syncdeploy' || fail "$zsh_completion lacks '#compdef syncdeploy'"
  zsh_lines=("syncdeploy pl" "syncdeploy plan --de" "syncdeploy " "syncdeploy plan " "syncdeploy show "
    "syncdeploy lab " "syncdeploy lab serve --extended-protection ")
  for path in "${command_paths[@]}"; do zsh_lines+=("syncdeploy $path -"); done
  cat >"$tmp/zsh-driver.zsh" <<'EOF'
# zsh -f zsh-driver.zsh FPATH_DIR OUT LINE...: completes each LINE, writing what is offered to
# OUT, each completion followed by a line "--end--".
zmodload zsh/zpty || exit 1
fpath_dir=$1 out=$2
shift 2
zpty sd zsh -f -i
zpty -w sd "bindkey -e; PS1= PROMPT_EOL_MARK= LISTMAX=100000; unsetopt autolist; fpath=(${(q)fpath_dir} \$fpath)"
zpty -w sd "autoload -Uz compinit && compinit -u -D"
zpty -w sd "compadd() { if (( \${@[(I)-[OAD]]} )); then builtin compadd \"\$@\"; return; fi;" \
  "local -a m; builtin compadd -O m \"\$@\"; print -rl -- \"\${(@)m}\" >> ${(q)out};" \
  "builtin compadd \"\$@\"; }"
zpty -w sd "sd-tab() { zle complete-word; print -r -- --end-- >> ${(q)out}; }; zle -N sd-tab; bindkey '^I' sd-tab"
# Keys typed before the line editor is up are lost: wait until the shell has run the above.
zpty -w sd "print -r -- ready >> ${(q)out}.ready"
for i in {1..100}; do [[ -s $out.ready ]] && break; sleep 0.05; done
for line in "$@"; do zpty -w -n sd "$line"$'\t\x15'; done
for i in {1..100}; do
  [[ -f $out ]] && (( $(grep -c -- '^--end--$' $out) == $# )) && break
  sleep 0.1
done
zpty -d sd
EOF
  (cd "$files" && timeout 30 zsh -f "$tmp/zsh-driver.zsh" "$(dirname "$zsh_completion")" "$tmp/zsh.out" \
    "${zsh_lines[@]}") || fail "the zsh completion driver failed"
  [ "$(grep -c -- '^--end--$' "$tmp/zsh.out" 2>/dev/null)" = ${#zsh_lines[@]} ] ||
    fail "zsh answered $(grep -c -- '^--end--$' "$tmp/zsh.out" 2>/dev/null) of ${#zsh_lines[@]} completions"
  # zsh_answer N: what completion N offered, sorted, joined by spaces.
  zsh_answer() {
    awk -v n="$1" '/^--end--$/ {i++; next} i == n && NF' "$tmp/zsh.out" | sort -u | tr '\n' ' ' | sed 's/ $//'
  }
  expect_zsh() {
    local got
    got=$(zsh_answer "$1")
    [ "$got" = "$2" ] || fail "zsh completion of '${zsh_lines[$1]}': got '$got', want '$2'"
  }
  expect_zsh 0 plan
  expect_zsh 1 --detailed-exitcode
  expect_zsh 2 "$(sort <<<"$commands" | tr '\n' ' ' | sed 's/ $//')"
  expect_zsh 3 "a.yaml b.yml specs"
  expect_zsh 4 "plan.json specs"
  expect_zsh 5 "$(sort <<<"$lab_commands" | tr '\n' ' ' | sed 's/ $//')"
  expect_zsh 6 "allow none require"
  i=7
  for path in "${command_paths[@]}"; do
    # shellcheck disable=SC2086 # one option a word
    expect_zsh "$i" "$(printf '%s\n' ${options_of[$path]} -h --help | sort | tr '\n' ' ' | sed 's/ $//')"
    i=$((i + 1))
  done
else
  echo "install test: note: zsh is not installed; the zsh completion is not checked" >&2
fi
phase_done "completions"

# Removing the package leaves nothing of it behind.
if $as_root; then
  phase_start=$(now)
  "${dpkg_root[@]}" --purge syncdeploy >"$tmp/dpkg.log" 2>&1 || fail "dpkg --purge failed: $(cat "$tmp/dpkg.log")"
  left=$(find "$root" -path "$root/var" -prune -o -type f -print)
  [ -z "$left" ] || fail "dpkg --purge left files behind: $left"
  phase_done "dpkg --purge"
fi

summary=$(printf '%s, ' "${timings[@]}")
echo "install test: passed in $(awk -v a="$started" -v b="$(now)" 'BEGIN{printf "%.1fs", b-a}')" \
  "(${summary%, })"
