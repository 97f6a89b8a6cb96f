"""The Python package fmcheck: the surface users call (Case, field, sample,
compare_field, compare_samples, check, testing, Error), each result checked
against a second route -- the fmcheck command of the same build ($FMCHECK)
or an identity the exact quantities satisfy."""

import json
import os
import subprocess

import numpy as np
import pytest

import fmcheck
from fmcheck.testing import assert_field_close, assert_samples_match

FMCHECK = os.environ.get("FMCHECK")


def run_cli(*args):
    return subprocess.run([FMCHECK, *args], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def ring():
    return fmcheck.Case("ring8-cond_ot")


def test_case_from_name_path_and_dict_agree(tmp_path, ring):
    assert (ring.name, ring.dim, ring.components) == ("ring8-cond_ot", 2, 8)
    spec = {"name": "two", "data": {"type": "gmm", "dim": 2, "components": [
        {"weight": 0.3, "mean": [1.5, -0.5], "var": 0.2},
        {"weight": 0.7, "mean": [-1.0, 0.25], "diag": [0.3, 0.1]}]},
        "schedule": {"type": "vp"}}
    path = tmp_path / "two.json"
    path.write_text(json.dumps(spec))
    a, b = fmcheck.Case(spec), fmcheck.Case(path)
    assert (a.name, a.dim, b.origin) == ("two", 2, str(path))
    x = a.sample(50, t=0.4, seed=3)
    np.testing.assert_array_equal(a.field(0.4, x)["u"], b.field(0.4, x)["u"])
    assert "ring8-cond_ot" in fmcheck.builtins()
    assert "tweedie" in fmcheck.theorems()


def test_bad_cases_raise_error_with_the_library_message(tmp_path):
    bad = {"name": "x", "data": {"type": "gmm", "dim": 1, "components": [
        {"weight": 1, "mean": [0], "var": -1}]}, "schedule": {"type": "cond_ot"}}
    with pytest.raises(fmcheck.Error, match=r"data\.components\[0\]\.var: must be positive"):
        fmcheck.Case(bad)
    path = tmp_path / "broken.json"
    path.write_text('{"name": "x",\n "data": }')
    with pytest.raises(ValueError, match=r"broken\.json:2:") as e:
        fmcheck.Case(str(path))
    assert e.value.reason == "parse error"
    with pytest.raises(fmcheck.Error, match="no such file, and no built-in case"):
        fmcheck.Case("ring9-cond_ot")


def test_field_equals_the_field_command_bit_for_bit(tmp_path, ring):
    t = np.linspace(0.0, 1.0, 30)
    x = np.column_stack([2.385 * np.sin(np.arange(30)), 1.7 * np.cos(np.arange(30))])
    f = ring.field(t, x)
    assert f["u"].shape == (30, 2) and f["logp"].shape == (30,)
    pts = tmp_path / "p.csv"
    np.savetxt(pts, np.column_stack([t, x]), delimiter=",", fmt="%.17g")
    out = run_cli("field", "--case", "ring8-cond_ot", "--points", str(pts))
    assert out.returncode == 0, out.stderr
    cli = np.loadtxt(out.stdout.splitlines(), delimiter=",", skiprows=1)
    np.testing.assert_array_equal(cli[:, 3:5], f["u"])
    np.testing.assert_array_equal(cli[:, 5:7], f["score"])
    np.testing.assert_array_equal(cli[:, 7], f["logp"])
    np.testing.assert_array_equal(cli[:, 8:10], f["mean"])
    np.testing.assert_array_equal(ring.u(t, x), f["u"])
    np.testing.assert_array_equal(ring.score(t, x), f["score"])
    np.testing.assert_array_equal(ring.logp(t, x), f["logp"])


def test_tweedie_holds_between_score_and_mean(ring):
    # cond_ot with sigma_min = 1e-4: alpha = t, sigma = 1 - (1 - 1e-4) t,
    # and E[x1 | x] = (x + sigma^2 score) / alpha
    t = 0.37
    x = ring.sample(200, t=t, seed=5)
    f = ring.field(t, x)
    sigma = 1 - (1 - 1e-4) * t
    np.testing.assert_allclose(f["mean"], (x + sigma ** 2 * f["score"]) / t, rtol=1e-12,
                               atol=1e-12)


def test_field_errors_name_the_point(ring):
    x = np.zeros((3, 2))
    with pytest.raises(fmcheck.Error, match=r"point 2: t = 1\.5 is outside \[0, 1\]"):
        ring.field(np.array([0.1, 0.2, 1.5]), x)
    with pytest.raises(fmcheck.Error, match=r"expected \(n, 2\)"):
        ring.field(0.5, np.zeros((3, 3)))
    with pytest.raises(fmcheck.Error, match=r"expected a scalar or shape \(3,\)"):
        ring.field(np.zeros(2), x)


def test_samples_are_reproducible_by_seed_and_match_p_t(ring):
    a = ring.sample(2000, t=0.8, seed=11)
    np.testing.assert_array_equal(a[:100], ring.sample(100, t=0.8, seed=11))
    assert not np.array_equal(a, ring.sample(2000, t=0.8, seed=12))
    r = assert_samples_match(ring, a, t=0.8)
    assert r.passed and not r.rejected and len(r.tests) == 6
    # 600 rows: the permutation tests then run on 600, not 1000 (seconds)
    with pytest.raises(AssertionError, match="verdict: REJECT"):
        assert_samples_match(ring, 1.1 * a[:600], t=0.8)


def test_compare_field_array_and_callable(ring):
    t = np.repeat([0.2, 0.5, 0.9], 300)
    x = np.vstack([ring.sample(300, t=s, seed=i) for i, s in enumerate((0.2, 0.5, 0.9))])
    u = ring.u(t, x)
    exact = fmcheck.compare_field(ring, u, t, x)
    assert exact.passed and exact.rel_l2 == 0.0
    off = fmcheck.compare_field(ring, lambda tt, xx: 1.01 * ring.u(tt, xx), t, x)
    assert not off.passed and off.rel_l2 == pytest.approx(0.01, rel=1e-9)
    assert off.as_dict()["rel_l2"] == off.rel_l2
    with pytest.raises(AssertionError, match="relative L2 error  0.01"):
        assert_field_close(ring, 1.01 * u, t, x)
    assert_field_close(ring, 1.01 * u, t, x, tol=0.02)


def test_compare_field_equals_the_command(tmp_path, ring):
    t = np.linspace(0.05, 0.95, 40)
    x = np.column_stack([np.sin(np.arange(40)), np.cos(np.arange(40))])
    v = ring.u(t, x) + 1e-3 * np.sin(np.arange(80)).reshape(40, 2)
    r = fmcheck.compare_field(ring, v, t, x)
    path, js = tmp_path / "v.csv", tmp_path / "r.json"
    np.savetxt(path, np.column_stack([t, x, v]), delimiter=",", fmt="%.17g")
    out = run_cli("compare-field", "--case", "ring8-cond_ot", "--field", str(path), "--json",
                  str(js))
    assert out.returncode == 1, out.stderr
    cli = json.loads(js.read_text())
    assert cli["rel_l2"] == r.rel_l2 and cli["worst_row"]["row"] == r.worst_row + 1
    assert str(r) == out.stdout.rstrip("\n")


def test_check_records_equal_check_json(tmp_path):
    r = fmcheck.check("gauss1d-vp", theorems="tweedie")
    js = tmp_path / "c.json"
    out = run_cli("check", "--case", "gauss1d-vp", "--theorem", "tweedie", "--json", str(js))
    assert out.returncode == 0, out.stderr
    cli = json.loads(js.read_text())["verdicts"][0]
    row = r.rows[0]
    assert r.passed and row.ok == cli["ok"] and len(r.rows) == 1
    assert row.verdict.outcome == cli["outcome"]
    assert [x["key"] for x in row.verdict.routes] == [x["key"] for x in cli["routes"]]
    assert [x["value"] for x in row.verdict.routes] == [x["value"] for x in cli["routes"]]
    assert row.verdict.facts.keys() == cli["facts"].keys()
    assert [c.mutant for c in row.controls] == [c["mutant"] for c in cli["controls"]]
    assert row.rejected == row.applicable > 0
    assert [c.outcome for c in row.controls] == [c["outcome"] for c in cli["controls"]]
    assert "1 rows: 1 passed" in str(r)
    with pytest.raises(fmcheck.Error, match="tweedy: no such theorem"):
        fmcheck.check("gauss1d-vp", theorems=["tweedy"])
