#!/usr/bin/env bash
# test_docs.sh FMCHECK MANPAGE MKMAN PYTHON COMPLETION -- the user docs that
# come from the program: the man page fmcheck(1) says what every --help says
# (it is the current generator's output on the current binary, and every
# option of every command's --help appears in it), it renders without roff
# warnings; `fmcheck help [CMD]` is `fmcheck [CMD] --help`; the bash
# completion completes commands, options and built-in case names.  Speaks
# TAP, one line per step.
set -u
exe=$(realpath "$1") man=$(realpath "$2") mkman=$(realpath "$3") py=$4
comp=$(realpath "$5")
tmp=$(mktemp -d /tmp/fmcheck-docs-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0

step() {
  local what=$1
  shift
  n=$((n + 1))
  if "$@" >"$tmp/log" 2>&1; then
    echo "ok $n - $what"
  else
    echo "not ok $n - $what"
    sed 's/^/# /' "$tmp/log"
  fi
}

commands() {
  "$exe" --help | awk '/^Commands:/ { on = 1; next }
    on && /^  [^ ]/ { if ($1 != "help") print $1; next } on { exit }'
}

# the page as text: man -l when there is man, else groff, else the roff
# source with its escapes undone (hyphens, fonts)
render() {
  if command -v man >/dev/null; then
    MANWIDTH=100 man -l "$man" 2>/dev/null | col -b
  elif command -v groff >/dev/null; then
    groff -man -Tutf8 -rLL=100n "$man" | col -b
  else
    sed 's/\\-/-/g; s/\\f[BIR]//g; s/\\e/\\/g' "$man"
  fi
}

current() {
  "$py" "$mkman" "$exe" "$("$exe" --version | awk '{print $2}')" "$tmp/fresh.1" &&
    cmp "$man" "$tmp/fresh.1"
}
step "the man page is what fmcheck_man.py makes of this fmcheck's --help" current

agree() {
  local cmds bad=0 c o text
  cmds=$(commands)
  [ "$(echo "$cmds" | wc -l)" -ge 9 ] || { echo "too few commands: $cmds"; return 1; }
  # hyphenation and justification would split and stretch words: compare
  # words, not lines, of an unhyphenated rendering
  text=$(render | tr -s ' \t\n' '   ' | sed 's/\xe2\x80\x90 //g')
  for c in $cmds; do
    grep -q "FMCHECK ${c^^}" <<<"$text" || { echo "no section for $c"; bad=1; }
    "$exe" "$c" --help >"$tmp/help" || { echo "$c --help failed"; bad=1; }
    for o in $(grep -o -- '--[a-z][a-z0-9-]*' "$tmp/help" | sort -u); do
      grep -q -- "$o" <<<"$text" || { echo "$c: option $o missing from the page"; bad=1; }
    done
    # the first line of each option's description, verbatim
    while IFS= read -r line; do
      grep -qF -- "$line" <<<"$text" || { echo "$c: '$line' missing from the page"; bad=1; }
    done < <(sed -n 's/^ \{1,4\}--[a-z0-9-]*\( [A-Z][A-Za-z0-9.]*\)\{0,1\}  *\([a-z(].*\)$/\2/p' \
               "$tmp/help" | tr -s ' ' ' ')
  done
  return $bad
}
step "every command has a section and every --help option and description is in the page" agree

renders() {
  local out
  if command -v groff >/dev/null; then
    out=$(groff -man -Tutf8 -ww -z "$man" 2>&1) || return 1
    [ -z "$out" ] || { echo "$out"; return 1; }
  fi
  if command -v man >/dev/null; then
    MANWIDTH=80 man -l "$man" >"$tmp/man.txt" 2>"$tmp/man.err" || return 1
    [ ! -s "$tmp/man.err" ] || { cat "$tmp/man.err"; return 1; }
    grep -q "^NAME" "$tmp/man.txt" && grep -q "FMCHECK(1)" "$tmp/man.txt"
  else
    # no renderer: every request is one the page is made of
    ! grep -v '^\.\(TH\|SH\|SS\|PP\|TP\|RS\|RE\|nf\|fi\|br\|B\|\\"\) \{0,1\}' "$man" | grep '^\.'
  fi
}
step "the man page renders without warnings (groff -ww, man -l)" renders

help_alias() {
  local c bad=0
  "$exe" --help >"$tmp/a" && "$exe" help >"$tmp/b" && cmp "$tmp/a" "$tmp/b" || bad=1
  for c in $(commands); do
    "$exe" "$c" --help >"$tmp/a" && "$exe" help "$c" >"$tmp/b" && cmp "$tmp/a" "$tmp/b" ||
      { echo "help $c differs from $c --help"; bad=1; }
  done
  "$exe" help no-such-command >/dev/null 2>"$tmp/err"
  [ $? -eq 2 ] && grep -q "unknown command 'no-such-command'" "$tmp/err" || {
    echo "help no-such-command: not exit 2 with a message"; bad=1; }
  "$exe" help check report >/dev/null 2>&1
  [ $? -eq 2 ] || { echo "help with two commands: not exit 2"; bad=1; }
  return $bad
}
step "fmcheck help [CMD] prints what fmcheck [CMD] --help prints" help_alias

# complete WORDS...: COMPREPLY, sorted, one per line, for the command line
# WORDS (the last one is the word being completed)
complete_words() {
  bash --norc --noprofile -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _fmcheck
    printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$comp" "$exe" "${@:2}"
}

expect() {
  local want=$1 got
  shift
  got=$(complete_words "$@" | tr '\n' ' ')
  [ "$got" = "$want" ] || { echo "complete '$*': got '$got', want '$want'"; return 1; }
}

completion() {
  local bad=0
  mkdir -p "$tmp/cwd" && cd "$tmp/cwd" || return 1 # no files to complete
  expect "check compare-field compare-samples " fmcheck c || bad=1
  expect "--case " fmcheck check --ca || bad=1
  expect "--no-check " fmcheck report --no || bad=1
  expect "ring8-cond_ot ring8-cosine ring8-table ring8-vp " fmcheck check --case ring8- || bad=1
  expect "tweedie " fmcheck check --theorem twe || bad=1
  expect "qmc quad " fmcheck report --sweep q || bad=1
  expect "validate-schedule " fmcheck help va || bad=1
  expect "--rtol " fmcheck sample --rt || bad=1
  # built-in names are every case `check --list` gives
  local all
  all=$(complete_words x check --case "" | tr '\n' ' ')
  [ "$all" = "$("$exe" check --list | sed -n '/^built-in cases:/,$p' | sed 1d |
                 sed 's/^ *//; s/\.json$//' | sort | tr '\n' ' ')" ] ||
    { echo "check --case <TAB>: $all"; bad=1; }
  return $bad
}
step "bash completion: commands, options, case and theorem names, sweep kinds" completion

echo "1..$n"
