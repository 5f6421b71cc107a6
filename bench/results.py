#!/usr/bin/python3
"""results.py — the benchmark JSON after a run (Google Benchmark's format).

  results.py normalize RAW OUT   strip /repeats:N and /real_time from names, so
                                 a name is the problem and runs with other
                                 repetition counts compare; write OUT (a temp
                                 file renamed over it: never half a file)
  results.py table FILE          medians of every row as a table, then the
                                 geometric means of vs_onednn / vs_blas (per
                                 mode, batch and threads); rows on 2+ threads
                                 also show their speedup over our 1-thread row
                                 of the same problem (counter speedup_vs_1thread)
  results.py sane FILE           the quick mode's check: every row ran, every
                                 counter is there and finite (vs_<peer> on our
                                 rows where that peer ran the problem, and
                                 onednn_paired_us and ours_paired_us where
                                 oneDNN did), the
                                 context has the peaks, the read bandwidths and
                                 the peers; "N passed, N failed"

Names: CELL/TOPOLOGY/IMPL/T:../B:../I:../H:..[/L:N][/bi][/threads:N][/bf16]/MODE[/VARIANT]
(bench/problem.h); parse_name() reads them for this file and bench/targets.py.
"""
import json
import math
import os
import re
import sys
import tempfile

PEERS = ("onednn", "blas")


def load(path):
    with open(path) as f:
        return json.load(f)


def clean(name):
    name = re.sub(r"/repeats:\d+", "", name)
    return re.sub(r"/real_time(?=_|$)", "", name)


def write_atomic(path, text):
    """Writes text to path through a temporary file beside it and a rename:
    an interrupted run leaves the old file (or none), never half of one."""
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".tmp-", dir=d)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def normalize(raw, out):
    doc = load(raw)
    for b in doc.get("benchmarks", []):
        for key in ("name", "run_name"):
            if key in b:
                b[key] = clean(b[key])
    write_atomic(out, json.dumps(doc, indent=1) + "\n")


def parse_name(name, stacks=False, bf16=False):
    """The fields of a row name as a dict, or None if it is not one. A
    stack's row (L:N, bi) is None unless stacks is true: the judged shapes,
    plots and reports are single-layer, one-direction rows, and a stack of
    the same sizes must not pass for one. Likewise a bf16 row (a bf16
    segment before the mode) is None unless bf16 is true, so every reader
    of float32 rows sees what it always saw; "dtype" is "f32" or "bf16"."""
    p = name.split("/")
    if len(p) < 8:
        return None
    out = {"cell": p[0], "topology": p[1], "impl": p[2], "threads": 1, "variant": "",
           "L": 1, "bi": False, "dtype": "f32"}
    for seg, key in zip(p[3:7], "TBIH"):
        k, _, v = seg.partition(":")
        if k != key or not v.isdigit():
            return None
        out[key] = int(v)
    rest = p[7:]
    if rest and rest[0].startswith("L:"):
        v = rest[0].split(":", 1)[1]
        if not v.isdigit():
            return None
        out["L"] = int(v)
        rest = rest[1:]
    if rest and rest[0] == "bi":
        out["bi"] = True
        rest = rest[1:]
    if not stacks and (out["L"] > 1 or out["bi"]):
        return None
    if rest and rest[0].startswith("threads:"):
        v = rest[0].split(":", 1)[1]
        if not v.isdigit():
            return None
        out["threads"] = int(v)
        rest = rest[1:]
    if rest and rest[0] == "bf16":
        if not bf16:
            return None
        out["dtype"] = "bf16"
        rest = rest[1:]
    if not rest or rest[0] not in ("fwd", "train") or len(rest) > 2:
        return None
    out["mode"] = rest[0]
    if len(rest) == 2:
        out["variant"] = rest[1]
    return out


def problem_key(fields, threads=None):
    """A row's problem without its implementation (threads overridable)."""
    f = dict(fields)
    if threads is not None:
        f["threads"] = threads
    return (f["cell"], f["topology"], f["T"], f["B"], f["I"], f["H"], f.get("L", 1),
            f.get("bi", False), f["threads"], f.get("dtype", "f32"), f["mode"], f["variant"])


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


def ms_of(b):
    unit_ms = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
    return b["real_time"] * unit_ms.get(b.get("time_unit", "ns"), 1e-6)


