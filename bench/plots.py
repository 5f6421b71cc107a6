#!/usr/bin/python3
"""plots.py — figures from the benchmark JSON of one machine's results folder.

  plots.py DIR     DIR = results/<machine>: reads <isa>.json and <isa>-threads.json

Writes into DIR, each as SVG and PNG (gnuplot):
  plot-<cell>-<topology>  GFLOP/s against T (panels B = 1 and 64, fwd and
                          train), one line per kernel table and per peer, a
                          min-max band over the repetitions; one2one (T = 1)
                          as bars with min-max whiskers
  ratio-<topology>        ours vs oneDNN (the paired vs_onednn, oneDNN's time
                          over ours) against T, one line per cell, a line at 1
                          and the repetitions' min-max band; one2one as bars
  heatmap-<file>          the judged grid (many2one, T = 64, H x B) of every
                          file that has it: the ratio in each square, fwd and
                          train, one panel per cell
  roofline                the judged grid's GFLOP/s against arithmetic
                          intensity (flops per byte of recurrent weights
                          streamed), ours and oneDNN, under the FMA peak and
                          the read bandwidths the run probed
Every implementation has one colour and marker in every figure (every cell
one in the ratio figures); titles are plain text; each figure's caption names
the machine, the file, the date of the run and the commit. The gnuplot
scripts (data inline) are kept in DIR/plots-data/, so a figure can be redrawn
by hand: gnuplot DIR/plots-data/<figure>.gp.
"""
import glob
import json
import math
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # results.py
from results import PEERS, geomean, parse_name  # noqa: E402

ISA_ORDER = ("generic", "avx2", "avx512", "neon")
CELLS = ("rnn_tanh", "lstm", "gru", "lbr_gru")
GATES = {"rnn_tanh": 1, "lstm": 4, "gru": 3, "lbr_gru": 3}
TOPOS = ("one2one", "one2many", "many2one", "seq2seq", "many2many")
PANELS = ((1, "fwd"), (64, "fwd"), (1, "train"), (64, "train"))
TOPO_TITLE = {"one2one": "one-to-one", "one2many": "one-to-many", "many2one": "many-to-one",
              "seq2seq": "sequence to sequence (T encoder, T decoder steps)",
              "many2many": "many-to-many"}
# One colour, point type and dash type per implementation, in every figure.
IMPL_STYLE = {
    "avx512": ("#1b9e77", 7, 1),   # filled circle, solid
    "avx2": ("#7570b3", 9, 1),     # filled triangle
    "generic": ("#666666", 13, 1),  # filled diamond
    "neon": ("#e7298a", 15, 1),    # filled pentagon
    "onednn": ("#d95f02", 5, 2),   # filled square, dashed
    "blas": ("#1f78b4", 11, 4),    # filled triangle down, dash-dot
}
IMPL_ORDER = ("avx512", "avx2", "neon", "generic", "onednn", "blas")
# The ratio figures draw one line per cell (the implementation is fixed).
CELL_STYLE = {"rnn_tanh": ("#4d4d4d", 7, 1), "lstm": ("#e41a1c", 5, 1),
              "gru": ("#377eb8", 9, 1), "lbr_gru": ("#984ea3", 13, 1)}
GRID_H = (256, 512, 1024)
GRID_B = (1, 16, 64)
W, H_PX = 1200, 860


def load_rows(path):
    """{run_name: (median entry, [repetition entries])} and the context."""
    with open(path) as f:
        doc = json.load(f)
    med, reps = {}, {}
    for b in doc.get("benchmarks", []):
        name = b.get("run_name", b["name"])
        if b.get("error_occurred"):
            continue
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                med[name] = b
        else:
            reps.setdefault(name, []).append(b)
    rows = {}
    for name in set(med) | set(reps):
        rs = reps.get(name, [])
        rows[name] = (med.get(name) or (rs[0] if rs else None), rs)
    return doc.get("context", {}), rows


