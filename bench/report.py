#!/usr/bin/python3
"""report.py — every machine's committed results side by side: for each
judged row, vs_onednn and pct_peak per machine, as one table and one figure.

  report.py [RESULTS] [--out DIR]      (defaults: results/, the same folder)

A machine is a folder RESULTS/<machine>/ holding benchmark JSON (its
machine.json, if any, describes it). Per machine the best table it ran
(avx512 > neon > avx2 > generic) is shown, each row taken from its SET=ci
file (<isa>-ci.json: 9+ repetitions) where it has one, else from the
default sweep (<isa>.json); values are medians over repetitions. Judged
rows: many2one at T = 64 with I = H in {256, 512, 1024} and B in {1, 16,
64}, one-step latency (one2one T = 1, B = 1, H = 256), and the ci set's one
row per other topology. Emulated results (results/emulated/) are left out:
their times mean nothing. Writes DIR/report.md (the table, with each
machine's facts and source files) and DIR/report.svg and .png (two panels:
vs_onednn and pct_peak per row, one colour per machine).
"""
import argparse
import glob
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runs  # noqa: E402
from results import parse_name  # noqa: E402

ISA_RANK = ("generic", "avx2", "neon", "avx512")
CELLS = ("rnn_tanh", "lstm", "gru", "lbr_gru")


def judged(f):
    if f["threads"] != 1 or f["variant"]:
        return False
    if f["topology"] == "many2one":
        return f["T"] == 64 and f["I"] == f["H"] and f["H"] in (256, 512, 1024) and f["B"] in (1, 16, 64)
    if f["topology"] == "one2one":
        return f["T"] == 1 and f["B"] == 1 and f["H"] == 256 and f["I"] == 256
    return f["T"] == 16 and f["B"] == 16 and f["H"] == 256 and f["I"] == 256


def key_of(f):
    return f"{f['cell']}/{f['topology']}/T:{f['T']}/B:{f['B']}/I:{f['I']}/H:{f['H']}/{f['mode']}"


def sort_key(k):
    p = k.split("/")
    topo_rank = ("many2one", "one2one", "one2many", "seq2seq", "many2many").index(p[1])
    num = {s.split(":")[0]: int(s.split(":")[1]) for s in p[2:6]}
    return (topo_rank, p[6], num["H"], num["B"], CELLS.index(p[0]) if p[0] in CELLS else 9)


