#!/usr/bin/env bash
# test_report_from_check.sh FMCHECK PYTHON SOURCE -- `report --from-check F` reuses
# the rows of `check --json F` and writes the report that running the checks
# again writes: the same stdout, the same report.md, the same report.json but
# for argv and wall-clock times ("seconds", "timings"), the same plots; and it
# refuses a file whose rows cannot be the report's (other seed, controls
# skipped, a case missing, a case file edited since, not check JSON).  Speaks
# TAP, one line per step.
set -u
exe=$(realpath "$1") py=$2 src=$(realpath "$3")
tmp=$(mktemp -d /tmp/fmcheck-fromcheck-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
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

# a case file (a renamed built-in) among the cases: matched by its hash
sed 's/"name": *"[^"]*"/"name": "mine"/' "$src/cases/builtin/gauss1d-vp.json" >mine.json
# aniso3d-vp's fdiff sweep calls OpenBLAS: its last digits once depended on
# whether an MLP (fm-cfm-grad) had run in the process before it
cases=(--case aniso3d-vp --case mine.json)
rep=(report --quick --sweep fdiff --sweep mc "${cases[@]}")

run_both() {
  # gauss1d-cond_ot in the check but not in the report: rows are picked by name
  "$exe" check --case gauss1d-cond_ot "${cases[@]}" --json check.json >check.txt || return 1
  "$exe" "${rep[@]}" --out direct >direct.txt || return 1
  "$exe" "${rep[@]}" --out reused --from-check check.json >reused.txt || return 1
}
step "check --json, report, report --from-check all run" run_both

same() {
  diff direct.txt <(sed 's/reused/direct/' reused.txt) &&
    diff direct/report.md reused/report.md &&
    diff -r direct/plots reused/plots &&
    "$py" - direct/report.json reused/report.json check.json <<'PY'
import json, sys
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k not in ("seconds", "timings", "argv")}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
a, b, c = (json.load(open(p)) for p in sys.argv[1:])
assert strip(a) == strip(b), "report.json differs beyond argv and times"
# the reused check time is the sum of the reused rows' seconds
rows = [v for v in c["verdicts"] if v["case"] != "gauss1d-cond_ot"]
want = sum(v["seconds"] for v in rows)
got = b["timings"]["check_seconds"]
assert abs(got - want) <= 1e-9 * max(1.0, want), (got, want)
assert b["timings"]["total_seconds"] >= got
print(len(rows), "rows reused,", round(got, 2), "s of checks not run again")
PY
}
step "stdout, report.md, plots and report.json (but argv and times) are those of the checks run again" same

# refuse FILE WHAT ARGS...: report --from-check FILE ARGS exits 2 with WHAT
refuse() {
  local file=$1 what=$2 rc
  shift 2
  "$exe" report --quick --sweep ode --out refused --from-check "$file" "$@" >out.txt 2>err.txt
  rc=$?
  [ $rc -eq 2 ] || { echo "exit $rc, want 2"; cat err.txt; return 1; }
  grep -q -- "$what" err.txt || { echo "no '$what' in:"; cat err.txt; return 1; }
  [ ! -e refused ] || { echo "refused/ was written"; return 1; }
}

refusals() {
  local bad=0
  # options are compared before rows: one theorem's row is enough for them
  "$exe" check --case bimodal1d-vp --theorem tweedie --json one.json >/dev/null || return 1
  "$exe" check --case bimodal1d-vp --theorem tweedie --no-controls --json noctl.json \
    >/dev/null || return 1
  "$exe" check --case bimodal1d-vp --theorem tweedie --seed 7 --json seed.json >/dev/null ||
    return 1
  refuse one.json "no row for theorem" --case bimodal1d-vp || bad=1
  refuse noctl.json "controls were not run" --case bimodal1d-vp || bad=1
  refuse seed.json "seed override 7" --case bimodal1d-vp || bad=1
  refuse check.json "no row for theorem" --case ring8-cond_ot || bad=1
  echo " " >>mine.json # same name, other text
  refuse check.json "checked with a different text" --case mine.json || bad=1
  echo '{"verdicts": 3}' >junk.json
  refuse junk.json "not the JSON of 'fmcheck check --json'" --case aniso3d-vp || bad=1
  refuse nonexistent.json "nonexistent.json" --case aniso3d-vp || bad=1
  "$exe" report --no-check --from-check check.json --out x >/dev/null 2>err.txt
  [ $? -eq 2 ] && grep -q "exclude each other" err.txt || { echo "--no-check --from-check"; bad=1; }
  return $bad
}
step "refused: a missing row, controls skipped, another seed, an edited case file, not check JSON" refusals

# what JSON's null hides comes back from "nonfinite": a value written as
# null prints as inf with {"value": "inf"}, as nan without; a control whose
# check could not run ("status") is not rejected, so a row that still says
# ok is refused
crafted() {
  "$py" - check.json <<'PY' || return 1
import json, sys
d = json.load(open(sys.argv[1]))
row = next(v for v in d["verdicts"] if v["theorem"] == "tweedie" and v["case"] == "aniso3d-vp")
row["value"] = None
row["nonfinite"] = {"value": "inf"}
json.dump(d, open("inf.json", "w"))
del row["nonfinite"]
json.dump(d, open("nan.json", "w"))
row["controls"][0]["status"] = 5
json.dump(d, open("status.json", "w"))
PY
  local k
  for k in inf nan; do
    "$exe" report --quick --sweep ode --case aniso3d-vp --out "r-$k" --from-check "$k.json" \
      >/dev/null || return 1
    grep -q "^| aniso3d-vp | PASS | $k | " "r-$k/report.md" ||
      { echo "$k:"; grep "^| aniso3d-vp" "r-$k/report.md"; return 1; }
  done
  refuse status.json "tweedie on case aniso3d-vp is not a well-formed check row" \
    --case aniso3d-vp
}
step "a null value comes back as the inf or nan it was; a control that could not run is not rejected" crafted

echo "1..$n"