def stat(row, key):
    """(median, min, max) of a counter over a row's repetitions, or None."""
    b, rs = row
    vals = [r[key] for r in rs if isinstance(r.get(key), (int, float)) and math.isfinite(r[key])]
    m = b.get(key) if b else None
    if not isinstance(m, (int, float)) or not math.isfinite(m):
        return None
    return (m, min(vals + [m]), max(vals + [m]))


def git_commit(path):
    """The commit that last changed path, short, or None outside git."""
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%h", "--", os.path.basename(path)],
                             cwd=os.path.dirname(os.path.abspath(path)), capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def caption(ctx, path):
    """Machine, file, date of the run, commit, peak: one line under a figure."""
    date = str(ctx.get("date", "?")).replace("T", " ")[:16]
    commit = next((str(ctx[k]) for k in ("git_commit", "commit", "rnnsimd_commit") if ctx.get(k)),
                  None)
    if commit:
        commit = f"commit {commit[:12]}"
    else:
        c = git_commit(path)
        commit = f"results committed in {c}" if c else "commit unknown"
    isa = ctx.get("rnnsimd_isa", "?")
    peak = ctx.get(f"peak_gflops_{isa}")
    peak = f"FMA peak {peak} GFLOP/s on one core" if peak else "FMA peak not probed"
    return (f"{ctx.get('machine', '?')}  |  {os.path.basename(path)} (table {isa})  |  "
            f"run {date}  |  {commit}  |  {peak}")


def impl_title(impl, ctx):
    if impl == "onednn":
        words = str(ctx.get("onednn", "oneDNN")).split()
        return " ".join(words[:2]) if words and words[0] == "oneDNN" else "oneDNN"
    if impl == "blas":
        return "OpenBLAS baseline"
    return f"rnnsimd {impl}"


def gp_escape(s):
    """s inside a gnuplot double-quoted string (a newline stays a newline)."""
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def datablock(name, lines):
    """A named inline data block; nothing for no lines (gnuplot 5.4 crashes
    on some plot styles over all-NaN data, so empty series are not plotted:
    see present())."""
    return [f"${name} << EOD"] + lines + ["EOD"] if lines else []


def present(data, name):
    return f"${name} << EOD" in data


NO_DATA = "NaN notitle"  # a panel with nothing to plot still draws its axes


def header(title):
    """The start of every script: plain text, the multiplot title."""
    return ["set encoding utf8", "set termoption noenhanced",
            f'set multiplot title "{gp_escape(title)}" font ",13"']


def footer_caption(text, note="", y=0.012):
    """The caption under a figure: what was measured where and when (label
    99), and a note on how to read it (label 98) below it."""
    out = [f'set label 99 "{gp_escape(text)}" at screen 0.01, screen {y + 0.022:.3f} left '
           'font ",9" textcolor rgb "#333333"']
    if note:
        out.append(f'set label 98 "{gp_escape(note)}" at screen 0.01, screen {y:.3f} left '
                   'font ",9" textcolor rgb "#666666"')
    return out


UNSET_CAPTION = "unset label 99; unset label 98"


def render(out_dir, stem, data, body):
    """Writes plots-data/<stem>.gp (the data inline) and runs it once for SVG
    and once for PNG."""
    pd = os.path.join(out_dir, "plots-data")
    os.makedirs(pd, exist_ok=True)
    path = os.path.join(out_dir, stem)
    body = ["reset"] + body  # each terminal's pass starts from the defaults
    script = data + [
        f'set terminal svg size {W},{H_PX} dynamic font "sans,11" noenhanced background rgb "white"',
        f'set output "{path}.svg.tmp"'] + body + [
        "unset multiplot", "unset output",
        f'set terminal pngcairo size {W},{H_PX} font "sans,10" noenhanced',
        f'set output "{path}.png.tmp"'] + body + ["unset multiplot", "unset output"]
    gp = os.path.join(pd, f"{stem}.gp")
    with open(gp + ".tmp", "w") as f:
        f.write("\n".join(script) + "\n")
    os.replace(gp + ".tmp", gp)
    subprocess.run(["gnuplot", gp], check=True)
    for ext in ("svg", "png"):  # only whole figures replace the old ones
        os.replace(f"{path}.{ext}.tmp", f"{path}.{ext}")


