"""Run pytest on the given files and report each test as a TAP line (`ok N
- name`, `not ok N - name` followed by the failure as `#` lines, `ok N -
name # SKIP reason`), then the plan, so that meson (protocol 'tap') and
.ci/run count pytest tests like Criterion ones.  A run in which every test
was skipped (e.g. torch is not installed) prints `1..0 # SKIP reason`:
skipped, neither passed nor failed.  pytest's own terminal output is off."""

import sys

import pytest


class TapReport:
    def __init__(self):
        self.n = 0
        self.failed = 0
        self.skips = []
        self.outcome = {}
        self.planned = False

    def _line(self, ok, name, directive="", diag=""):
        self.n += 1
        self.failed += not ok
        print(f"{'ok' if ok else 'not ok'} {self.n} - {name}{directive}", flush=True)
        for line in diag.splitlines():
            print("# " + line, flush=True)

    def pytest_collectreport(self, report):
        if report.failed:
            self._line(False, f"collect {report.nodeid}", diag=str(report.longrepr))
        elif report.skipped:
            self.skips.append(report.longrepr[2] if isinstance(report.longrepr, tuple)
                              else str(report.longrepr))

    def pytest_runtest_logreport(self, report):
        # a test's outcome: the first failure or skip of its phases, else pass
        prev = self.outcome.get(report.nodeid)
        if prev is None or prev[0] == "passed":
            self.outcome[report.nodeid] = (report.outcome, report)

    def pytest_runtest_logfinish(self, nodeid, location):
        outcome, report = self.outcome.pop(nodeid, ("passed", None))
        name = nodeid.split("::", 1)[-1]
        if outcome == "skipped":
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            self.skips.append(reason)
            self._line(True, name, f" # SKIP {reason}")
        else:
            self._line(outcome == "passed", name,
                       diag="" if outcome == "passed" else report.longreprtext)

    def pytest_sessionfinish(self, session, exitstatus):
        self.planned = True
        if self.n == 0 and self.skips:
            print(f"1..0 # SKIP {self.skips[0]}", flush=True)
        elif self.n == 0:
            self._line(False, "pytest collected no test")
            print("1..1", flush=True)
        else:
            print(f"1..{self.n}", flush=True)


def main(argv):
    tap = TapReport()
    rc = pytest.main(["-p", "no:cacheprovider", "-p", "no:terminal", *argv], plugins=[tap])
    if not tap.planned:  # pytest stopped before the session (usage or internal error)
        tap._line(False, f"pytest did not run (exit status {int(rc)}; see stderr)")
        print(f"1..{tap.n}", flush=True)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