def table(path):
    doc = load(path)
    ctx = doc.get("context", {})
    rows = medians(doc)
    # The speedup column only where some row runs on more than one thread.
    multi = any((parse_name(n, stacks=True, bf16=True) or {}).get("threads", 1) > 1
                for n, _, _ in rows)
    w = 76 if multi else 66
    print(f"{'row (median of repetitions)':{w}} {'ms':>10} {'GFLOP/s':>8} {'%peak':>6}"
          f" {'vs_onednn':>9} {'vs_blas':>8}{' x1thread' if multi else ''} {'reps':>4}")
    groups = {}
    for name, b, reps in rows:
        if b.get("error_occurred"):
            print(f"{name:{w}} ERROR: {b.get('error_message', '')}")
            continue
        sp = f" {fmt(b.get('speedup_vs_1thread'), '8.2f')}" if multi else ""
        print(f"{name:{w}} {ms_of(b):10.4g} {fmt(b.get('GFLOP/s'), '8.2f')}"
              f" {fmt(b.get('pct_peak'), '6.1f')} {fmt(b.get('vs_onednn'), '9.2f')}"
              f" {fmt(b.get('vs_blas'), '8.2f')}{sp} {reps:4d}")
        f = parse_name(name, stacks=True, bf16=True)
        if impl_of(name) not in PEERS and f:
            key = (f["mode"], f["B"], f["threads"], f["dtype"])
            groups.setdefault(key, []).append(b)
    print()
    print(f"machine {ctx.get('machine', '?')}, table {ctx.get('rnnsimd_isa', '?')}, "
          f"peaks {', '.join(f'{k[12:]} {v}' for k, v in ctx.items() if k.startswith('peak_gflops_'))}"
          f" GFLOP/s (one core; a threads:N row's %peak is against N x it);"
          f" emulated: {ctx.get('emulated', '?')}")
    for (mode, batch, threads, dtype), bs in sorted(groups.items()):
        if not any(b.get("vs_onednn") or b.get("vs_blas") for b in bs):
            continue  # our rows alone (SET=threads' 1-thread twins): no ratio to show
        line = f"  {mode:5} {'B:' + str(batch):5} {threads} thr{' bf16' if dtype != 'f32' else ''}: geomean"
        for peer in PEERS:  # a set without a peer's rows (SET=ci: no OpenBLAS) leaves it out
            vals = [b.get(f"vs_{peer}") for b in bs]
            if any(isinstance(v, (int, float)) and v > 0 for v in vals):
                line += f"{'' if peer == PEERS[0] else ' '} vs_{peer} {geomean(vals):.2f}"
        if any(isinstance(b.get("vs_f32"), (int, float)) for b in bs):
            line += f" vs_f32 {geomean([b.get('vs_f32') for b in bs]):.2f}"
        if threads > 1:
            line += f"  speedup over 1 thread {geomean([b.get('speedup_vs_1thread') for b in bs]):.2f}"
        print(f"{line}  over {len(bs)} rows")


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
    bw = [k for k in ctx if k.startswith("read_bw_GBps_")]
    check(len(bw) >= 3 and all(float(ctx[k]) > 0 for k in bw),
          f"context has read bandwidths at 3+ sizes ({', '.join(bw) or 'none'})")
    check("openblas" in ctx and "onednn" in ctx, "context names both peers")
    runs = [b for b in doc.get("benchmarks", []) if b.get("run_type") != "aggregate"]
    check(len(runs) > 0, "the run has rows")
    # Which implementations ran each problem: our rows must carry a ratio to
    # every peer that ran theirs, and a multi-thread row its speedup when our
    # 1-thread row of that problem ran too.
    ran = {}
    for b in runs:
        f = parse_name(b.get("run_name", b["name"]), stacks=True, bf16=True)
        if f:
            ran.setdefault(problem_key(f), set()).add(f["impl"])
    paired_only = ctx.get("sweep") == "ci"  # our rows alone, each paired with oneDNN
    if ctx.get("sweep") not in ("threads", "ci"):  # only those sets have rows of ours alone
        for key, impls in sorted(ran.items()):
            # key: (..., L, bi, threads, dtype, mode, variant); a stack and a
            # bf16 problem have no OpenBLAS row.
            stacked = key[-6] > 1 or key[-5]
            bf16 = key[-3] != "f32"
            # oneDNN's bf16 peer is one primitive: no stack, no seq2seq.
            one_prim = not (bf16 and (stacked or key[1] == "seq2seq"))
            want = (set() if stacked or bf16 else {"blas"}) | \
                (set() if key[-1] == "seq_noproj" or not one_prim else {"onednn"})
            check(want <= impls, f"{'/'.join(map(str, key))}: peers {sorted(want - impls)} missing")
    for b in runs:
        name = b.get("run_name", b["name"])
        f = parse_name(name, stacks=True, bf16=True)
        check(f is not None, f"{name}: a row name that parses")
        check(not b.get("error_occurred"), f"{name}: ran ({b.get('error_message', '')})")
        if b.get("error_occurred") or f is None:
            continue
        want = ["GFLOP/s", "steps_per_s", "pct_peak"]
        if f["impl"] not in PEERS:
            want += [f"vs_{p}" for p in PEERS if p in ran.get(problem_key(f), ())]
            if "onednn" in ran.get(problem_key(f), ()) or (paired_only and f["variant"] != "seq_noproj"):
                want += ["onednn_paired_us", "ours_paired_us"]
            if paired_only and f["variant"] != "seq_noproj":
                want.append("vs_onednn")
            if f["threads"] > 1 and f["impl"] in ran.get(problem_key(f, 1), ()):
                want.append("speedup_vs_1thread")
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