def key_at_bottom(n_entries):
    cols = min(n_entries, 6)
    return [f"set key at screen 0.5, screen 0.085 center center horizontal maxrows "
            f"{1 if n_entries <= cols else 2} samplen 3 spacing 1.1 width 1 box lc rgb '#bbbbbb'"]


MARGINS = "set multiplot layout 2,2 margins 0.07,0.98,0.17,0.90 spacing 0.07,0.12"


def legend_panel(entries):
    """A multiplot's last panel: nothing but the key, across the figure's
    bottom (a key inside one panel wraps at that panel's width). entries are
    plot specifications without data ('with ... title ...')."""
    return ["set origin 0, 0.055", "set size 1, 0.06",
            "set lmargin 0; set rmargin 0; set tmargin 0; set bmargin 0",
            "unset border; unset tics; unset title; unset xlabel; unset ylabel; unset grid",
            "unset arrow; unset label; unset logscale; set xrange [0:1]; set yrange [0:1]",
            f"set key center center horizontal maxcols {len(entries)} samplen 3 width 1 "
            "box lc rgb '#bbbbbb'",
            "plot " + ", ".join(f"NaN {e}" for e in entries)]


# ---- GFLOP/s against T ----

def sweep_series(files, best):
    """series[(cell, topo, B, mode)][impl] = [(T, med, lo, hi)] at I = H = 512,
    one thread; peers from the best table's file only."""
    series = {}
    for isa, (_, rows) in files.items():
        for name, row in rows.items():
            f = parse_name(name)
            if (not f or f["variant"] or f["threads"] != 1 or f["I"] != 512 or f["H"] != 512
                    or f["B"] not in (1, 64)):
                continue
            if f["impl"] in PEERS and isa != best:
                continue
            if f["impl"] not in PEERS and f["impl"] != isa:
                continue
            s = stat(row, "GFLOP/s")
            if s:
                key = (f["cell"], f["topology"], f["B"], f["mode"])
                series.setdefault(key, {}).setdefault(f["impl"], []).append((f["T"],) + s)
    return series


def style(impl):
    c, pt, dt = IMPL_STYLE.get(impl, ("#000000", 1, 1))
    return c, pt, dt


def sweep_figure(out_dir, cell, topo, series, ctx, path):
    stem = f"plot-{cell}-{topo}"
    impls = [i for i in IMPL_ORDER if any(i in series.get((cell, topo, B, m), {}) for B, m in PANELS)]
    data, body = [], header(f"{cell} {TOPO_TITLE[topo]}: GFLOP/s against T "
                            f"(I = H = 512, V = 256, one thread)")
    body[-1] = body[-1].replace("set multiplot", MARGINS + " ")
    for k, (B, mode) in enumerate(PANELS):
        for impl in impls:
            pts = sorted(series.get((cell, topo, B, mode), {}).get(impl, []))
            data += datablock(f"d{k}_{impl}", [f"{t} {m:.4f} {lo:.4f} {hi:.4f}" for t, m, lo, hi in pts]
                             )
    only = [i for i in impls if {p[0] for B, m in PANELS
                                 for p in series.get((cell, topo, B, m), {}).get(i, [])} == {64}]
    note = "Lines: medians of the repetitions; bands: their min-max."
    if only:
        note += f" {', '.join('rnnsimd ' + i for i in only)}: the judged T = 64 rows only."
    body += footer_caption(caption(ctx, path), note)
    body += ["set grid lc rgb '#dddddd'", 'set xlabel "T (steps)"', 'set ylabel "GFLOP/s"',
             "set yrange [0:*]", "set style fill transparent solid 0.18 noborder"]
    if topo == "one2one":
        return bars_figure(out_dir, stem, cell, series, impls, ctx, path)
    body += ["set logscale x 2", "set xrange [0.8:1300]", "set xtics (1, 4, 16, 64, 256, 1024)"]
    body.append("unset key")
    for k, (B, mode) in enumerate(PANELS):
        body.append(f'set title "B = {B}, {mode}"')
        plots = []
        here = [i for i in impls if present(data, f"d{k}_{i}")]
        for impl in here:
            c, pt, dt = style(impl)
            plots.append(f"$d{k}_{impl} using 1:3:4 with filledcurves lc rgb '{c}' notitle")
        for impl in here:
            c, pt, dt = style(impl)
            plots.append(f"$d{k}_{impl} using 1:2 with linespoints lw 2 dt {dt} pt {pt} ps 1.1 "
                         f"lc rgb '{c}' title '{impl_title(impl, ctx)}'")
        body.append("plot " + ", \\\n     ".join(plots or [NO_DATA]))
        if k == 0:
            body.append(UNSET_CAPTION)
    body += legend_panel([f"with linespoints lw 2 dt {style(i)[2]} pt {style(i)[1]} ps 1.1 "
                          f"lc rgb '{style(i)[0]}' title '{impl_title(i, ctx)}'" for i in impls])
    render(out_dir, stem, data, body)


