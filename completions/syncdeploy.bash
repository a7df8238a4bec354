# bash completion for syncdeploy: commands, each command's options (as cli/cli.cc and
# cli/command_lab.cc define them), specs (*.yaml, *.yml) and saved plans (*.json) as arguments.
# Installed as share/bash-completion/completions/syncdeploy, where bash-completion loads it on
# first use; it needs nothing from bash-completion, so `source` works too.
# tests/install/run.sh checks the option lists against `syncdeploy help COMMAND`.

# Adds the files under $1 ending in one of the extensions $2... to COMPREPLY, and every
# folder; all files when none has such an extension (a spec may be named otherwise).
_syncdeploy_files() {
  local cur=$1 f ext
  shift
  local -a dirs=() matched=() all=()
  while IFS= read -r f; do
    if [[ -d $f ]]; then
      dirs+=("$f")
      continue
    fi
    all+=("$f")
    for ext in "$@"; do
      if [[ $f == *."$ext" ]]; then
        matched+=("$f")
        break
      fi
    done
  done < <(compgen -f -- "$cur")
  # Outside a completion (a test calling the function) compopt fails; that is harmless.
  compopt -o filenames 2>/dev/null
  if ((${#matched[@]})); then
    COMPREPLY+=("${dirs[@]}" "${matched[@]}")
  else
    COMPREPLY+=("${dirs[@]}" "${all[@]}")
  fi
}

_syncdeploy() {
  COMPREPLY=()
  local cur=${COMP_WORDS[COMP_CWORD]} prev=''
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  # bash splits `--out=FILE` at '=': complete FILE as the value of --out.
  if [[ $cur == = ]]; then
    cur=
  elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
    prev=${COMP_WORDS[COMP_CWORD - 2]}
  fi

  local commands="validate plan show apply diff export import graph force-unlock lab version help"
  local lab_commands="serve grant-impersonation revoke-impersonation throttling powershell"

  # The command (and lab's own command): the first words that are not options.
  local command='' lab_command='' i word
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    [[ $word == -* || $word == = ]] && continue
    if [[ -z $command ]]; then
      command=$word
    elif [[ $command == lab && -z $lab_command ]]; then
      lab_command=$word
      break
    else
      break
    fi
  done

  if [[ -z $command ]]; then
    if [[ $cur == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "--help -h --version" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
    fi
    return 0
  fi

  # The option whose value is being typed.
  case "$command${lab_command:+ $lab_command}:$prev" in
    plan:-o | plan:--out | plan:-out | export:-o | export:--out | apply:--journal | \
      force-unlock:--journal | "lab serve:--port-file" | "lab serve:--http-port-file" | \
      "lab serve:--keytab" | "lab serve:--ntlm-users" | lab\ *:--state)
      _syncdeploy_files "$cur"
      return 0
      ;;
    *:--var-file)
      _syncdeploy_files "$cur" yaml yml
      return 0
      ;;
    plan:--observed | graph:--observed | export:--observed | import:--observed)
      _syncdeploy_files "$cur" json
      return 0
      ;;
    "lab serve:--directory")
      _syncdeploy_files "$cur" yaml yml
      return 0
      ;;
    "lab serve:--cert-dir" | import:-o | import:--out)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      return 0
      ;;
    "lab serve:--extended-protection")
      mapfile -t COMPREPLY < <(compgen -W "allow require none" -- "$cur")
      return 0
      ;;
    *:--only)
      mapfile -t COMPREPLY < <(compgen -W "nexj exchange" -- "$cur")
      return 0
      ;;
    *:--ews-concurrency | *:--lock-timeout | *:--bind | *:--port | *:--http-port | \
      *:--threads | *:--latency-ms | *:--*-rate | *:--busy-backoff-ms | *:--seed | \
      *:--account | *:--mailbox | *:-c | *:--command | *:--var | *:--service-account)
      return 0  # a value of the user's own
      ;;
  esac

  local options='' arguments=''
  case $command in
    validate)
      options="--var --var-file"
      arguments=spec
      ;;
    plan)
      options="--var --var-file --observed --json --markdown -o --out --detailed-exitcode --only -v --verbose
        --without-secrets --no-color --refresh --ews-concurrency"
      arguments=spec
      ;;
    show)
      options="--json --markdown --no-color -v --verbose"
      arguments=plan
      ;;
    apply)
      options="--var --var-file --only --auto-approve --journal --lock-timeout --no-color -v --verbose --refresh
        --ews-concurrency"
      arguments=spec-or-plan
      ;;
    diff)
      options="--var --var-file --only --json --no-color --refresh --ews-concurrency"
      arguments=spec
      ;;
    force-unlock)
      options="--journal --var --var-file"
      arguments=spec
      ;;
    export)
      options="--powershell --observed -o --out --var --var-file"
      arguments=spec
      ;;
    import)
      options="-o --out --only --service-account --observed --var --var-file"
      arguments=spec
      ;;
    graph)
      options="--observed --only --var --var-file"
      arguments=spec
      ;;
    help) arguments=commands ;;
    lab)
      case $lab_command in
        "") arguments=lab-command ;;
        serve)
          options="--directory --state --cert-dir --bind --port --port-file --http-port
            --http-port-file --threads --latency-ms --error-rate --busy-rate --busy-backoff-ms
            --http503-rate --reset-rate --stall-rate --corrupt-seal-rate --seed --keytab
            --ntlm-users --basic --extended-protection"
          ;;
        grant-impersonation) options="--state --account --all --mailbox" ;;
        revoke-impersonation) options="--state --account" ;;
        throttling)
          options="--state --account"
          arguments=policy
          ;;
        powershell) options="--state -c --command" ;;
      esac
      ;;
  esac

  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$options --help -h" -- "$cur")
    return 0
  fi
  case $arguments in
    spec) _syncdeploy_files "$cur" yaml yml ;;
    plan) _syncdeploy_files "$cur" json ;;
    spec-or-plan) _syncdeploy_files "$cur" yaml yml json ;;
    commands) mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur") ;;
    lab-command) mapfile -t COMPREPLY < <(compgen -W "$lab_commands" -- "$cur") ;;
    policy) mapfile -t COMPREPLY < <(compgen -W "unlimited default" -- "$cur") ;;
  esac
  return 0
}

complete -F _syncdeploy syncdeploy
