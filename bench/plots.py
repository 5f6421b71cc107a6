#!/usr/bin/python3
"""plots.py — GFLOP/s against T from the benchmark JSON of one machine.

  plots.py DIR     DIR = results/<machine>; reads every <isa>.json there

One figure per RNN type and cell (plot-<cell>-<topology>.svg and .png), four
panels: B = 1 and B = 64, fwd and train; one line per kernel table (each JSON
file) and per peer (oneDNN, OpenBLAS: from the file of the best table, so a
peer appears once). Medians of the repetitions; log-scaled T. The gnuplot
script and its data files are kept in DIR/plots-data/ (reproducible by hand).
Every file is written atomically (a temporary file, then a rename): an
interrupted run leaves the previous figures whole.
"""
import glob
import json
import os
import subprocess
import sys

ISA_ORDER = ("generic", "avx2", "avx512", "neon")
PEERS = ("onednn", "blas")
PEER_TITLES = {"onednn": "oneDNN 2.6", "blas": "OpenBLAS baseline"}
CELLS = ("rnn_tanh", "lstm", "gru", "lbr_gru")
TOPOS = ("one2one", "one2many", "many2one", "seq2seq", "many2many")
PANELS = (("1", "fwd"), ("64", "fwd"), ("1", "train"), ("64", "train"))


def write_atomic(path, text):
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def medians(doc):
    """{run_name: GFLOP/s of the median (or of the only run)}."""
    out, single = {}, {}
    for b in doc.get("benchmarks", []):
        name = b.get("run_name", b["name"])
        if b.get("error_occurred") or "GFLOP/s" not in b:
            continue
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                out[name] = b["GFLOP/s"]
        else:
            single.setdefault(name, b["GFLOP/s"])
    for k, v in single.items():
        out.setdefault(k, v)
    return out


def parse(name):
    p = name.split("/")
    if len(p) != 8:  # headed topologies only: DeepBench rows end in a variant
        return None
    kv = {s.split(":")[0]: int(s.split(":")[1]) for s in p[3:7]}
    return p[0], p[1], p[2], kv["T"], kv["B"], kv["I"], kv["H"], p[7]


def main(d):
    files = {}
    for f in glob.glob(os.path.join(d, "*.json")):
        isa = os.path.basename(f)[:-5]
        if isa in ISA_ORDER:
            with open(f) as fh:
                files[isa] = medians(json.load(fh))
    if not files:
        print(f"plots.py: no <isa>.json in {d}: run make bench first", file=sys.stderr)
        return 1
    best = max(files, key=ISA_ORDER.index)
    # series[(cell, topo, B, mode)][impl] = [(T, gflops)]
    series = {}
    for isa, rows in files.items():
        for name, g in rows.items():
            r = parse(name)
            if not r or r[5] != 512 or r[6] != 512:  # the T sweep is at I = H = 512
                continue
            cell, topo, impl, T, B, _, _, mode = r
            if impl in PEERS and isa != best:
                continue
            series.setdefault((cell, topo, str(B), mode), {}).setdefault(impl, []).append((T, g))
    data = os.path.join(d, "plots-data")
    os.makedirs(data, exist_ok=True)
    made = 0
    for cell in CELLS:
        for topo in TOPOS:
            if not any((cell, topo, B, m) in series for B, m in PANELS):
                continue
            gp = [f'set datafile separator " "',
                  'set logscale x 2', 'set xrange [0.7:1500]', 'set grid', 'set key top left font ",9"',
                  'set xlabel "T (steps)"', 'set ylabel "GFLOP/s"', 'set yrange [0:*]']
            body = ['set multiplot layout 2,2 title "%s %s (I = H = 512, V = 256; medians)"'
                    % (cell, topo)]
            for B, mode in PANELS:
                lines = series.get((cell, topo, B, mode), {})
                body.append(f'set title "B = {B}, {mode}"')
                plots = []
                for impl in sorted(lines, key=lambda i: (i in PEERS, i)):
                    pts = sorted(lines[impl])
                    fn = os.path.join(data, f"{cell}-{topo}-B{B}-{mode}-{impl}.dat")
                    write_atomic(fn, "".join(f"{t} {g:.4f}\n" for t, g in pts))
                    title = PEER_TITLES.get(impl, f"rnnsimd {impl}")
                    dash = ' dt 2' if impl in PEERS else ''
                    plots.append(f'"{fn}" using 1:2 with linespoints lw 2{dash} title "{title}"')
                if plots:
                    body.append("plot " + ", \\\n     ".join(plots))
                else:
                    body.append('set label 1 "no data" at graph 0.5,0.5 center front; '
                                'plot [:] [0:1] -1 notitle; '
                                'unset label 1')
            body.append("unset multiplot")
            stem = os.path.join(d, f"plot-{cell}-{topo}")
            tmp = f".tmp-{os.getpid()}"
            script = "\n".join(
                gp + [f'set terminal svg size 1000,720 dynamic font "sans,11"',
                      f'set output "{stem}.svg{tmp}"'] + body +
                [f'set terminal pngcairo size 1000,720 font "sans,10"',
                 f'set output "{stem}.png{tmp}"'] + body + ["unset output"]) + "\n"
            gpf = os.path.join(data, f"plot-{cell}-{topo}.gp")
            write_atomic(gpf, script)
            try:
                subprocess.run(["gnuplot", gpf], check=True)
                for ext in ("svg", "png"):
                    os.replace(f"{stem}.{ext}{tmp}", f"{stem}.{ext}")
            finally:
                for ext in ("svg", "png"):
                    if os.path.exists(f"{stem}.{ext}{tmp}"):
                        os.unlink(f"{stem}.{ext}{tmp}")
            made += 1
    print(f"plots.py: {made} figures (SVG and PNG) in {d}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