def bar_plot(data, series_of, note_units):
    """Plot commands of grouped bars: series_of = [(name, title, colour)],
    each with a datablock $<name> of 'x median min max' lines (skipped
    where it has none)."""
    plots = []
    for name, title, colour in series_of:
        if not present(data, name):
            continue
        plots.append(f"${name} using 1:2 with boxes lc rgb '{colour}' title '{gp_escape(title)}'")
        plots.append(whiskers(name))
        plots.append(f"${name} using 1:4:(sprintf('{note_units}', $2)) with labels offset 0,0.7 "
                     "font ',8' notitle")
    return plots


def whiskers(name):
    """min-max whiskers of a datablock of 'x median min max' lines."""
    return (f"${name} using 1:3:(0):($4-$3) with vectors nohead lw 1.2 lc rgb '#222222' notitle")


def group_xtics(labels):
    return "set xtics (" + ", ".join(f'"{gp_escape(l)}" {g}' for g, l in enumerate(labels)) + ") scale 0"


def single_panel(title):
    return ["set encoding utf8", "set termoption noenhanced",
            f'set title "{gp_escape(title)}" font ",13"',
            "set lmargin at screen 0.07", "set rmargin at screen 0.98",
            "set bmargin at screen 0.17", "set tmargin at screen 0.92"]


def bars_figure(out_dir, stem, cell, series, impls, ctx, path):
    """one2one: T = 1 only, so bars: one group per (B, mode), one bar per
    implementation, whiskers min-max."""
    n = len(impls)
    width = 0.8 / max(n, 1)
    data = []
    for j, impl in enumerate(impls):
        lines = []
        for g, (B, mode) in enumerate(PANELS):
            pts = series.get((cell, "one2one", B, mode), {}).get(impl, [])
            if pts:
                _, m, lo, hi = pts[0]
                lines.append(f"{g + (j - (n - 1) / 2) * width:.4f} {m:.4f} {lo:.4f} {hi:.4f}")
        data += datablock(f"b_{impl}", lines)
    body = single_panel(f"{cell} one-to-one (T = 1, I = H = 512, V = 256, one thread): GFLOP/s")
    body += footer_caption(caption(ctx, path),
                           "Bars: medians of the repetitions; whiskers: their min-max. Counted flops "
                           "include the recurrent product, which rnnsimd skips for a zero initial "
                           "state: above the FMA peak is possible here.")
    body += ["set grid ytics lc rgb '#dddddd'", 'set ylabel "GFLOP/s"', "set yrange [0:*]",
             "set xrange [-0.6:3.6]", group_xtics([f"B = {B}, {m}" for B, m in PANELS]),
             "set style fill solid 0.85 border rgb '#333333'", f"set boxwidth {width * 0.95:.4f} absolute"]
    body += key_at_bottom(n)
    body.append("plot " + ", \\\n     ".join(
        bar_plot(data, [(f"b_{i}", impl_title(i, ctx), style(i)[0]) for i in impls], "%.0f")
        or [NO_DATA]))
    render(out_dir, stem, data, body)


