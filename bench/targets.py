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

Ceilings at batch 1 (forward and training): no single-thread implementation
runs a row faster than its roofline, max(flops / FMA peak, W_hh bytes
streamed / read bandwidth), with flops the row's counted work (GFLOP/s x
time; training counts 3x forward) and W_hh streamed once a step forward and
once more backward (dh_prev = dG W_hh). oneDNN's time over that bound is the
largest vs_onednn any code could reach on this machine; when the geometric
mean of those ceilings is below a target, the target is out of reach here,
and the report says so with the numbers. It assumes every GEMM flop (the
input projection, the weight and input gradients) hides under the W_hh
stream. The serial ceiling does not: GEMM flops at the FMA peak plus the
stream at the read bandwidth, one after the other, as a hoisted schedule
runs them. The report gives oneDNN's time over that bound and our time's
share of it (above 100% only where the GEMMs overlap the stream: the fused
batch-1 step, core/projection_ride.c, which rides the projection and dx on
the stream up to 8 and 4 MiB of weights). The fused ceiling measures how far
overlapping goes on this core: the serial bound less what the overlap probe
(bench/overlap.c) hid when a GEMV stream of W_hh's size ran in one loop
with 8-row GEMM tiles (context overlap_hidden_<size>_ratio<r>) or with
rank-8 updates of a weight gradient (overlap_hidden_dw_<size>_ratio<r>).
Forward rows: the share of the smaller part (GEMM or stream time) hidden at
ratio 1 (as many tile FMAs as stream FMAs: the projection at I = H).
Training, pass by pass, since a stream can only carry work its own pass
has: the projection under the forward stream at ratio 1, and dx, dW_ih and
dW_hh under the backward stream at the larger of the two mixes' ratio-2
shares.

Where the run probed our gate kernels (context elementwise_ns_unit_<cell>_<isa>:
ns per hidden unit and batch row of one forward step, warm operands;
bench/elementwise.c), the serial and fused bounds also count T x H of them.

Ceilings at batch 16 and 64: what a ratio asks of the FMA peak (oneDNN's
share of the peak, pct_peak / vs_onednn, times the ratio) and the FMA
ceiling 100 / oneDNN's share (no code runs above 100% of the peak). With
the element-wise probe, also the ceiling once our gates are counted: one
thread runs a step's products and then its gates, so no code of ours
beats t p/100 (every counted flop at the peak; t our time, p our
pct_peak) plus T x B x H x the probe's ns, and vs_onednn is at most
oneDNN's time over that; with it, the share of the peak the products need
for the target, or "out of reach" where none does (the target is then out
of reach for our gate kernels on this machine).

