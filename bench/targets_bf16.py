#!/usr/bin/python3
"""targets_bf16.py — the bf16 section of the performance report.

  targets_bf16.py FILE.json [--targets FILE] [--strict]
  (also: targets.py --bf16 FILE.json)

FILE.json is a run with bf16 rows (`make bench DTYPE=all`, or
rnnsimd-bench --dtype=all): the judged many2one grid (T=64, I=H in {256,
512, 1024}, B in {1, 16, 64}, every cell) as .../bf16/fwd and .../bf16/train
rows of ours and oneDNN's, each after its float32 twin. For every bf16 row of
ours it prints two ratios (> 1: our bf16 row is faster):

  vs_onednn  oneDNN bf16's time over ours, paired in one process (bench/rows.h)
  vs_f32     our float32 row's median time over our bf16 row's: the counter of
             that name where the float32 row ran first in the process; else
             the ratio of the two rows' medians in the file ("(file)")

and judges the thresholds bench/targets.json names bf16_*:

  batch-1 forward, H >= 512: geomean vs_f32 >= 1.7 and vs_onednn >= 1.3
  batch-64 forward: every row vs_onednn >= 1.05; on a core whose probed bf16
    dot-product peak is about twice its FMA peak (context bf16dot_over_fma >=
    dot_over_fma_min) geomean vs_f32 >= 1.6, elsewhere every LSTM/GRU/LBR-GRU
    row at >= 90% of the probed bf16 peak (pct_peak of a bf16 row is against
    peak_gflops_bf16dot_<isa>)
  training: both ratios, reported.

pct_peak of a bf16 row is its counted GFLOP/s over the bf16 dot-product peak
the binary probed at start-up (vdpbf16ps chains), not the FMA peak. The
batch-1 recurrent loop alone (many2many T=64 B=1 fwd /seq_noproj, where
neither projection nor head is timed) gives the bytes/s of the bf16 W_hh
stream, G*H*H*2 bytes a step (half of float32's), against the read bandwidth
probed at the smallest buffer that holds them (reported).

Ceilings (bench/ceilings.py's docstring has the reasoning): at batch 1 the
roofline and serial ceilings of vs_onednn with W_hh at 2 bytes a weight
and the GEMM flops at the bf16 dot-product peak (the serial one with our
gates where probed); at batch 64, per row, the ceiling once our gates
(the element-wise probe) are counted and the share of the bf16 peak the
products need for vs_onednn >= 1.05, or "out of reach"; and, where the row
has its bound (bench/gemm_probe.h: its products each at the faster of ours
and oneDNN's matmul timed alone, plus its gates, measured in the row's
process), oneDNN's time over that bound: the ceiling with the fastest
products this machine has been measured to run at the row's shapes.
Exit 0, or with --strict 1 unless every judged section passed.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import PEERS, geomean, load, medians, ms_of, parse_name  # noqa: E402
from ceilings import (GATES, bandwidths, ceiling_line, gates_ceiling, level_of,  # noqa: E402
                      mib, num, bound_ceiling)
from verdicts import (CELLS, HS, Report, load_targets, process_spread,  # noqa: E402
                      processes_text, verdict_of)

HERE = os.path.dirname(os.path.abspath(__file__))


class Rows:
    """Our rows and oneDNN's of one file by (impl kind, dtype, cell, topology, T, B, H, mode, variant)."""

    def __init__(self, path):
        self.path = path
        self.doc = doc = load(path)
        self.ctx = doc.get("context", {})
        self.by = {}
        for name, b, _ in medians(doc):
            f = parse_name(name, bf16=True)
            if not f or f["threads"] != 1 or f["I"] != f["H"]:
                continue
            kind = "onednn" if f["impl"] == "onednn" else None if f["impl"] in PEERS else "ours"
            if kind:
                self.by[(kind, f["dtype"], f["cell"], f["topology"], f["T"], f["B"], f["H"],
                         f["mode"], f["variant"])] = (name, b)

    def get(self, kind, dtype, cell, B, H, mode, topology="many2one", variant=""):
        return self.by.get((kind, dtype, cell, topology, 64, B, H, mode, variant), (None, None))