# ---- ours against oneDNN ----

def ratio_series(rows, isa):
    """ratio[(topo, B, mode)][cell] = [(T, med, lo, hi)] of vs_onednn, I = H = 512."""
    out = {}
    for name, row in rows.items():
        f = parse_name(name)
        if (not f or f["impl"] != isa or f["variant"] or f["threads"] != 1 or f["I"] != 512
                or f["H"] != 512 or f["B"] not in (1, 64)):
            continue
        s = stat(row, "vs_onednn")
        if s:
            out.setdefault((f["topology"], f["B"], f["mode"]), {}).setdefault(f["cell"], []).append(
                (f["T"],) + s)
    return out


def ratio_figure(out_dir, topo, ratio, ctx, path, isa):
    stem = f"ratio-{topo}"
    note = ("Paired: oneDNN timed right after each of our repetitions, for as long; the ratio "
            "is oneDNN's time over ours (above 1: rnnsimd is faster). Medians; bands and whiskers: "
            "min-max of the repetitions.")
    title = f"rnnsimd {isa} vs oneDNN, {TOPO_TITLE[topo]}: oneDNN's time / ours (I = H = 512, one thread)"
    data = []
    equal = "1 with lines lw 2 dt 2 lc rgb '#000000' title 'equal time'"
    if topo == "one2one":
        n = len(CELLS)
        width = 0.8 / n
        for j, cell in enumerate(CELLS):
            pts = []
            for g, (B, mode) in enumerate(PANELS):
                s = ratio.get((topo, B, mode), {}).get(cell)
                if s:
                    _, m, lo, hi = s[0]
                    pts.append(f"{g + (j - (n - 1) / 2) * width:.4f} {m:.4f} {lo:.4f} {hi:.4f}")
            data += datablock(f"r_{cell}", pts)
        body = single_panel(title)
        body += footer_caption(caption(ctx, path), note)
        body += ["set grid ytics lc rgb '#dddddd'", 'set ylabel "oneDNN time / rnnsimd time"',
                 "set yrange [0:*]", "set xrange [-0.6:3.6]",
                 group_xtics([f"B = {B}, {m}" for B, m in PANELS]),
                 "set style fill solid 0.85 border rgb '#333333'",
                 f"set boxwidth {width * 0.95:.4f} absolute"]
        body += key_at_bottom(n + 1)
        plots = [equal] + bar_plot(data, [(f"r_{c}", c, CELL_STYLE[c][0]) for c in CELLS], "%.2f")
        body.append("plot " + ", \\\n     ".join(plots))
        render(out_dir, stem, data, body)
        return
    for k, (B, mode) in enumerate(PANELS):
        for cell in CELLS:
            pts = sorted(ratio.get((topo, B, mode), {}).get(cell, []))
            data += datablock(f"r{k}_{cell}", [f"{t} {m:.4f} {lo:.4f} {hi:.4f}" for t, m, lo, hi in pts]
                             )
    body = header(title)
    body[-1] = body[-1].replace("set multiplot", MARGINS + " ")
    body += footer_caption(caption(ctx, path), note)
    body += ["set grid lc rgb '#dddddd'", 'set xlabel "T (steps)"',
             'set ylabel "oneDNN time / rnnsimd time"', "set logscale x 2",
             "set xrange [0.8:1300]", "set xtics (1, 4, 16, 64, 256, 1024)",
             "set style fill transparent solid 0.15 noborder"]
    body.append("unset key")
    for k, (B, mode) in enumerate(PANELS):
        body.append(f'set title "B = {B}, {mode}"')
        # Each panel's own range, always holding 1 (the line that matters).
        vals = [v for c in CELLS for p in ratio.get((topo, B, mode), {}).get(c, []) for v in p[1:]]
        lo, hi = min(vals + [1.0]), max(vals + [1.0])
        pad = 0.06 * (hi - lo) or 0.1
        body.append(f"set yrange [{max(lo - pad, 0):.3f}:{hi + pad:.3f}]")
        plots = [equal]
        here = [c for c in CELLS if present(data, f"r{k}_{c}")]
        for cell in here:
            c, pt, dt = CELL_STYLE[cell]
            plots.append(f"$r{k}_{cell} using 1:3:4 with filledcurves lc rgb '{c}' notitle")
        for cell in here:
            c, pt, dt = CELL_STYLE[cell]
            plots.append(f"$r{k}_{cell} using 1:2 with linespoints lw 2 dt {dt} pt {pt} ps 1.1 "
                         f"lc rgb '{c}' title '{cell}'")
        body.append("plot " + ", \\\n     ".join(plots))
        if k == 0:
            body.append(UNSET_CAPTION)
    body += legend_panel(["with lines lw 2 dt 2 lc rgb '#000000' title 'equal time'"] +
                         [f"with linespoints lw 2 pt {CELL_STYLE[c][1]} ps 1.1 "
                          f"lc rgb '{CELL_STYLE[c][0]}' title '{c}'" for c in CELLS])
    render(out_dir, stem, data, body)


