#!/usr/bin/env python3
"""Mutation testing for fmcheck (see README.md beside this file).

For each catalogue entry: apply the mutant in a scratch checkout, rebuild
incrementally, run `fmcheck check` and/or the default test suite, put the
file back byte for byte, and record whether anything went red.

The scratch checkout is made once (`git worktree add --detach` of HEAD) and
configured once; later runs reuse it (with --keep) and only rebuild what a
mutant touches.  Results go to a JSON file after every mutant, so a run can
be stopped and resumed; ids already done are skipped unless --force.

Python 3 standard library only.
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIELDS = ("id", "area", "file", "orig", "repl", "breaks", "expect", "why", "quick", "unit")


# ---------------------------------------------------------------- catalogue

def parse_catalogue(path):
    """Blocks of `key: value` lines separated by blank lines; # comments."""
    entries, cur, lineno0 = [], {}, 0
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for n, raw in enumerate(lines + [""], 1):
        line = raw.rstrip()
        if line.startswith("#"):
            continue
        if line == "":
            if cur:
                cur["_line"] = lineno0
                entries.append(cur)
                cur = {}
            continue
        m = re.match(r"([a-z]+): ?(.*)$", line)
        if not m or m.group(1) not in FIELDS:
            sys.exit(f"{path}:{n}: expected 'key: value' with key in {FIELDS}")
        if not cur:
            lineno0 = n
        if m.group(1) in cur:
            sys.exit(f"{path}:{n}: duplicate key {m.group(1)}")
        cur[m.group(1)] = m.group(2)
    seen = set()
    for e in entries:
        for k in ("id", "file", "orig", "repl", "expect"):
            if not e.get(k):
                sys.exit(f"{path}:{e['_line']}: entry without {k}")
        if e["id"] in seen:
            sys.exit(f"{path}:{e['_line']}: duplicate id {e['id']}")
        if e["orig"] == e["repl"]:
            sys.exit(f"{path}:{e['_line']}: {e['id']}: orig == repl")
        seen.add(e["id"])
    return entries


def entry_key(e):
    """Identity of a mutant: a changed snippet invalidates old results."""
    s = "\0".join((e["file"], e["orig"], e["repl"]))
    return hashlib.sha1(s.encode()).hexdigest()[:12]


def is_equivalent(e):
    return e["expect"].startswith("equivalent")


# ---------------------------------------------------------------- helpers

def run(cmd, cwd=None, timeout=None, log=None):
    """(returncode, seconds); returncode None on timeout."""
    t0 = time.time()
    out = open(log, "w") if log else subprocess.DEVNULL
    try:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                             start_new_session=True)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)   # our own process group only
            p.wait()
            rc = None
    finally:
        if log:
            out.close()
    return rc, time.time() - t0


