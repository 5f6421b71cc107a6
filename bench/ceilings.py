#!/usr/bin/python3
"""ceilings.py — what this machine's probes allow a judged row: the bounds
bench/targets.py and bench/targets_bf16.py print beside each ratio.

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
"""
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import geomean, ms_of  # noqa: E402

GATES = {"rnn_tanh": 1, "lstm": 4, "gru": 3, "lbr_gru": 3}


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


def bound_ceiling(j):
    """A batched bf16 forward row's ceiling from its own bound (counters
    bound_us and bound_gates_us, measured in the row's process right after
    its first repetition: bench/gemm_probe.h): each of its products at the
    faster of ours and oneDNN's matmul timed alone on warm operands, then
    its gates at their warm rate. No single-thread code runs those products
    and gates in less time unless its products beat both, so oneDNN's time
    (vs_onednn x ours) over bound_us bounds vs_onednn. The head and the loss
    are left out, which only raises the bound. Returns (bound seconds,
    ceiling, our products' GFLOP/s alone, oneDNN's or None), or None without
    the counters."""
    t, v, bound = ms_of(j.b) * 1e-3 if j.b else None, num(j.b, "vs_onednn"), num(j.b, "bound_us")
    if not (t and v and bound):
        return None
    return (bound * 1e-6, v * t / (bound * 1e-6), num(j.b, "bound_ours_gflops"),
            num(j.b, "bound_onednn_gflops"))


def gates_text(ctx, j, want):
    g = gates_ceiling(ctx, j, want)
    if not g:
        return ""
    gates, c, need = g
    return (f"; with our gates' {gates * 1e3:.2f} ms {c:4.2f}: x{want} "
            + (f"needs the products at {need:5.1f}%" if need else "out of reach"))


def mib(n):
    return f"{n / 2**20:.3g} MiB"