# ---- the judged grid ----

def grid_values(rows, isa, threads):
    """{(cell, mode): {(H, B): vs_onednn}} of the many2one T = 64 grid."""
    out = {}
    for name, row in rows.items():
        f = parse_name(name)
        if (not f or f["impl"] != isa or f["variant"] or f["topology"] != "many2one"
                or f["T"] != 64 or f["I"] != f["H"] or f["threads"] != threads
                or f["H"] not in GRID_H or f["B"] not in GRID_B):
            continue
        s = stat(row, "vs_onednn")
        if s:
            out.setdefault((f["cell"], f["mode"]), {})[(f["H"], f["B"])] = s[0]
    return out


def heatmap_figure(out_dir, stem, grid, ctx, path, isa, threads):
    vals = [v for g in grid.values() for v in g.values()]
    if len(vals) < 9:
        return False
    data = []
    who = "both on two threads" if threads > 1 else "one thread each"
    title = (f"rnnsimd {isa} vs oneDNN on the judged grid (many-to-one, T = 64, I = H, {who})\n"
             f"oneDNN's time / ours; geomean of these {len(vals)} rows {geomean(vals):.2f}")
    body = ["set encoding utf8", "set termoption noenhanced",
            "set multiplot layout 2,4 margins 0.06,0.98,0.12,0.86 spacing 0.04,0.13 "
            f'title "{gp_escape(title)}" font ",13"']
    body += footer_caption(caption(ctx, path),
                           "Medians of the paired ratio (oneDNN timed right after each of our "
                           "repetitions). Blue: rnnsimd faster; red: oneDNN faster; white: equal.")
    # Colour by log2 of the ratio, clipped at 1/2 and 2, white at 1.
    body += ["unset colorbox", "set cbrange [-1:1]",
             "set palette defined (-1 '#d6604d', -0.35 '#f4a582', 0 '#f7f7f7', 0.35 '#92c5de', "
             "1 '#4393c3')",
             "set xrange [-0.5:2.5]", "set yrange [-0.5:2.5]",
             "set xtics (" + ", ".join(f'"{b}" {i}' for i, b in enumerate(GRID_B)) + ") scale 0",
             "set ytics (" + ", ".join(f'"{h}" {i}' for i, h in enumerate(GRID_H)) + ") scale 0",
             'set xlabel "batch B"', "set size ratio 1"]
    for mode in ("fwd", "train"):
        for c, cell in enumerate(CELLS):
            g = grid.get((cell, mode), {})
            name = f"h_{cell}_{mode}"
            lines = []
            for j, H in enumerate(GRID_H):
                for i, B in enumerate(GRID_B):
                    v = g.get((H, B))
                    lv = max(-1.0, min(1.0, math.log2(v))) if v else 0.0
                    lines.append(f"{i} {j} {lv:.4f} {f'{v:.2f}' if v else 'missing'}")
            data += datablock(name, lines)
            body.append(f'set title "{cell}, {mode}" font ",11"')
            body.append('set ylabel "H = I"' if c == 0 else "unset ylabel")
            body.append(f"plot ${name} using 1:2:3 with image notitle, "
                        f"${name} using 1:2:4 with labels font ',12' notitle")
            if mode == "fwd" and c == 0:
                body.append(UNSET_CAPTION)
    render(out_dir, stem, data, body)
    return True