def vs_f32(rows, cell, B, H, mode, variant="", topology="many2one"):
    """(ratio, source) of our float32 time over our bf16 time, or (None, why)."""
    _, b16 = rows.get("ours", "bf16", cell, B, H, mode, topology, variant)
    if b16 is None or b16.get("error_occurred"):
        return None, "bf16 row missing" if b16 is None else b16.get("error_message", "error")
    v = num(b16, "vs_f32")
    if v:
        return v, ""
    _, b32 = rows.get("ours", "f32", cell, B, H, mode, topology, variant)
    if b32 is None or b32.get("error_occurred"):
        return None, "no float32 row"
    return ms_of(b32) / ms_of(b16), " (file)"


class Line:
    def __init__(self, rows, cell, B, H, mode):
        self.cell, self.B, self.H, self.mode = cell, B, H, mode
        self.label = f"{cell}/many2one/T:64/B:{B}/I:{H}/H:{H}/bf16/{mode}"
        self.name, self.b = rows.get("ours", "bf16", cell, B, H, mode)
        self.vo = num(self.b, "vs_onednn")
        self.vf, self.src = vs_f32(rows, cell, B, H, mode)
        self.pct = num(self.b, "pct_peak")
        _, d = rows.get("onednn", "bf16", cell, B, H, mode)
        self.dnnl_pct = num(d, "pct_peak")

    def text(self):
        def f(v, spec):
            return format(v, spec) if v else "     -"
        return (f"{self.label:52} vs_onednn {f(self.vo, '6.2f')}  vs_f32 {f(self.vf, '6.2f')}"
                f"{self.src:7}  pct_bf16_peak {f(self.pct, '5.1f')}  (oneDNN {f(self.dnnl_pct, '5.1f')})")


def grid(rows, modes, batches, Hs=HS):
    return [Line(rows, cell, B, H, mode) for mode in modes for B in batches for H in Hs
            for cell in CELLS]


def missing_of(ls, need_onednn=True):
    out = []
    for j in ls:
        if j.b is None:
            out.append(f"{j.label} (row missing)")
        elif j.b.get("error_occurred"):
            out.append(f"{j.label} ({j.b.get('error_message', 'error')})")
        elif need_onednn and not j.vo:
            out.append(f"{j.label} (no vs_onednn)")
        elif not j.vf:
            out.append(f"{j.label} (no vs_f32: {j.src or 'no float32 row'})")
    return out


def gm(vals):
    vals = [v for v in vals if v]
    return geomean(vals), len(vals)


def batch1(rep, rows):
    want = rep.t["bf16_batch1_forward"]
    shown = grid(rows, ("fwd",), (1,))
    judged = [j for j in shown if j.H >= 512]
    lines = [j.text() for j in shown]
    missing = missing_of(judged)
    gf, nf = gm([j.vf for j in judged])
    go, no = gm([j.vo for j in judged])
    fmin, omin = want["vs_f32_geomean_min"], want["vs_onednn_geomean_min"]
    ok = (missing or gf >= fmin) and (missing or go >= omin)
    lines.append(f"H >= 512: geomean vs_f32 {gf:.2f} (>= {fmin}, {nf} rows), vs_onednn "
                 f"{go:.2f} (>= {omin}, {no} rows{process_spread(rows, judged)})")
    a256 = [j for j in shown if j.H == 256]
    lines.append(f"H = 256 (not judged): geomean vs_f32 {gm([j.vf for j in a256])[0]:.2f}, "
                 f"vs_onednn {gm([j.vo for j in a256])[0]:.2f}")
    lines += loop_lines(rows)
    isa = rows.ctx.get("rnnsimd_isa", "avx512")
    lines += [f"H >= 512, bf16 weights (2 bytes) against the bf16 dot-product peak: {x}"
              for x in ceiling_line(rows, judged, 1, omin, 2, f"peak_gflops_bf16dot_{isa}")]
    rep.target("bf16_batch1_forward", verdict_of(ok, missing), lines + [f"MISSING {m}" for m in missing])