def machine_rows(folder):
    """(isa, {key: (vs_onednn, pct_peak, source)}, [files], run) for a
    folder's best table, or None."""
    files = [f for f in glob.glob(os.path.join(folder, "*.json"))
             if not f.endswith((".noise.json", "machine.json"))]
    by_isa = {}
    for f in files:
        stem = os.path.basename(f)[:-5]
        isa, _, sset = stem.partition("-")
        if isa in ISA_RANK and sset in ("", "ci"):
            by_isa.setdefault(isa, {})[sset or "default"] = f
    if not by_isa:
        return None
    isa = max(by_isa, key=ISA_RANK.index)
    out, used, first = {}, [], None
    for sset in ("ci", "default"):
        f = by_isa[isa].get(sset)
        if not f:
            continue
        run = runs.load(f)
        first = first or run
        used.append(f)
        for name, r in run.rows.items():
            fl = parse_name(name)
            if not fl or fl["impl"] != isa or not judged(fl):
                continue
            k = key_of(fl)
            if k not in out:
                out[k] = (runs.median(r.ratio), runs.median(r.pct_peak), sset)
    return isa, out, used, first


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="?", default="results")
    ap.add_argument("--out")
    a = ap.parse_args(argv[1:])
    out = a.out or a.results
    machines, skipped = [], []
    for folder in sorted(glob.glob(os.path.join(a.results, "*"))):
        if not os.path.isdir(folder):
            continue
        name = os.path.basename(folder)
        if name == "emulated":
            skipped.append(f"{folder} (emulated: times mean nothing)")
            continue
        got = machine_rows(folder)
        if got:
            machines.append((name, folder) + got)
    if not machines:
        print(f"report.py: no machine's results under {a.results}/", file=sys.stderr)
        return 1
    keys = sorted({k for m in machines for k in m[3]}, key=sort_key)
    md = ["# Benchmark results across machines", "",
          "Made by `make bench-report` (bench/report.py) from every folder of results/. Medians over"
          " repetitions; vs_onednn = oneDNN's time / ours, paired per repetition (> 1: ours is"
          " faster); %peak = share of the one-core FMA peak probed at the run's start. Each"
          " machine shows its best table, rows from its SET=ci file where it has one (source ci),"
          " else from its default sweep.", ""]
    for name, folder, isa, rows, used, run in machines:
        facts = run.facts()
        unknown = [k for k, v in facts.items() if v == "unknown"]
        desc = ", ".join(f"{k} {v}" for k, v in facts.items() if v != "unknown")
        md.append(f"- **{name}** ({isa}): {desc or 'no facts recorded'}"
                  + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                  + f"; model name {run.context.get('machine_model_name') or (run.machine_file or {}).get('model_name', '?')}"
                  + f"; files {', '.join(os.path.basename(u) for u in used)}"
                  + f" ({run.context.get('date', '?')[:16]}, commit {run.context.get('git_commit', 'unknown')[:12]})")
    md.append("")
    head = "| row | " + " | ".join(f"{m[0]} vs_onednn | %peak" for m in machines) + " |"
    md += [head, "|" + " --- |" * (1 + 2 * len(machines))]
    for k in keys:
        cells = []
        for m in machines:
            v = m[3].get(k)
            cells += [fmt(v[0], ".2f") if v else "-", fmt(v[1], ".1f") if v else "-"]
        md.append(f"| {k} | " + " | ".join(cells) + " |")
    if skipped:
        md += ["", "Left out: " + "; ".join(skipped)]
    text = "\n".join(md) + "\n"
    runs.write_atomic(os.path.join(out, "report.md"), text)
    print(text)
    # The figure: one x position per row, one colour per machine.
    data = os.path.join(out, "report-data")
    os.makedirs(data, exist_ok=True)
    xt = ", ".join(f'"{k}" {i}' for i, k in enumerate(keys))
    plots_r, plots_p = [], []
    for j, m in enumerate(machines):
        fn = os.path.join(data, f"{m[0]}.dat")
        with open(fn, "w") as fh:
            for i, k in enumerate(keys):
                v = m[3].get(k)
                if v:
                    fh.write(f"{i} {v[0] if v[0] else 'NaN'} {v[1] if v[1] else 'NaN'}\n")
        plots_r.append(f'"{fn}" using 1:2 with points pt {j % 6 + 5} ps 0.9 title "{m[0]} ({m[2]})"')
        plots_p.append(f'"{fn}" using 1:3 with points pt {j % 6 + 5} ps 0.9 title "{m[0]} ({m[2]})"')
    stem = os.path.join(out, "report")
    body = ['set termoption noenhanced',
            'set multiplot title "judged rows per machine (medians)"',
            'set origin 0,0.55', 'set size 1,0.42', 'set bmargin 1', 'set tmargin 1',
            'set xtics 0,1 format ""', 'set ylabel "vs_onednn (oneDNN time / ours)"',
            'set yrange [*:*]',
            'set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "gray50"',
            "plot " + ", ".join(plots_r), "unset arrow 1",
            'set origin 0,0', 'set size 1,0.55', 'set bmargin 15',
            f'set xtics ({xt}) rotate by -90 font ",6"', 'set format x "%g"',
            'set ylabel "% of the FMA peak"', 'set yrange [0:*]', "plot " + ", ".join(plots_p),
            "unset multiplot"]
    head = ['set grid', 'set key top right font ",8"', f"set xrange [-0.5:{len(keys) - 0.5}]"]
    script = "\n".join(head + [f'set terminal svg size 1400,1000 dynamic font "sans,10"',
                               f'set output "{stem}.tmp.svg"'] + body +
                       [f'set terminal pngcairo size 1400,1000 font "sans,9"',
                        f'set output "{stem}.tmp.png"'] + body + ["unset output"]) + "\n"
    with open(os.path.join(data, "report.gp"), "w") as fh:
        fh.write(script)
    p = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if p.returncode:
        print(f"report.py: gnuplot failed: {p.stderr.strip()[:400]}", file=sys.stderr)
        return 1
    for ext in ("svg", "png"):
        os.replace(f"{stem}.tmp.{ext}", f"{stem}.{ext}")
    print(f"report.py: {len(machines)} machine(s), {len(keys)} judged rows: {out}/report.md,"
          f" report.svg, report.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
