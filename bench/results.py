#!/usr/bin/python3
"""results.py — the benchmark JSON after a run (Google Benchmark's format).

  results.py normalize RAW OUT   strip /repeats:N and /real_time from names, so
                                 a name is the problem and runs with other
                                 repetition counts compare; write OUT
  results.py table FILE          medians of every row as a table, then the
                                 geometric means of vs_onednn / vs_blas
  results.py sane FILE           the quick mode's check: every row ran, every
                                 counter is there and finite, the context has
                                 the peaks and the peers; "N passed, N failed"
"""
import json
import math
import re
import sys

PEERS = ("onednn", "blas")


def load(path):
    with open(path) as f:
        return json.load(f)


def clean(name):
    name = re.sub(r"/repeats:\d+", "", name)
    return re.sub(r"/real_time(?=_|$)", "", name)


def normalize(raw, out):
    doc = load(raw)
    for b in doc.get("benchmarks", []):
        for key in ("name", "run_name"):
            if key in b:
                b[key] = clean(b[key])
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def impl_of(run_name):
    parts = run_name.split("/")
    return parts[2] if len(parts) > 2 else ""


def medians(doc):
    """One entry per row: its median aggregate, or its only run."""
    rows, order = {}, []
    for b in doc.get("benchmarks", []):
        name = b.get("run_name", b["name"])
        if name not in rows:
            order.append(name)
            rows[name] = {"runs": [], "median": None}
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                rows[name]["median"] = b
        else:
            rows[name]["runs"].append(b)
    out = []
    for name in order:
        r = rows[name]
        best = r["median"] or (r["runs"][0] if r["runs"] else None)
        if best is not None:
            out.append((name, best, len(r["runs"])))
    return out


def fmt(v, spec):
    if isinstance(v, (int, float)):
        return format(v, spec)
    return format("-", ">" + spec.split(".")[0])


def geomean(vals):
    vals = [v for v in vals if isinstance(v, (int, float)) and v > 0]
    return math.exp(sum(math.log(v) for v in vals) / len(vals)) if vals else float("nan")


def table(path):
    doc = load(path)
    ctx = doc.get("context", {})
    unit_ms = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
    print(f"{'row (median of repetitions)':66} {'ms':>10} {'GFLOP/s':>8} {'%peak':>6}"
          f" {'vs_onednn':>9} {'vs_blas':>8} {'reps':>4}")
    groups = {}
    for name, b, reps in medians(doc):
        if b.get("error_occurred"):
            print(f"{name:66} ERROR: {b.get('error_message', '')}")
            continue
        ms = b["real_time"] * unit_ms.get(b.get("time_unit", "ns"), 1e-6)
        print(f"{name:66} {ms:10.4g} {fmt(b.get('GFLOP/s'), '8.2f')} {fmt(b.get('pct_peak'), '6.1f')}"
              f" {fmt(b.get('vs_onednn'), '9.2f')} {fmt(b.get('vs_blas'), '8.2f')} {reps:4d}")
        if impl_of(name) not in PEERS:
            p = name.split("/")
            key = (p[7] if len(p) > 7 else "?", p[4] if len(p) > 4 else "?")
            groups.setdefault(key, []).append(b)
    print()
    print(f"machine {ctx.get('machine', '?')}, table {ctx.get('rnnsimd_isa', '?')}, "
          f"peaks {', '.join(f'{k[12:]} {v}' for k, v in ctx.items() if k.startswith('peak_gflops_'))}"
          f" GFLOP/s; emulated: {ctx.get('emulated', '?')}")
    for (mode, batch), bs in sorted(groups.items()):
        print(f"  {mode:5} {batch:5}: geomean vs_onednn {geomean([b.get('vs_onednn') for b in bs]):.2f}"
              f"  vs_blas {geomean([b.get('vs_blas') for b in bs]):.2f}  over {len(bs)} rows")


def sane(path):
    doc = load(path)
    ctx = doc.get("context", {})
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL", what)

    check(any(k.startswith("peak_gflops_") for k in ctx), "context has peak_gflops_*")
    check("openblas" in ctx and "onednn" in ctx, "context names both peers")
    runs = [b for b in doc.get("benchmarks", []) if b.get("run_type") != "aggregate"]
    check(len(runs) > 0, "the run has rows")
    for b in runs:
        name = b.get("run_name", b["name"])
        check(not b.get("error_occurred"), f"{name}: ran ({b.get('error_message', '')})")
        if b.get("error_occurred"):
            continue
        want = ["GFLOP/s", "steps_per_s", "pct_peak"]
        if impl_of(name) not in PEERS:
            want.append("vs_blas")
            if not name.endswith("/seq_noproj"):
                want.append("vs_onednn")
        for c in want:
            v = b.get(c)
            check(isinstance(v, (int, float)) and math.isfinite(v) and v > 0,
                  f"{name}: counter {c} = {v}")
        check(b.get("real_time", 0) > 0 and b.get("iterations", 0) > 0,
              f"{name}: time and iterations")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def main(argv):
    if len(argv) == 4 and argv[1] == "normalize":
        normalize(argv[2], argv[3])
    elif len(argv) == 3 and argv[1] == "table":
        table(argv[2])
    elif len(argv) == 3 and argv[1] == "sane":
        return sane(argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