# ---- share of the roofline bound ----

def bandwidths(ctx):
    """[(bytes, 'size', GB/s)] of the read-bandwidth probe, smallest first."""
    out = []
    for k, v in ctx.items():
        m = re.fullmatch(r"read_bw_GBps_(\d+)(KiB|MiB)", k)  # not the per-level _L1, _L2
        if m:
            n = int(m.group(1)) << (10 if m.group(2) == "KiB" else 20)
            out.append((n, m.group(1) + m.group(2), float(v)))
    return sorted(out)


def roofline_figure(out_dir, rows, ctx, path, isa):
    """Each judged row's counted GFLOP/s as a share of its roofline bound
    min(FMA peak, intensity x read bandwidth), ours beside oneDNN: at batch 1
    the bandwidth side binds (the share is the weight stream's share of the
    probed bandwidth), at batch 16 and 64 the FMA peak (the share is
    pct_peak)."""
    peak = ctx.get(f"peak_gflops_{isa}")
    bws = bandwidths(ctx)
    if not peak or not bws:
        return False
    peak = float(peak)
    share = {}  # (B, mode, impl) -> {(cell, H): (%, min %, max %)}
    for name, row in rows.items():
        f = parse_name(name)
        if (not f or f["variant"] or f["topology"] != "many2one" or f["T"] != 64
                or f["I"] != f["H"] or f["threads"] != 1 or f["H"] not in GRID_H
                or f["B"] not in GRID_B or f["impl"] not in (isa, "onednn")):
            continue
        s, b = stat(row, "GFLOP/s"), row[0]
        if not s or not b:
            continue
        t = b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
        w = GATES[f["cell"]] * f["H"] * f["H"] * 4
        passes = 2 if f["mode"] == "train" else 1
        intensity = s[0] * 1e9 * t / (passes * 64 * w)
        bw = next((g for n, _, g in bws if n >= w), bws[-1][2])
        bound = min(peak, intensity * bw)
        share[(f["B"], f["mode"], f["impl"])] = share.get((f["B"], f["mode"], f["impl"]), {})
        share[(f["B"], f["mode"], f["impl"])][(f["cell"], f["H"])] = tuple(100 * v / bound for v in s)
    if not share:
        return False
    groups = [(cell, H) for cell in CELLS for H in GRID_H]
    impls = (isa, "onednn")
    width = 0.38
    data = []
    for (B, mode, impl), vals in share.items():
        lines = []
        for g, key in enumerate(groups):
            if key in vals:
                m, lo, hi = vals[key]
                x = g + (impls.index(impl) - 0.5) * width
                lines.append(f"{x:.3f} {m:.2f} {lo:.2f} {hi:.2f}")
        data += datablock(f"s_{B}_{mode}_{impl}", lines)
    bw_text = ", ".join(f"{size} {g:.0f}" for _, size, g in bws)
    title = (f"Share of the roofline bound, judged grid (many-to-one, T = 64, I = H): "
             f"rnnsimd {isa} and oneDNN, one thread")
    body = ["set encoding utf8", "set termoption noenhanced",
            "set multiplot layout 3,2 columnsfirst margins 0.06,0.98,0.16,0.91 spacing 0.05,0.09 "
            f'title "{gp_escape(title)}" font ",13"']
    body += footer_caption(caption(ctx, path),
                           f"Bound = min(FMA peak, intensity x GB/s where weight_hh lives: "
                           f"{bw_text}); intensity = flops / weight_hh bytes streamed. "
                           f"Medians; whiskers: min-max.")
    # H under each pair of bars, the cell's name under the middle one.
    tics = ", ".join(f'"{H}{chr(92) + "n" + c if H == 512 else ""}" {g}'
                     for g, (c, H) in enumerate(groups))
    body += ["set grid ytics lc rgb '#dddddd'", "set yrange [0:118]", "set ytics 0, 20, 100",
             "set xrange [-0.6:11.6]", "set style fill solid 0.85 border rgb '#333333'",
             f"set boxwidth {width * 0.95:.3f} absolute", f"set xtics ({tics}) scale 0 font ',9'"]
    for x in (2.5, 5.5, 8.5):
        body.append(f"set arrow from {x}, graph 0 to {x}, graph 1 nohead lc rgb '#bbbbbb' dt 3")
    first = True
    for mode in ("fwd", "train"):
        for B in GRID_B:
            binding = "bandwidth" if B == 1 else "FMA peak"
            body.append(f'set title "B = {B}, {mode} (bound: {binding})"')
            body.append('set ylabel "% of the bound"' if mode == "fwd" else "unset ylabel")
            body.append("unset key")
            plots = ["100 with lines lw 2 dt 2 lc rgb '#000000' title '100% of the bound'"]
            for impl in impls:
                c = style(impl)[0]
                name = f"s_{B}_{mode}_{impl}"
                if present(data, name):
                    plots.append(f"${name} using 1:2 with boxes lc rgb '{c}' "
                                 f"title '{gp_escape(impl_title(impl, ctx))}'")
                    plots.append(whiskers(name))
            body.append("plot " + ", \\\n     ".join(plots))
            if first:
                body.append(UNSET_CAPTION)
                first = False
    body += legend_panel(["with lines lw 2 dt 2 lc rgb '#000000' title '100% of the bound'"] +
                         [f"with boxes fill solid 0.85 border rgb '#333333' lc rgb '{style(i)[0]}' "
                          f"title '{gp_escape(impl_title(i, ctx))}'" for i in impls])
    render(out_dir, "roofline", data, body)
    return True