def loop_lines(rows):
    """The bf16 batch-1 loop alone: W_hh bytes (bf16: 2 a weight) a second
    against the probed read bandwidth; float32's beside it."""
    bws = bandwidths(rows.ctx)
    out = []
    for H in HS:
        for cell in CELLS:
            _, b16 = rows.get("ours", "bf16", cell, 1, H, "fwd", "many2many", "seq_noproj")
            if not b16 or b16.get("error_occurred"):
                continue
            w = GATES[cell] * H * H * 2
            rate = w * 64 / (ms_of(b16) * 1e-3) * 1e-9
            line = f"loop alone {cell}/H:{H}/bf16: W_hh {mib(w):>9} in {level_of(rows.ctx, w):4} {rate:6.1f} GB/s"
            if bws:
                size, bw = next(((s, g) for s, g in bws if s >= w), bws[-1])
                line += f" = {100 * rate / bw:5.1f}% of {bw:.1f} GB/s (probe {mib(size)})"
            _, b32 = rows.get("ours", "f32", cell, 1, H, "fwd", "many2many", "seq_noproj")
            if b32 and not b32.get("error_occurred"):
                line += f"; float32 loop {ms_of(b32) / ms_of(b16):.2f}x its time"
            out.append(line)
    if not out:
        out.append("loop alone: no .../bf16/fwd/seq_noproj rows in this file (bytes/s not reported)")
    return out


def batched(rep, rows):
    want = rep.t["bf16_batched_forward"]
    lines = []
    b16 = grid(rows, ("fwd",), (16,))
    lines += [j.text() for j in b16]
    lines.append(f"B=16 (not judged): geomean vs_onednn {gm([j.vo for j in b16])[0]:.2f}, "
                 f"vs_f32 {gm([j.vf for j in b16])[0]:.2f}")
    b64 = grid(rows, ("fwd",), (64,))
    rmin = want["vs_onednn_row_min"]
    reach, bounded = [], []
    for j in b64:
        lines.append(j.text())
        g = gates_ceiling(rows.ctx, j, rmin)
        if g and j.vo:
            gates, c, need = g
            reach.append(need is not None)
            lines.append(f"  ceiling with our gates' {gates * 1e3:.2f} ms (the element-wise probe): "
                         f"{c:.2f}; x{rmin} " + (f"needs the products at {need:.1f}% of the bf16 "
                                                 "peak" if need else "out of reach"))
        pc = bound_ceiling(j)
        if pc:
            secs, c, ours, dnnl = pc
            bounded.append((c < rmin and not j.vo > c, j.vo > c))
            rates = f"ours {ours:.0f}" + (f", oneDNN's matmul {dnnl:.0f}" if dnnl else "")
            lines.append(f"  ceiling with each product at the faster side alone ({rates} GFLOP/s) "
                         f"and our gates, {secs * 1e3:.2f} ms: {c:.2f}")
    missing = missing_of(b64)
    vo = [j.vo for j in b64 if j.vo]
    lo = min(vo) if vo else float("nan")
    ok = not lo < rmin
    lines.append(f"B=64: lowest vs_onednn {lo:.2f} (>= {rmin} on every row), geomean "
                 f"{gm(vo)[0]:.2f}")
    if reach:
        lines.append(f"B=64: x{rmin} is out of reach with our gates on {reach.count(False)} of "
                     f"{len(reach)} rows (their ceiling is below it)")
    else:
        lines.append("B=64: no ceiling with our gates (the context has no elementwise_ns_unit_*: "
                     "a run from before the probe)")
    if bounded:
        beat = sum(b for _, b in bounded)
        lines.append(f"B=64: x{rmin} is out of reach with the fastest products measured here on "
                     f"{sum(o for o, _ in bounded)} of {len(bounded)} rows (their ceiling with "
                     "each product at the faster side alone is below it)"
                     + (f"; {beat} row{'s' if beat > 1 else ''} ran faster than "
                        f"{'their' if beat > 1 else 'its'} bound (the products ran faster in the "
                        "call than alone: no bound there)" if beat else ""))
    else:
        lines.append("B=64: no ceiling with the products timed alone (no row has bound_us: "
                     "a run from before the bound)")
    ratio = rows.ctx.get("bf16dot_over_fma")
    ratio = float(ratio) if ratio not in (None, "") else None
    if ratio is None:
        missing.append(f"the context has no bf16dot_over_fma ({rows.ctx.get('bf16dot_probe', 'no probe')})")
    elif ratio >= want["dot_over_fma_min"]:
        g, n = gm([j.vf for j in b64])
        fmin = want["vs_f32_geomean_min"]
        ok = ok and (missing or g >= fmin)
        lines.append(f"bf16 dot-product peak {ratio:.2f}x the FMA peak (>= {want['dot_over_fma_min']}): "
                     f"geomean vs_f32 {g:.2f} (>= {fmin}, {n} rows)")
    else:
        pmin = want["bf16_peak_pct_min"]
        gated = [j for j in b64 if j.cell != "rnn_tanh"]
        pk = [j.pct for j in gated if j.pct]
        ok = ok and all(p >= pmin for p in pk)
        lines.append(f"bf16 dot-product peak {ratio:.2f}x the FMA peak (< {want['dot_over_fma_min']}): "
                     f"{sum(p >= pmin for p in pk)} of {len(gated)} LSTM/GRU/LBR-GRU rows at >= "
                     f"{pmin}% of the bf16 peak")
    rep.target("bf16_batched_forward", verdict_of(ok, missing), lines + [f"MISSING {m}" for m in missing])