vs_onednn is paired (bench/rows.h): each repetition of ours divides the
oneDNN time taken right after it, for as long, by its own time.
"""
import argparse
import json
import math
import os
import re
import sys
import statistics

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # results.py
from results import PEERS, geomean, load, medians, ms_of, parse_name  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CELLS = ("rnn_tanh", "lstm", "gru", "lbr_gru")
GATES = {"rnn_tanh": 1, "lstm": 4, "gru": 3, "lbr_gru": 3}
HS = (256, 512, 1024)


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


def num(b, key):
    v = b.get(key) if b and not b.get("error_occurred") else None
    return v if isinstance(v, (int, float)) and math.isfinite(v) and v > 0 else None


def bandwidths(ctx):
    """[(bytes, GB/s)] from the context, smallest buffer first."""
    out = []
    for k, v in ctx.items():
        m = re.fullmatch(r"read_bw_GBps_(\d+)(KiB|MiB)", k)
        if m:
            out.append((int(m.group(1)) << (10 if m.group(2) == "KiB" else 20), float(v)))
    return sorted(out)


def level_of(ctx, nbytes):
    """The smallest data cache level of the context that holds nbytes, or DRAM."""
    levels = sorted((c.get("level", 9), c.get("size", 0)) for c in ctx.get("caches", [])
                    if c.get("type") in ("Data", "Unified"))
    if not levels:
        # Google Benchmark reads sysfs, which some VMs lack; our own probe's
        # sizes (sysconf) are in the context as l1d_bytes, l2_bytes, l3_bytes.
        sizes = ((1, "l1d_bytes"), (2, "l2_bytes"), (3, "l3_bytes"))
        levels = [(lvl, int(float(ctx[k]))) for lvl, k in sizes
                  if str(ctx.get(k, "")).replace(".", "", 1).isdigit() and float(ctx[k]) > 0]
    for lvl, size in levels:
        if size >= nbytes:
            return f"L{lvl}"
    return "DRAM"


def bounds(rows, j, passes, wbytes=4, peak_key=None):
    """(t, oneDNN's time, overlapped bound, serial bound, fused bound) of a
    batch-1 row in seconds (see the docstring), or None. wbytes: bytes a
    weight of W_hh (bf16: 2); peak_key: the context's peak for the row's
    products (default peak_gflops_<isa>). The fused bound (the float32
    overlap probe's) only for the default."""
    t, gf, v = ms_of(j.b) * 1e-3 if j.b else None, num(j.b, "GFLOP/s"), num(j.b, "vs_onednn")
    isa = rows.ctx.get("rnnsimd_isa", "avx512")
    try:
        peak = float(rows.ctx.get(peak_key or f"peak_gflops_{isa}",
                                  "nan" if peak_key else rows.ctx.get("peak_gflops_avx512", "nan")))
    except ValueError:
        peak = float("nan")
    bws = bandwidths(rows.ctx)
    if not (t and gf and v and bws and math.isfinite(peak) and peak > 0):
        return None
    g = GATES[j.cell]
    w = g * j.H * j.H * wbytes
    bw = next((b for s, b in bws if s >= w), bws[-1])
    one = w * 64 / (bw * 1e9)  # one pass of the stream
    stream = passes * one
    # The streamed products' flops (2 per weight per step and pass) are in
    # the stream's time; the rest are GEMMs over all T rows.
    gemm = max(gf * t - passes * 2 * g * j.H * j.H * 64 * 1e-9, 0.0) / peak
    fused = None if peak_key else fused_bound(rows.ctx, j, w, one, gemm, peak, passes)
    # The forward gates, where probed, run between the products (serial).
    ns = elementwise_ns(rows.ctx, j.cell)
    gates = 64 * j.H * ns * 1e-9 if ns else 0.0
    return (t, v * t, max(gf * t / peak, stream), gemm + stream + gates,
            fused + gates if fused else None)


def fused_bound(ctx, j, w, one, gemm, peak, passes):
    """The serial bound less what the overlap probe hid, pass by pass: a
    stream hides only GEMM work of its own pass. Forward: the projection
    under the forward stream, at the tile mix's ratio-1 share. Training
    adds the backward: dx, dW_ih and dW_hh under the second stream, at the
    larger of the tile and dW mixes' ratio-2 shares (the densest mixes the
    probe runs; the backward's, ratio 3 at I = H, is denser still). GEMM
    time outside those (the head) stays serial. None without the probe."""
    h1 = hidden_share(ctx, w, 1)
    if h1 is None:
        return None
    if passes == 1:
        return gemm + one - h1 * min(gemm, one)
    shares = [h for h in (hidden_share(ctx, w, 2), hidden_share(ctx, w, 2, "dw_")) if h is not None]
    if not shares:
        return None
    h2 = max(shares)
    proj = 2 * 64 * GATES[j.cell] * j.H * j.H * 1e-9 / peak  # one T-row GEMM (rows have I = H)
    back = 3 * proj  # dx, dW_ih, dW_hh
    rest = max(gemm - proj - back, 0.0)
    return (one + proj - h1 * min(proj, one)) + (one + back - h2 * min(back, one)) + rest


def hidden_share(ctx, nbytes, ratio, mix=""):
    """The overlap probe's hidden share (context
    overlap_hidden_<mix><n>KiB_ratio<r>; mix "" is the tile, "dw_" the dW
    updates) at the smallest probed size holding nbytes, clamped to [0, 1];
    None without the probe."""
    got = []
    for k, v in ctx.items():
        m = re.fullmatch(rf"overlap_hidden_{mix}(\d+)KiB_ratio(\d+)", k)
        if m and int(m.group(2)) == ratio:
            got.append((int(m.group(1)) << 10, float(v)))
    if not got:
        return None
    got.sort()
    h = next((v for size, v in got if size >= nbytes), got[-1][1])
    return min(max(h, 0.0), 1.0)


def ceiling_line(rows, rs, passes, want, wbytes=4, peak_key=None):
    bs = [b for b in (bounds(rows, j, passes, wbytes, peak_key) for j in rs if j.b) if b]
    if not bs:
        return []
    cs = [dnnl / over for _, dnnl, over, _, _ in bs]
    ss = [dnnl / serial for _, dnnl, _, serial, _ in bs]
    g, gs = geomean(cs), geomean(ss)
    # No code runs a row below its roofline bound: a row that did shows the
    # probes undercounted this run (a busy host while they ran, or W_hh
    # partly in a nearer cache than its size says), and no ceiling of this
    # run can then say a target is out of reach.
    beat = sum(t < over for t, _, over, _, _ in bs)
    tail = ("" if g >= want else
            f": below {want}, so out of reach at 1 thread on this machine" if not beat else
            f": below {want}, but {beat} of {len(bs)} rows ran faster than their roofline bound, "
            f"so the probes undercounted this run and no ceiling of it is a bound")
    out = [f"roofline ceiling of vs_onednn (oneDNN time / max(flops/peak, W_hh bytes/bandwidth)): "
           f"geomean {g:.2f}, rows {min(cs):.2f}-{max(cs):.2f}{tail}",
           f"serial ceiling (oneDNN time / (GEMM flops/peak + W_hh bytes/bandwidth"
           f"{' + gates' if elementwise_ns(rows.ctx, 'lstm') else ''}), nothing "
           f"overlapped): geomean {gs:.2f}, rows {min(ss):.2f}-{max(ss):.2f}; we run at "
           f"{100 * geomean([serial / t for t, _, _, serial, _ in bs]):.0f}% of its speed (bound / "
           f"our time, geomean)"]
    fs = [dnnl / fused for _, dnnl, _, _, fused in bs if fused]
    if len(fs) == len(bs):
        fbeat = sum(t < fused for t, _, _, _, fused in bs)
        ftail = ("" if geomean(fs) >= want else
                 f": below {want} even for a fused step kernel as good as the probe's"
                 if not beat and not fbeat else
                 f": below {want}, but {max(beat, fbeat)} of {len(bs)} rows ran faster than "
                 f"this bound, so it is none")
        how = ("the share of its smaller part that `rnnsimd-bench --overlap` hid at W_hh's size, "
               "ratio 1" if passes == 1 else
               "what `rnnsimd-bench --overlap` hid at W_hh's size pass by pass: the projection "
               "under the forward stream (ratio 1), dx and the weight gradients under the "
               "backward's (ratio 2, tile or dW mix)")
        out.append(f"fused ceiling (the serial bound less {how}): geomean "
                   f"{geomean(fs):.2f}, rows {min(fs):.2f}-{max(fs):.2f}{ftail}")
    return out


def fma_need(j, want, ctx=None):
    """What ratio `want` asks of a row: oneDNN's share of the FMA peak (our
    pct_peak / vs_onednn, both from the same run) times want, and the FMA
    ceiling 100 / oneDNN's share (no code runs above 100% of peak). With
    ctx (a forward row), also the ceiling once our gates are counted
    (gates_ceiling)."""
    p, v = num(j.b, "pct_peak"), num(j.b, "vs_onednn")
    if not (p and v):
        return ""
    dnnl = p / v
    return (f"  oneDNN {dnnl:5.1f}% of peak: x{want} needs {dnnl * want:5.1f}%"
            f" (FMA ceiling {100 / dnnl:4.2f}{gates_text(ctx, j, want) if ctx else ''})")


def elementwise_ns(ctx, cell):
    """The element-wise probe's ns per hidden unit and batch row of one
    forward step's gate kernels on our table (context
    elementwise_ns_unit_<cell>_<isa>), or None."""
    try:
        v = float(ctx.get(f"elementwise_ns_unit_{cell}_{ctx.get('rnnsimd_isa', 'avx512')}", "nan"))
    except ValueError:
        return None
    return v if math.isfinite(v) and v > 0 else None


def gates_ceiling(ctx, j, want, T=64):
    """A batched forward row's ceiling with its gates counted: (gates
    seconds, ceiling, the share of the peak in % its products need for
    `want`, None when no share reaches it), or None without the probe or
    the row's counters. The row runs its products (every counted flop: the
    time t p/100 at the peak, p its pct_peak) and, between them, T x B x H
    units of gate kernels, at least the element-wise probe's warm-operand
    ns each; one thread does one after the other, so no code of ours runs
    the row in less than t p/100 + gates, and vs_onednn can reach at most
    oneDNN's time v t over that."""
    ns = elementwise_ns(ctx, j.cell)
    t, p, v = ms_of(j.b) * 1e-3 if j.b else None, num(j.b, "pct_peak"), num(j.b, "vs_onednn")
    if not (ns and t and p and v):
        return None
    flops_at_peak = t * p / 100
    gates = T * j.B * j.H * ns * 1e-9
    left = v * t / want - gates
    need = 100 * flops_at_peak / left if left > 0 else None
    return gates, v * t / (flops_at_peak + gates), need if need and need <= 100 else None


def gates_text(ctx, j, want):
    g = gates_ceiling(ctx, j, want)
    if not g:
        return ""
    gates, c, need = g
    return (f"; with our gates' {gates * 1e3:.2f} ms {c:4.2f}: x{want} "
            + (f"needs the products at {need:5.1f}%" if need else "out of reach"))


def mib(n):
    return f"{n / 2**20:.3g} MiB"


def load_targets(path):
    """bench/targets.json: {key: {title, rows, thresholds...}}."""
    with open(path) as f:
        return json.load(f)["targets"]


class Report:
    def __init__(self, targets):
        self.t = targets
        self.verdicts = []

    def target(self, key, verdict, lines):
        """One section: its title and rows (from targets.json), the verdict,
        and the lines of rows, ceilings and the target's own numbers."""
        self.verdicts.append(verdict)
        t = self.t[key]
        print(f"\n{t['title']} ({t['rows']}): {verdict}")
        for line in lines:
            print(f"  {line}")

    def summary(self, what, strict):
        """The verdicts' counts; the exit code (1 with strict unless every
        judged section passed)."""
        counts = {v: self.verdicts.count(v) for v in sorted(set(self.verdicts))}
        print(f"\n{what}: " + ", ".join(f"{n} {v}" for v, n in counts.items()))
        judged = [v for v in self.verdicts if v != "REPORTED"]
        return 1 if strict and any(v != "PASS" for v in judged) else 0


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


def process_geomeans(rows, rs):
    """The geomean of vs_onednn within each process of a merged run (bench/merge.py
    keeps every repetition with its process): per row the median of that
    process's repetitions. Only processes that ran every row with a ratio
    count; [] below two. Why: a geomean's spread between processes of one
    binary (oneDNN's time moves with where its pages land) says how much of a
    verdict near its threshold is placement."""
    names = {j.name for j in rs if num(j.b, "vs_onednn")}
    per = {}
    for b in rows.doc.get("benchmarks", []):
        name, v = b.get("run_name", b.get("name")), b.get("vs_onednn")
        if b.get("run_type") != "iteration" or "process" not in b or name not in names \
                or b.get("error_occurred") or not isinstance(v, (int, float)) or not v > 0:
            continue
        per.setdefault(b["process"], {}).setdefault(name, []).append(v)
    gs = [geomean([statistics.median(v) for v in d.values()])
          for _, d in sorted(per.items()) if names and len(d) == len(names)]
    return gs if len(gs) > 1 else []


def process_spread(rows, rs):
    """'; per process a-b (N processes)' for a geomean line, or ''."""
    gs = process_geomeans(rows, rs)
    return f"; per process {min(gs):.2f}-{max(gs):.2f} over {len(gs)} processes" if gs else ""


def processes_text(ctx):
    """How many processes a file's figures are medians over (bench/merge.py)."""
    n = ctx.get("processes")
    return f"medians over {n} processes, " if isinstance(n, int) and n > 1 else ""


def geo_ok(g, want, missing):
    """A geometric mean is the target's only over all its rows: with rows
    missing it is shown but not judged (the verdict is then MISSING)."""
    return bool(missing) or g >= want


def verdict_of(ok, missing):
    """ok judges the rows that are there: a known failure is FAIL even if
    other rows are missing."""
    return "FAIL" if not ok else "MISSING" if missing else "PASS"


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