def main(d):
    files = {}
    for isa in ISA_ORDER:
        f = os.path.join(d, f"{isa}.json")
        if os.path.exists(f):
            files[isa] = load_rows(f)
    if not files:
        print(f"plots.py: no <isa>.json in {d}: run make bench first", file=sys.stderr)
        return 1
    best = max(files, key=ISA_ORDER.index)
    ctx, rows = files[best]
    best_path = os.path.join(d, f"{best}.json")
    made = 0
    series = sweep_series(files, best)
    for cell in CELLS:
        for topo in TOPOS:
            if any((cell, topo, B, m) in series for B, m in PANELS):
                sweep_figure(d, cell, topo, series, ctx, best_path)
                made += 1
    ratio = ratio_series(rows, best)
    for topo in TOPOS:
        if any(k[0] == topo for k in ratio):
            ratio_figure(d, topo, ratio, ctx, best_path, best)
            made += 1
    for f in sorted(glob.glob(os.path.join(d, "*.json"))):
        base = os.path.basename(f)[:-5]
        isa, _, rest = base.partition("-")
        if isa not in ISA_ORDER or rest not in ("", "threads"):
            continue
        fctx, frows = files[isa] if not rest else load_rows(f)
        threads = 2 if rest == "threads" else 1
        if heatmap_figure(d, f"heatmap-{base}", grid_values(frows, isa, threads), fctx, f, isa,
                          threads):
            made += 1
    if roofline_figure(d, rows, ctx, best_path, best):
        made += 1
    print(f"plots.py: {made} figures (SVG and PNG) in {d}; gnuplot scripts in {d}/plots-data/")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        sys.exit(2 if len(sys.argv) != 2 else 0)
    sys.exit(main(sys.argv[1]))
