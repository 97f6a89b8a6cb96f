#!/usr/bin/env python3
"""gen_pathological.py OUTDIR -- write inputs that coverage-guided fuzzing
rarely builds, for running the fuzzers or fmcheck on them by hand:

  case-chain-<op>-<n>.json    alpha = t<op>t<op>...<op>t, n terms
  case-cond-chain-<n>.json    cond_field = x+x+...+x, n terms
  case-unary-<n>.json         alpha = --...-t
  case-nest-<n>.json          alpha = ((...(t)...))
  case-dK-<d>-<K>.json        K isotropic components in dimension d
  points-rows-<n>.csv         n rows of "t,x" (for a 1-d case)
  points-wide-<n>.csv         one row of n fields
  points-huge-shape.npy       a .npy header declaring 2^40 rows

The default tests build the same inputs in C (tests/test_fuzz_regress.c)
and run them through the fuzzers' entry points with a time bound.
Usage: python3 gen_pathological.py /tmp/patho &&
       for f in /tmp/patho/case-*; do fmcheck check --case $f --theorem schedule; done
"""
import json
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "pathological"
os.makedirs(out, exist_ok=True)
one_d = {"type": "gmm", "dim": 1, "components": [{"weight": 1, "mean": [0.5], "var": 0.04}]}


def case(name, sched, data=one_d):
    with open(os.path.join(out, name), "w") as f:
        json.dump({"name": name.split(".")[0], "data": data, "schedule": sched}, f)


def expr(**kw):
    s = {"type": "expr", "alpha": "t", "sigma": "1 - 0.999*t"}
    s.update(kw)
    return s


for op, tag in [("+", "plus"), ("*", "times"), ("-", "minus"), ("^", "pow")]:
    for n in (512, 513, 105000, 1000000):
        case(f"case-chain-{tag}-{n}.json", expr(alpha=op.join(["t"] * n)))
for n in (512, 1000000):
    case(f"case-cond-chain-{n}.json", expr(cond_field="+".join(["x"] * n)))
for n in (100, 101, 10000):
    case(f"case-unary-{n}.json", expr(alpha="-" * n + "t"))
    case(f"case-nest-{n}.json", expr(alpha="(" * n + "t" + ")" * n))
for d, K in [(1024, 4), (1024, 5), (1024, 64), (512, 16), (128, 1025), (1, 100000)]:
    comps = [{"weight": 1, "var": 0.5, "mean": [(i + k) % 7 for i in range(d)]} for k in range(K)]
    case(f"case-dK-{d}-{K}.json", {"type": "cond_ot"},
         {"type": "gmm", "dim": d, "components": comps})
with open(os.path.join(out, "points-rows-1000000.csv"), "w") as f:
    for i in range(1000000):
        f.write(f"0.{i % 97},{i % 13}\n")
with open(os.path.join(out, "points-wide-100000.csv"), "w") as f:
    f.write(",".join(["1"] * 100000) + "\n")
with open(os.path.join(out, "points-huge-shape.npy"), "wb") as f:
    d = "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1), }"
    d += " " * (63 - (10 + len(d)) % 64) + "\n"
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(d)) + d.encode() + b"\0" * 16)
print(f"wrote {len(os.listdir(out))} files to {out}")