def training(rep, rows):
    lines, missing = [], []
    for B in (1, 16, 64):
        ls = grid(rows, ("train",), (B,))
        have = [j for j in ls if j.b is not None]
        if not have:
            missing.append(f"B={B}: no .../bf16/train rows")
            continue
        lines += [j.text() for j in have]
        lines.append(f"B={B}: geomean vs_onednn {gm([j.vo for j in have])[0]:.2f}, vs_f32 "
                     f"{gm([j.vf for j in have])[0]:.2f} over {len(have)} of {len(ls)} rows")
        missing += missing_of(have)
    rep.target("bf16_training", "MISSING" if missing else "REPORTED",
                lines + [f"MISSING {m}" for m in missing])


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--targets", default=os.path.join(HERE, "targets.json"),
                    help="the thresholds (default: bench/targets.json)")
    ap.add_argument("--strict", action="store_true", help="exit 1 unless every judged target passes")
    a = ap.parse_args(argv[1:])
    rows = Rows(a.file)
    c = rows.ctx
    isa = c.get("rnnsimd_isa", "avx512")
    peak = c.get(f"peak_gflops_bf16dot_{isa}")
    print(f"bf16 report: {a.file} (table {isa}, machine {c.get('machine', '?')}, "
          f"{processes_text(c)}load at start "
          f"{c.get('load_average_1min_at_start', '?')}; FMA peak {c.get(f'peak_gflops_{isa}', '?')}, "
          f"bf16 dot-product peak {peak or 'not probed: ' + c.get('bf16dot_probe', '?')} GFLOP/s)")
    if c.get("bf16_rows"):
        print(f"note: {c['bf16_rows']}")
    rep = Report(load_targets(a.targets))
    batch1(rep, rows)
    batched(rep, rows)
    training(rep, rows)
    return rep.summary("bf16 targets", a.strict)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
