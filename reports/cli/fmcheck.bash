# bash completion for fmcheck -*- shell-script -*-
# Installed as share/bash-completion/completions/fmcheck.  Everything it
# offers comes from the program itself, so it follows the program: commands
# from `fmcheck --help`, a command's options from `fmcheck CMD --help` (the
# lines that start with an option), theorem and built-in case names from
# `fmcheck check --list`, sweep kinds from the --sweep line of
# `fmcheck report --help`.

# _fmcheck_help_opts EXE CMD: the options CMD's help lists.
_fmcheck_help_opts()
{
    "$1" "$2" --help 2>/dev/null |
        sed -n 's/^ \{1,4\}\(--[a-z0-9-]*\).*/\1/p; s/^ \{1,4\}--[a-z0-9-]* [^ ]*, \(--[a-z0-9-]*\).*/\1/p' |
        sort -u
}

# _fmcheck_list EXE SECTION: the names `fmcheck check --list` gives under
# "theorems:" or "built-in cases:" (a case's .json suffix dropped).
_fmcheck_list()
{
    "$1" check --list 2>/dev/null | awk -v want="$2" '
        /^[^ ]/ { sec = $0; next }
        sec == want { n = $1; sub(/\.json$/, "", n); print n }'
}

_fmcheck()
{
    local cur prev exe cmd i
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    exe=${COMP_WORDS[0]}
    [[ $exe == */* ]] || exe=$(type -P "$exe" 2>/dev/null)
    [[ -n $exe && -x $exe ]] || return 0

    cmd=
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ ${COMP_WORDS[i]} != -* ]]; then
            cmd=${COMP_WORDS[i]}
            break
        fi
    done

    local commands
    commands=$("$exe" --help 2>/dev/null | awk '/^Commands:/ { on = 1; next }
        on && /^  [^ ]/ { print $1; next } on { exit }')
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
        return 0
    fi
    if [[ $cmd == help ]]; then
        ((COMP_CWORD == i + 1)) && COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        return 0
    fi

    case $prev in
        --case)
            COMPREPLY=($(compgen -W "$(_fmcheck_list "$exe" 'built-in cases:')" -- "$cur"))
            COMPREPLY+=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur"))
            compopt -o filenames 2>/dev/null
            return 0
            ;;
        --theorem)
            COMPREPLY=($(compgen -W "$(_fmcheck_list "$exe" 'theorems:')" -- "$cur"))
            return 0
            ;;
        --solver)
            COMPREPLY=($(compgen -W "euler midpoint rk4 adaptive sde" -- "$cur"))
            return 0
            ;;
        --sweep)
            COMPREPLY=($(compgen -W "$("$exe" report --help 2>/dev/null |
                sed -n 's/^ *--sweep KIND.*: //p')" -- "$cur"))
            return 0
            ;;
        --out | --json | --points | --field | --samples | --model | --resume | --schedule | \
            --from-check)
            COMPREPLY=($(compgen -f -- "$cur"))
            compopt -o filenames 2>/dev/null
            return 0
            ;;
    esac
    if [[ $cur == -* || -z $cur ]]; then
        COMPREPLY=($(compgen -W "$(_fmcheck_help_opts "$exe" "$cmd") --help" -- "$cur"))
    fi
    return 0
}
complete -F _fmcheck fmcheck
