#!/usr/bin/python3
"""targets.py — the performance report of a benchmark run.

The judged rows, the ceilings this machine allows them, and the targets of
bench/targets.json with a verdict for each.

  targets.py FILE.json [--avx2 FILE] [--threads FILE] [--targets FILE] [--strict]
  targets.py --bf16 FILE.json [--targets FILE] [--strict]   the bf16 section
                                 (bench/targets_bf16.py: a DTYPE=all run's bf16 rows)

FILE.json is a default-set run (results/<machine>/<cpu>.json); the batch-1
forward, batched forward, training and latency sections are judged on it.
The AVX2 section is judged on the CPU=avx2 run, the two-thread section on
the SET=threads run; by default both are looked for beside FILE.json
(avx2.json and <cpu>-threads.json, <cpu> from FILE.json's context). The
thresholds come from bench/targets.json (--targets another file), named by
what they judge. Every number is the median over a row's repetitions (for
a file of several processes, bench/merge.py, the median over processes of
their medians, each row with its range over the processes);
ratios are vs_onednn (oneDNN time / our time, both measured in the same
process). A section whose rows are missing says MISSING and which rows.
Exit 0, or with --strict 1 unless every section with a threshold passed.

Batch-1 byte rate: W_hh is G*H*H*4 bytes, streamed once per step at B=1,
so the rate is G*H*H*4*T / (the time of the recurrent loop alone: the
default set's many2many T=64 B=1 fwd /seq_noproj row of the same cell and H,
where neither projection nor head is timed), against the one-core read
bandwidth the binary measured at start-up (context read_bw_GBps_<size>) for
the smallest probed buffer that holds W_hh: that size lives in the same
cache level as the weights. Without that row the many2one row's whole time
is used (a lower bound: it also holds the projection and the head).

The ceilings each section prints are bench/ceilings.py's (its docstring has
the reasoning); the thresholds and verdicts, bench/verdicts.py's.

vs_onednn is paired (bench/rows.h): each repetition of ours divides the
oneDNN time taken right after it, for as long, by its own time.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # results.py
from results import PEERS, geomean, load, medians, ms_of, parse_name  # noqa: E402
from ceilings import (GATES, bandwidths, ceiling_line, fma_need, level_of, mib,  # noqa: E402
                      num)
from verdicts import (CELLS, HS, Report, geo_ok, load_targets, process_spread,  # noqa: E402
                      processes_text, verdict_of)

HERE = os.path.dirname(os.path.abspath(__file__))


class Rows:
    """Our rows of one JSON file by problem: (cell, topology, T, B, H, threads, mode)."""

    def __init__(self, path):
        self.path = path
        self.doc = load(path)
        self.ctx = self.doc.get("context", {})
        self.by, self.loop = {}, {}
        for name, b, _ in medians(self.doc):
            f = parse_name(name)
            if f and f["impl"] not in PEERS and f["variant"] == "seq_noproj" and f["B"] == 1 \
                    and f["T"] == 64 and f["threads"] == 1 and f["mode"] == "fwd":
                self.loop[(f["cell"], f["H"])] = b  # the batch-1 recurrent loop alone
            if not f or f["impl"] in PEERS or f["variant"] or f["I"] != f["H"]:
                continue
            key = (f["cell"], f["topology"], f["T"], f["B"], f["H"], f["threads"], f["mode"])
            self.by[key] = (name, b)

    def get(self, cell, topology, T, B, H, mode, threads=1):
        return self.by.get((cell, topology, T, B, H, threads, mode))


class Judged:
    """One row a target judges: its problem, and its name and median if it ran."""

    def __init__(self, rows, cell, B, H, mode, threads):
        self.cell, self.B, self.H = cell, B, H
        self.label = f"{cell}/many2one/T:64/B:{B}/I:{H}/H:{H}/{mode}"
        r = rows.get(cell, "many2one", 64, B, H, mode, threads)
        self.name, self.b = r if r else (None, None)


def judged_rows(rows, modes, batches, Hs=HS, threads=1):
    """The judged many2one T=64 grid, every cell."""
    return [Judged(rows, cell, B, H, mode, threads)
            for mode in modes for B in batches for H in Hs for cell in CELLS]


def ratio_lines(rs, extra=None):
    lines, missing = [], []
    for j in rs:
        v = num(j.b, "vs_onednn")
        if v is None:
            why = "row missing" if j.b is None else (j.b.get("error_message") or "no vs_onednn")
            missing.append(f"{j.label} ({why})")
            continue
        lo, hi = num(j.b, "vs_onednn_min"), num(j.b, "vs_onednn_max")
        spread = f" ({lo:.2f}-{hi:.2f} over {j.b.get('processes')} processes)" if lo and hi else ""
        lines.append(f"{j.name:62} vs_onednn {v:6.2f}{spread}{extra(j) if extra else ''}")
    return lines, missing


def batch1_forward(rep, rows):
    want = rep.t["batch1_forward"]
    rs = judged_rows(rows, ("fwd",), (1,))
    bws = bandwidths(rows.ctx)
    bw_ok = []

    def extra(j):
        w = GATES[j.cell] * j.H * j.H * 4
        # The loop alone (/seq_noproj row) when the run has it, else the
        # whole row's time (which also holds the projection and the head).
        loop = rows.loop.get((j.cell, j.H))
        rate = w * 64 / (ms_of(loop or j.b) * 1e-3) * 1e-9
        if not bws:
            bw_ok.append(None)
            return f"  W_hh {mib(w):>9} in {level_of(rows.ctx, w):4}  {rate:6.1f} GB/s (bandwidth not probed)"
        size, bw = next(((s, g) for s, g in bws if s >= w), bws[-1])
        pct = 100 * rate / bw
        bw_ok.append(pct >= want["bandwidth_pct_min"])
        return (f"  W_hh {mib(w):>9} in {level_of(rows.ctx, w):4}  {rate:6.1f} GB/s = {pct:5.1f}%"
                f" of {bw:.1f} GB/s (probe {mib(size)}; {'loop alone' if loop else 'whole row'})")

    lines, missing = ratio_lines(rs, extra)
    vals = [num(j.b, "vs_onednn") for j in rs if num(j.b, "vs_onednn")]
    g, lo = geomean(vals), min(vals) if vals else float("nan")
    if None in bw_ok:
        missing.append("the context has no read_bw_GBps_* (a run from before the probe)")
    gmin, rmin, bmin = want["geomean_min"], want["row_min"], want["bandwidth_pct_min"]
    ok = geo_ok(g, gmin, missing) and not lo < rmin and all(x for x in bw_ok if x is not None)
    known = [x for x in bw_ok if x is not None]
    bw_line = (f"{sum(known)} of {len(known)} rows at >= {bmin}% of the bandwidth" if known
               else "bandwidth not judged (not probed)")
    lines.append(f"geomean {g:.2f} (>= {gmin}{process_spread(rows, rs)}), lowest {lo:.2f} "
                 f"(>= {rmin}), {bw_line}")
    lines += ceiling_line(rows, rs, 1, gmin)
    rep.target("batch1_forward", verdict_of(ok, missing), lines + [f"MISSING {m}" for m in missing])


def batched_forward(rep, rows):
    want = rep.t["batched_forward"]
    rmin, pmin = want["row_min"], want["pct_peak_min_b64"]
    rs = judged_rows(rows, ("fwd",), (16, 64), Hs=(512, 1024))
    peak_ok = []

    def extra(j):
        need = fma_need(j, rmin, rows.ctx)
        if j.B != 64 or j.cell == "rnn_tanh":
            return need
        p = num(j.b, "pct_peak")
        peak_ok.append(p is not None and p >= pmin)
        return (f"  pct_peak {p:5.1f} (>= {pmin})" if p else "  pct_peak missing") + need

    lines, missing = ratio_lines(rs, extra)
    vals = [num(j.b, "vs_onednn") for j in rs if num(j.b, "vs_onednn")]
    lo = min(vals) if vals else float("nan")
    ok = not lo < rmin and all(peak_ok)
    lines.append(f"lowest vs_onednn {lo:.2f} (>= {rmin} on every row); {sum(peak_ok)} of "
                 f"{len(peak_ok)} B=64 LSTM/GRU/LBR-GRU rows at >= {pmin}% of the FMA peak")
    rep.target("batched_forward", verdict_of(ok, missing), lines + [f"MISSING {m}" for m in missing])


def training(rep, rows):
    t = rep.t["training"]
    lines, missing, ok = [], [], True
    for B, want in ((1, t["geomean_min_b1"]), (64, t["geomean_min_b64"])):
        rs = judged_rows(rows, ("train",), (B,))
        ls, ms = ratio_lines(rs, None if B == 1 else lambda j, w=want: fma_need(j, w))
        g = geomean([num(j.b, "vs_onednn") for j in rs])
        ok &= geo_ok(g, want, ms)
        lines += ls + [f"B={B}: geomean {g:.2f} (>= {want}{process_spread(rows, rs)})"]
        if B == 1:
            lines += ceiling_line(rows, rs, 2, want)
        missing += ms
    rep.target("training", verdict_of(ok, missing), lines + [f"MISSING {m}" for m in missing])


def side_run(rep, key, path, command):
    """The rows of a run judged on its own file (the AVX2 and two-thread
    sections), or None after reporting the section MISSING with the
    command that makes it."""
    if not os.path.exists(path):
        rep.target(key, "MISSING", [f"no {path}: run `{command}`"])
        return None
    return Rows(path)


def avx2(rep, path):
    gmin = rep.t["avx2"]["geomean_min"]
    rows = side_run(rep, "avx2", path, "make bench CPU=avx2")
    if not rows:
        return
    rs = judged_rows(rows, ("fwd", "train"), (1, 16, 64))
    lines, missing = ratio_lines(rs)
    g = geomean([num(j.b, "vs_onednn") for j in rs])
    isa, dnnl = rows.ctx.get("rnnsimd_isa", "?"), rows.ctx.get("onednn", "")
    if isa != "avx2":
        missing.append(f"{path} is a run of table {isa}, not avx2")
    if "ISA: avx2" not in dnnl:
        missing.append(f"oneDNN was not limited to AVX2 in that run ({dnnl})")
    lines.append(f"geomean {g:.2f} (>= {gmin}) over {len(rs) - len(missing)} rows of {path}")
    rep.target("avx2", verdict_of(geo_ok(g, gmin, missing), missing),
               lines + [f"MISSING {m}" for m in missing])


def latency(rep, rows):
    rmax = rep.t["latency"]["time_ratio_max"]
    lines, missing, ok = [], [], True
    for cell in CELLS:
        for mode in ("fwd", "train"):
            r = rows.get(cell, "one2one", 1, 1, 256, mode)
            v = num(r[1], "vs_onednn") if r else None
            label = f"{cell}/one2one/T:1/B:1/I:256/H:256/{mode}"
            judged = cell == "lstm" and mode == "fwd"
            if v is None:
                if judged:
                    missing.append(f"{label} ({'row missing' if not r else 'no vs_onednn'})")
                continue
            us = ms_of(r[1]) * 1e3
            lines.append(f"{r[0]:62} {us:8.2f} us  ours/oneDNN time {1 / v:5.2f}"
                         + (f"  (judged: <= {rmax})" if judged else ""))
            if judged:
                ok = 1 / v <= rmax
    rep.target("latency", verdict_of(ok, missing), lines + [f"MISSING {m}" for m in missing])


def threads(rep, path):
    rows = side_run(rep, "threads", path, "make bench SET=threads")
    if not rows:
        return
    rs = judged_rows(rows, ("fwd", "train"), (1, 16, 64), threads=2)
    lines, missing, sp, vs = [], [], [], []
    for j in rs:
        v, s = num(j.b, "vs_onednn"), num(j.b, "speedup_vs_1thread")
        if v is None or s is None:
            why = "row missing" if j.b is None else (j.b.get("error_message") or
                                                      "no vs_onednn or speedup_vs_1thread")
            missing.append(f"{j.label} threads:2 ({why})")
            continue
        sp.append(s)
        vs.append(v)
        lines.append(f"{j.name:72} x1thread {s:5.2f}  vs_onednn {v:6.2f}")
    lines.append(f"geomean speedup over 1 thread {geomean(sp):.2f}, vs_onednn at 2 threads "
                 f"{geomean(vs):.2f}, over {len(sp)} of {len(rs)} rows (no threshold: reported)")
    load = rows.ctx.get("load_average_1min_at_start")
    if load is not None:
        lines.append(f"load average at start {load} (two threads need both cores idle)")
    verdict = "MISSING" if missing else "REPORTED"
    rep.target("threads", verdict, lines + [f"MISSING {m}" for m in missing])


def main(argv):
    if "--bf16" in argv[1:]:
        import targets_bf16  # the bf16 rows' own report
        return targets_bf16.main([a for a in argv if a != "--bf16"])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--avx2", help="the CPU=avx2 run (default: avx2.json beside FILE)")
    ap.add_argument("--threads", help="the SET=threads run (default: <cpu>-threads.json beside FILE)")
    ap.add_argument("--targets", default=os.path.join(HERE, "targets.json"),
                    help="the thresholds (default: bench/targets.json)")
    ap.add_argument("--strict", action="store_true", help="exit 1 unless every target passes")
    a = ap.parse_args(argv[1:])
    rows = Rows(a.file)
    here = os.path.dirname(a.file) or "."
    isa = rows.ctx.get("rnnsimd_isa", "avx512")
    avx2_path = a.avx2 or (a.file if isa == "avx2" else os.path.join(here, "avx2.json"))
    threads_path = a.threads or os.path.join(here, f"{isa}-threads.json")
    print(f"performance report: {a.file} (table {isa}, machine {rows.ctx.get('machine', '?')}, "
          f"{processes_text(rows.ctx)}"
          f"load at start {rows.ctx.get('load_average_1min_at_start', '?')}; targets from "
          f"{os.path.relpath(a.targets)})")
    rep = Report(load_targets(a.targets))
    batch1_forward(rep, rows)
    batched_forward(rep, rows)
    training(rep, rows)
    avx2(rep, avx2_path)
    latency(rep, rows)
    threads(rep, threads_path)
    return rep.summary("targets", a.strict)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