def git(args, cwd):
    return subprocess.run(["git"] + args, cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def locate(src, basename):
    """The one tracked file named basename, wherever the tree keeps it."""
    hits = [p for p in git(["ls-files", basename, f"*/{basename}"], src).split("\n") if p]
    hits = [p for p in hits if os.path.basename(p) == basename]
    if len(hits) != 1:
        return None, f"{len(hits)} tracked files named {basename}: {hits}"
    return os.path.join(src, hits[0]), None


# ---------------------------------------------------------------- scratch

class Scratch:
    def __init__(self, repo, root, jobs):
        self.repo, self.root, self.jobs = repo, root, jobs
        self.src = os.path.join(root, "src")
        self.build = os.path.join(root, "build")
        self.logs = os.path.join(root, "logs")

    def prepare(self, log):
        head = git(["rev-parse", "HEAD"], self.repo).strip()
        if git(["status", "--porcelain", "--untracked-files=no"], self.repo).strip():
            log("note: the work tree has uncommitted changes; mutants run on HEAD "
                f"{head[:10]} (commit first to include them)")
        os.makedirs(self.logs, exist_ok=True)
        if not os.path.isdir(os.path.join(self.src, ".git")) and \
                not os.path.isfile(os.path.join(self.src, ".git")):
            log(f"scratch: git worktree add {self.src} ({head[:10]})")
            git(["worktree", "add", "--detach", self.src, head], self.repo)
        else:
            # a run that was killed mid-mutant may have left a file changed
            git(["reset", "--hard", "-q"], self.src)
            git(["checkout", "-q", "--detach", head], self.src)
        if not os.path.isfile(os.path.join(self.build, "build.ninja")):
            log("scratch: meson setup (once)")
            rc, _ = run(["meson", "setup", self.build], cwd=self.src,
                        log=os.path.join(self.logs, "setup.log"))
            if rc != 0:
                sys.exit(f"meson setup failed: see {self.logs}/setup.log")
        self.head = head
        return head

    def ninja(self, target, timeout, log):
        cmd = ["ninja", "-C", self.build, f"-j{self.jobs}"] + ([target] if target else [])
        return run(cmd, timeout=timeout, log=log)

    def remove(self):
        git(["worktree", "remove", "--force", self.src], self.repo)
        shutil.rmtree(self.root, ignore_errors=True)


# ---------------------------------------------------------------- the two judges

def failing_rows(path):
    """Rows of a check JSON that failed: outcome "fail", or ok false (a
    negative control that was not rejected).  Schema: reports/check_json.c."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    return [f"{v.get('theorem')}/{v.get('case')}" for v in doc.get("verdicts", [])
            if v.get("outcome") == "fail" or v.get("ok") is False]


def run_check(sc, args, tag, extra=None):
    js = os.path.join(sc.logs, f"{tag}.check.json")
    if os.path.exists(js):
        os.unlink(js)
    extra = args.check_args if extra is None else extra
    cmd = [os.path.join(sc.build, "fmcheck"), "check", "--json", js] + extra
    rc, secs = run(cmd, cwd=sc.src, timeout=args.check_timeout,
                   log=os.path.join(sc.logs, f"{tag}.check.log"))
    rows = failing_rows(js)
    res = {"rc": rc, "seconds": round(secs, 1), "fail_rows": rows, "args": extra}
    if rc is None:
        res["caught"], res["how"] = True, "timeout"
    elif rc != 0 or rows:
        res["caught"] = True
        res["how"] = f"exit {rc}" + (f", {len(rows)} FAIL rows" if rows else "")
    else:
        res["caught"], res["how"] = False, "all rows pass"
    return res


def failed_tests(build):
    out = []
    try:
        with open(os.path.join(build, "meson-logs", "testlog.json")) as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    if r.get("result") not in ("OK", "SKIP", "EXPECTEDFAIL"):
                        out.append(f"{r.get('name')}:{r.get('result')}")
    except OSError:
        return None
    return out


def run_tests(sc, args, tag, extra=None):
    extra = args.test_args if extra is None else extra
    cmd = ["meson", "test", "-C", sc.build, "--no-rebuild", "--print-errorlogs",
           f"--num-processes={args.test_procs}"] + extra
    rc, secs = run(cmd, timeout=args.test_timeout,
                   log=os.path.join(sc.logs, f"{tag}.tests.log"))
    bad = failed_tests(sc.build) if rc is not None else None
    res = {"rc": rc, "seconds": round(secs, 1), "failed": bad, "args": extra}
    if rc is None:
        res["caught"], res["how"] = True, "timeout"
    else:
        res["caught"] = rc != 0
        res["how"] = ", ".join(bad or []) if rc != 0 else "all pass"
    return res


# ---------------------------------------------------------------- one mutant

def apply_mutant(path, e):
    with open(path, "rb") as f:
        orig = f.read()
    text = orig.decode("utf-8")
    n = text.count(e["orig"])
    if n != 1:
        return orig, f"snippet occurs {n} times in {os.path.basename(path)}"
    with open(path, "wb") as f:
        f.write(text.replace(e["orig"], e["repl"]).encode("utf-8"))
    return orig, None


def do_mutant(sc, e, args, want_check, want_tests, log):
    path, err = locate(sc.src, e["file"])
    res = {"key": entry_key(e), "file": e["file"], "commit": sc.head,
           "date": datetime.datetime.now().isoformat(timespec="seconds")}
    if err:
        res["status"] = "catalogue-error"
        res["error"] = err
        return res
    res["path"] = os.path.relpath(path, sc.src)
    orig, err = apply_mutant(path, e)
    if err:
        res["status"] = "catalogue-error"
        res["error"] = err
        return res
    try:
        t0 = time.time()
        target = None if want_tests else "fmcheck"
        rc, secs = sc.ninja(target, args.build_timeout,
                            os.path.join(sc.logs, f"{e['id']}.build.log"))
        res["build_seconds"] = round(secs, 1)
        if rc != 0:
            res["status"] = "build-error"
            res["error"] = f"ninja exit {rc}: see {sc.logs}/{e['id']}.build.log"
            return res
        res["status"] = "ran"
        if want_check:
            extra = args.check_args
            if args.quick and e.get("quick"):
                extra = extra + e["quick"].split()
            res["check"] = run_check(sc, args, e["id"], extra)
            log(f"  check: {res['check']['how']} ({res['check']['seconds']} s)")
        if want_tests:
            extra = args.test_args
            if args.quick and e.get("unit"):
                extra = extra + e["unit"].split()
            res["tests"] = run_tests(sc, args, e["id"], extra)
            log(f"  tests: {res['tests']['how']} ({res['tests']['seconds']} s)")
        res["seconds"] = round(time.time() - t0, 1)
        return res
    finally:
        with open(path, "wb") as f:   # byte for byte, whatever happened
            f.write(orig)


# ---------------------------------------------------------------- report

def verdict(e, r, part):
    """yes / no; "no?" when only a subset of the check ran (--quick, --check-args):
    a subset that goes red proves the full run goes red, not the converse."""
    x = (r or {}).get(part)
    if x is None:
        return "-"
    if x["caught"]:
        return "yes"
    return "no?" if x.get("args") else "no"


def summarise(entries, results):
    rows, n_eq, n_check, k_check, n_any, k_any, survivors = [], 0, 0, 0, 0, 0, []
    n_ran, n_sub = 0, 0
    for e in entries:
        r = results.get(e["id"])
        if r is None or r.get("key") != entry_key(e):
            r = None
        st = r["status"] if r else "not run"
        c, t = verdict(e, r, "check"), verdict(e, r, "tests")
        rows.append((e["id"], e["file"], st if st != "ran" else "", c, t, e["expect"]))
        if r is None or st != "ran":
            continue
        if is_equivalent(e):
            n_eq += 1
            continue
        n_ran += 1
        n_sub += c == "no?"
        if c in ("yes", "no"):
            n_check += 1
            k_check += c == "yes"
        if c == "yes" or t == "yes":
            n_any += 1
            k_any += 1
        elif t == "no" and c == "no":
            n_any += 1
            survivors.append(e["id"])
        else:
            survivors.append(e["id"] + " (not all judges ran in full)")
    return rows, dict(equivalent_run=n_eq, check_run=n_check, check_caught=k_check,
                      both_known=n_any, caught_any=k_any, survivors=survivors,
                      ran=n_ran, check_subset_green=n_sub)


def print_table(rows, s, out=sys.stdout):
    w = max(len(r[0]) for r in rows)
    wf = max(len(r[1]) for r in rows)
    print(f"{'id':<{w}}  {'file':<{wf}}  check tests  expected", file=out)
    for r in rows:
        exp = r[5] if len(r[5]) < 60 else r[5][:57] + "..."
        note = f"  [{r[2]}]" if r[2] else ""
        print(f"{r[0]:<{w}}  {r[1]:<{wf}}  {r[3]:<5} {r[4]:<5}  {exp}{note}", file=out)
    print(file=out)
    if s["check_run"]:
        print(f"caught by `fmcheck check`: {s['check_caught']}/{s['check_run']} "
              f"non-equivalent mutants run", file=out)
    if s["check_subset_green"]:
        print(f"green on their quick theorem subset (full check not run): "
              f"{s['check_subset_green']}", file=out)
    if s["ran"]:
        print(f"conservative score (every survivor counted, subsets included): "
              f"{s['caught_any']}/{s['ran']} = {100.0 * s['caught_any'] / s['ran']:.1f}% "
              f"of the non-equivalent mutants run ({s['equivalent_run']} equivalent left out)",
              file=out)
    if s["both_known"]:
        print(f"mutation score (check or tests): {s['caught_any']}/{s['both_known']} = "
              f"{100.0 * s['caught_any'] / s['both_known']:.1f}% of the non-equivalent "
              f"mutants whose outcome is known", file=out)
    if s["survivors"]:
        print("survivors: " + ", ".join(s["survivors"]), file=out)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catalogue", default=os.path.join(HERE, "catalogue.txt"))
    ap.add_argument("--results", default=os.path.join(HERE, "results.json"),
                    help="JSON written after every mutant (default: %(default)s)")
    ap.add_argument("--scratch", default=None,
                    help="scratch directory (default: /tmp/fmmut-<user>-<hash of repo>)")
    ap.add_argument("--ids", default="", help="comma-separated ids (or id prefixes)")
    ap.add_argument("--limit", type=int, default=0, help="at most N mutants this run")
    ap.add_argument("--jobs", type=int, default=1,
                    help="mutants in parallel (only 1 is supported: one scratch tree)")
    ap.add_argument("--build-jobs", type=int, default=2, help="ninja -j (default 2)")
    ap.add_argument("--test-procs", type=int, default=2, help="meson test --num-processes")
    ap.add_argument("--keep", action="store_true",
                    help="keep the scratch checkout and build for the next run")
    ap.add_argument("--force", action="store_true", help="re-run ids already done")
    ap.add_argument("--check-only", action="store_true")
    ap.add_argument("--tests-only", action="store_true")
    ap.add_argument("--check-args", default="",
                    help="extra arguments for fmcheck check, e.g. '--theorem schedule' "
                         "(the headline score uses none)")
    ap.add_argument("--quick", action="store_true",
                    help="run only the theorems named in each entry's `quick` field and "
                         "the tests named in its `unit` field (a red subset is a red "
                         "judge; a green subset decides nothing)")
    ap.add_argument("--test-args", default="", help="extra arguments for meson test")
    ap.add_argument("--check-timeout", type=float, default=900)
    ap.add_argument("--test-timeout", type=float, default=1800)
    ap.add_argument("--build-timeout", type=float, default=1800)
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the unmutated run that must be green")
    ap.add_argument("--validate", action="store_true",
                    help="only check every snippet against the current tree, then exit")
    ap.add_argument("--table", action="store_true",
                    help="only print the table and score from the results file")
    args = ap.parse_args()
    if args.jobs != 1:
        sys.exit("--jobs: only 1 is supported (one scratch tree, a 2-core machine)")
    if args.check_only and args.tests_only:
        sys.exit("--check-only and --tests-only exclude each other")
    args.check_args = args.check_args.split()
    args.test_args = args.test_args.split()
    want_check, want_tests = not args.tests_only, not args.check_only

    entries = parse_catalogue(args.catalogue)
    repo = git(["rev-parse", "--show-toplevel"], HERE).strip()
    results = {}
    if os.path.exists(args.results):
        with open(args.results) as f:
            results = json.load(f).get("mutants", {})

    if args.table:
        rows, s = summarise(entries, results)
        print_table(rows, s)
        return 0

    if args.validate:
        bad = 0
        for e in entries:
            path, err = locate(repo, e["file"])
            if not err:
                with open(path, encoding="utf-8") as f:
                    n = f.read().count(e["orig"])
                err = None if n == 1 else f"snippet occurs {n} times"
            if err:
                bad += 1
                print(f"{e['id']}: {err}")
        print(f"{len(entries)} entries, {bad} bad")
        return 1 if bad else 0

    sel = entries
    if args.ids:
        want = [x.strip() for x in args.ids.split(",") if x.strip()]
        sel = [e for e in entries if any(e["id"] == w or e["id"].startswith(w) for w in want)]
        if not sel:
            sys.exit(f"--ids {args.ids}: no such mutant")

    def done(e):
        r = results.get(e["id"])
        if args.force or r is None or r.get("key") != entry_key(e):
            return False
        if r["status"] != "ran":
            return r["status"] == "build-error" and False
        return (not want_check or "check" in r) and (not want_tests or "tests" in r)

    todo = [e for e in sel if not done(e)]
    if args.limit > 0:
        todo = todo[:args.limit]

    def log(msg):
        print(msg, flush=True)

    key = hashlib.sha1(repo.encode()).hexdigest()[:8]
    root = args.scratch or os.path.join(tempfile.gettempdir(),
                                        f"fmmut-{os.environ.get('USER', 'u')}-{key}")
    sc = Scratch(repo, root, args.build_jobs)
    doc = {"mutants": results}
    if os.path.exists(args.results):
        with open(args.results) as f:
            doc = json.load(f)
        doc.setdefault("mutants", {})
        results = doc["mutants"]

    def save():
        tmp = args.results + ".tmp"
        with open(tmp, "w") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
        os.replace(tmp, args.results)

    try:
        if todo:
            head = sc.prepare(log)
            t0 = time.time()
            rc, secs = sc.ninja(None, args.build_timeout, os.path.join(sc.logs, "base.build.log"))
            if rc != 0:
                sys.exit(f"the unmutated tree does not build: {sc.logs}/base.build.log")
            log(f"scratch {root}: HEAD {head[:10]} built in {secs:.0f} s")
            base = doc.get("baseline", {})
            if not args.no_baseline and base.get("commit") != head:
                base = {"commit": head}
                if want_check:
                    base["check"] = run_check(sc, args, "baseline")
                    log(f"baseline check: {base['check']['how']} ({base['check']['seconds']} s)")
                if want_tests:
                    base["tests"] = run_tests(sc, args, "baseline")
                    log(f"baseline tests: {base['tests']['how']} ({base['tests']['seconds']} s)")
                doc["baseline"] = base
                save()
                if any(base.get(p, {}).get("caught") for p in ("check", "tests")):
                    sys.exit("the unmutated tree is not green: fix that first "
                             f"(logs in {sc.logs})")
            for i, e in enumerate(todo, 1):
                log(f"[{i}/{len(todo)}] {e['id']} ({e['file']}): {e['breaks'] if 'breaks' in e else ''}")
                r = do_mutant(sc, e, args, want_check, want_tests, log)
                old = results.get(e["id"])
                if old and old.get("key") == r["key"] and r["status"] == "ran" \
                        and old.get("status") == "ran":
                    for part in ("check", "tests"):   # keep the other half of an earlier run
                        if part not in r and part in old:
                            r[part] = old[part]
                results[e["id"]] = r
                save()
                if r["status"] != "ran":
                    log(f"  {r['status']}: {r.get('error')}")
            log(f"{len(todo)} mutants in {time.time() - t0:.0f} s")
            # leave the scratch build unmutated and up to date
            sc.ninja(None, args.build_timeout, os.path.join(sc.logs, "final.build.log"))
    finally:
        if todo and not args.keep and os.path.isdir(root):
            sc.remove()
    rows, s = summarise(entries, results)
    print()
    print_table(rows, s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
