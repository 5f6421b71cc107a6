#!/usr/bin/python3
"""history.py — the benchmark's time series per machine: one small JSON line
per run in results/<machine>/history.jsonl, figures over commits, and the
change points in each row's series.

  history.py record RUN.json [--history PATH] [--allow-dirty]
  history.py draw HISTORY.jsonl [--out DIR] [--isa ISA] [--set SET]
                  [--field cpu|real] [--alpha 0.05] [--permutations 199]

record appends RUN's per-row medians to the history of the machine it ran on
(default results/<machine>/history.jsonl; written as a whole new file and
renamed, never half a line): commit, date and context, then per row
[real_us, cpu_us, vs_onednn, pct_peak, onednn_us] (medians over repetitions,
4 significant digits; null where the row has no such counter). It refuses
an emulated run, a run without a commit, a run from a dirty tree (unless
--allow-dirty), a run with a row that ended in an error and a history of
another machine.

draw takes the lines of one table and set (default: the latest line's) in
file order and writes, per cell, history-<cell>.svg and .png into DIR
(default: the history's folder): a panel per mode, each row's median time
relative to its own median over the history, ours solid and oneDNN's paired
time dashed, so a change in one row stands out and a change of both sides
says the machine. Then, per row of ours, change points in ln(time) and in
vs_onednn by E-divisive means (Matteson and James 2014, as production
performance CI uses it): the split tau (and end kappa) maximising the energy
statistic Q = mn/(m+n) (2/(mn) sum|x-y| - mean within-left |x-x'| - mean
within-right |y-y'|) of [start, tau) against [tau, kappa), kept when a permutation test (PERMUTATIONS shuffles, fixed seed)
gives p < ALPHA, both sides have 2+ runs and the medians differ by more than
the row's gate threshold (the .noise.json beside the history, else 5%); then
each side is searched again. It prints every change with the commit where it
began (the first run after the split); fewer than 4 runs have no change
point to find, and it says so.
"""
import argparse
import hashlib
import json
import math
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runs  # noqa: E402

COLUMNS = ["real_us", "cpu_us", "vs_onednn", "pct_peak", "onednn_us"]
CELLS = ("rnn_tanh", "lstm", "gru", "lbr_gru")
KEEP = ("date", "git_commit", "git_dirty", "machine", "rnnsimd_isa", "sweep", "set_rows_hash",
        "filter", "interleaved", "compiler", "cflags", "kernel", "transparent_hugepages",
        "cpu_governor", "load_average_1min_at_start", "rnnsimd_version")


def sig(x):
    return None if x is None else float(f"{x:.4g}")


def record(a):
    run = runs.load(a.run)
    ctx = run.context
    why = []
    if run.emulated:
        why.append("it ran under emulation: its times mean nothing")
    commit = ctx.get("git_commit", "")
    if not commit or commit.startswith("unknown"):
        why.append("it records no commit (run it through make bench)")
    if ctx.get("git_dirty") != "no" and not a.allow_dirty:
        why.append(f"it was built from uncommitted changes (git_dirty {ctx.get('git_dirty', '?')});"
                   " commit first, or pass --allow-dirty (ALLOW_DIRTY=1)")
    failed = sorted(n for n, r in run.rows.items() if r.errors)
    if failed:
        why.append(f"{len(failed)} of its rows ended in an error (the first, {failed[0]}:"
                   f" {run.rows[failed[0]].errors[0]})")
    path = a.history or os.path.join("results", run.machine, "history.jsonl")
    mj = os.path.join(os.path.dirname(os.path.abspath(path)), "machine.json")
    if os.path.isfile(mj):
        with open(mj) as f:
            slug = json.load(f).get("slug")
        if slug != run.machine:
            why.append(f"{path} is the history of {slug}; the run is from {run.machine}")
    lines = []
    if os.path.isfile(path):
        with open(path) as f:
            lines = [ln for ln in f.read().splitlines() if ln.strip()]
        for ln in lines[-1:]:
            m = json.loads(ln).get("machine")
            if m != run.machine:
                why.append(f"{path} holds runs of {m}; the run is from {run.machine}")
    if why:
        print(f"history.py: not recorded: " + "; ".join(why), file=sys.stderr)
        return 2
    rows = {}
    for name, r in run.rows.items():
        if not r.real:
            continue
        rows[name] = [sig(runs.median(r.real)), sig(runs.median(r.cpu)), sig(runs.median(r.ratio)),
                      sig(runs.median(r.pct_peak)), sig(runs.median(r.judge))]
    if not rows:
        print(f"history.py: {a.run} has no row with a time: nothing to record", file=sys.stderr)
        return 1
    entry = {k: ctx.get(k) for k in KEEP if k in ctx}
    entry["machine"] = run.machine
    entry["columns"] = COLUMNS
    entry["rows"] = rows
    line = json.dumps(entry, separators=(",", ":"))
    runs.write_atomic(path, "".join(ln + "\n" for ln in lines) + line + "\n")
    print(f"history.py: appended {len(rows)} rows of {commit[:12]} ({ctx.get('date', '?')}) to {path}"
          f" ({len(lines) + 1} runs, this line {len(line)} bytes)")
    return 0


# ---- change points: E-divisive means with a permutation test ----
def _best_split(d, min_size):
    """Best split of the series whose |xi - xj| matrix is d, E-divisive's
    (tau, kappa) search: the left part [0, tau) against [tau, kappa), every
    kappa, so a change that later reverts is found too. (tau, Q)."""
    import numpy as np
    n = len(d)
    s = np.zeros((n + 1, n + 1))
    s[1:, 1:] = d.cumsum(0).cumsum(1)
    t, k = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    ok = (t >= min_size) & (k - t >= min_size)
    if not ok.any():
        return None, -math.inf
    t, k = t[ok], k[ok]
    m, r = t.astype(float), (k - t).astype(float)
    between = s[t, k] - s[t, t]                          # rows < tau, columns in [tau, kappa)
    wl = s[t, t] / 2                                     # pairs within [0, tau)
    wr = (s[k, k] - s[t, k] - s[k, t] + s[t, t]) / 2     # pairs within [tau, kappa)
    e = 2 * between / (m * r)
    e -= np.where(m > 1, wl / np.maximum(m * (m - 1) / 2, 1), 0.0)
    e -= np.where(r > 1, wr / np.maximum(r * (r - 1) / 2, 1), 0.0)
    q = m * r / (m + r) * e
    i = int(np.argmax(q))
    return int(t[i]), float(q[i])


def e_divisive(x, alpha, permutations, min_rel, seed, min_size=2):
    """Change points of series x (indices where a new segment starts), each
    with its permutation p-value: [(index, p)], ascending."""
    import numpy as np
    found = []
    xs = np.asarray(x, dtype=float)

    def search(lo, hi):
        seg = xs[lo:hi]
        n = len(seg)
        if n < 2 * min_size:
            return
        d = np.abs(seg[:, None] - seg[None, :])
        tau, q = _best_split(d, min_size)
        if tau is None:
            return
        rng = np.random.default_rng(seed * 1000003 + lo * 1009 + hi)
        hits = 0
        for _ in range(permutations):
            p = rng.permutation(n)
            if _best_split(d[np.ix_(p, p)], min_size)[1] >= q - 1e-12:
                hits += 1
        pval = (hits + 1) / (permutations + 1)
        left, right = float(np.median(seg[:tau])), float(np.median(seg[tau:]))
        if pval < alpha and abs(math.expm1(right - left)) > min_rel:
            found.append((lo + tau, pval))
            search(lo, lo + tau)
            search(lo + tau, hi)
    search(0, len(xs))
    return sorted(found)


def gnuplot(script, stems):
    """Runs a gnuplot script that writes <stem>.tmp.svg/.png, then renames
    them into place (no half-written figure)."""
    p = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if p.returncode:
        raise SystemExit(f"gnuplot failed: {p.stderr.strip()[:400]}")
    for stem in stems:
        for ext in ("svg", "png"):
            os.replace(f"{stem}.tmp.{ext}", f"{stem}.{ext}")


def draw(a):
    with open(a.history) as f:
        entries = [json.loads(ln) for ln in f if ln.strip()]
    if not entries:
        print(f"history.py: {a.history} is empty: record runs with make bench-record", file=sys.stderr)
        return 1
    isa = a.isa or entries[-1].get("rnnsimd_isa")
    sset = a.set or entries[-1].get("sweep")
    es = [e for e in entries if e.get("rnnsimd_isa") == isa and e.get("sweep") == sset]
    out = a.out or os.path.dirname(os.path.abspath(a.history))
    nz = os.path.join(os.path.dirname(os.path.abspath(a.history)), f"{isa}-{sset}.noise.json")
    cal = {}
    if os.path.isfile(nz):
        with open(nz) as f:
            n = json.load(f)
        for name, c in n.get("rows", {}).items():
            cal[name] = {m: max(n.get("floor", 0.05), n.get("multiple", 4.0) * c[m]["spread"])
                         for m in c}
    col = COLUMNS.index("cpu_us" if a.field == "cpu" else "real_us")
    labels = [(e.get("git_commit") or "?")[:7] for e in es]
    print(f"history.py: {len(es)} runs of {isa} SET={sset} in {a.history}"
          f" ({len(entries) - len(es)} of other tables or sets left out)")
    names = []
    for e in es:
        for name in e["rows"]:
            if name not in names and runs.Row(name).impl == isa:
                names.append(name)
    # Change points per row of ours: time (ln) and vs_onednn (ln).
    changes = {}
    if len(es) < 4:
        print(f"history.py: change points need 4+ runs (2 a side); {len(es)} so far: none sought")
    else:
        print(f"history.py: change points by E-divisive means, {a.permutations} permutations,"
              f" p < {a.alpha}, 2+ runs a side, beyond each row's gate threshold"
              f" ({'from ' + os.path.relpath(nz) if cal else 'no calibration: 5%'})")
        for name in names:
            for metric, c in (("time", col), ("vs_onednn", COLUMNS.index("vs_onednn"))):
                pts = [(i, e["rows"][name][c]) for i, e in enumerate(es)
                       if name in e["rows"] and e["rows"][name][c]]
                if len(pts) < 4:
                    continue
                xs = [math.log(v) for _, v in pts]
                thr = cal.get(name, {}).get("cpu" if metric == "time" and a.field == "cpu" else
                                            "real" if metric == "time" else "vs_onednn", 0.05)
                seed = int(hashlib.sha1(f"{name}/{metric}".encode()).hexdigest()[:8], 16)
                for k, p in e_divisive(xs, a.alpha, a.permutations, thr, seed):
                    i = pts[k][0]
                    before = statistics.median(v for _, v in pts[:k])
                    after = statistics.median(v for _, v in pts[k:])
                    changes.setdefault(name, []).append(i)
                    e = es[i]
                    print(f"change point: {name} {metric} at commit {(e.get('git_commit') or '?')[:12]}"
                          f" (run {i + 1} of {len(es)}, {e.get('date', '?')}): median {before:.4g} ->"
                          f" {after:.4g} ({runs.pct(after / before - 1)}), p={p:.3g}")
        if not changes:
            print("history.py: no change point found")
    # Figures: one per cell, a panel per mode.
    data = os.path.join(out, "history-data")
    os.makedirs(data, exist_ok=True)
    stems = []
    script = ['set datafile separator " "', 'set grid', 'set key outside right font ",8"',
              'set ylabel "time / its median over the history"', 'set xlabel "run (commit)"']
    xt = ", ".join(f'"{lab}" {i}' for i, lab in enumerate(labels))
    script.append(f"set xtics ({xt}) rotate by -45 font \",8\"")
    script.append(f"set xrange [-0.5:{len(es) - 0.5}]")
    made = 0
    for cell in CELLS:
        rows = [n for n in names if n.startswith(cell + "/")]
        if not rows:
            continue
        stem = os.path.join(out, f"history-{cell}")
        body = [f'set multiplot layout 2,1 title "{cell}: {isa} SET={sset}, medians per run;'
                f' ours solid, oneDNN (paired) dashed; vertical lines: change points"']
        for mode in ("fwd", "train"):
            mrows = [n for n in rows if n.split("/")[-1] == mode or f"/{mode}/" in n]
            body.append(f'set title "{mode}"')
            body.append("unset arrow")
            for n in mrows:
                for i in changes.get(n, []):
                    body.append(f"set arrow from {i - 0.5}, graph 0 to {i - 0.5}, graph 1 nohead dt 3 lc rgb \"gray40\"")
            plots = []
            for k, n in enumerate(mrows):
                short = "/".join(p for p in n.split("/")[1:] if p != isa and not p.startswith("I:"))
                for impl, c, color, dash in ((isa, col, "#1f5fbf", ""),
                                             ("oneDNN", COLUMNS.index("onednn_us"), "#d9541e", " dt 2")):
                    pts = [(i, e["rows"][n][c]) for i, e in enumerate(es)
                           if n in e["rows"] and e["rows"][n][c]]
                    if not pts:
                        continue
                    med = statistics.median(v for _, v in pts)
                    fn = os.path.join(data, f"{cell}-{mode}-{k}-{'ours' if impl == isa else 'onednn'}.dat")
                    with open(fn, "w") as fh:
                        fh.writelines(f"{i} {v / med:.5f}\n" for i, v in pts)
                    title = f"{impl} {short}"
                    plots.append(f'"{fn}" using 1:2 with linespoints lc rgb "{color}" pt {k % 12 + 1}'
                                 f' ps 0.6{dash} title "{title}"')
            body.append("plot " + ", \\\n     ".join(plots) if plots else
                        'set label 1 "no rows" at graph 0.5,0.5 center; set yrange [0:1];'
                        ' plot 1/0 notitle; unset label 1; set yrange [*:*]')
        body.append("unset multiplot")
        script += [f'set terminal svg size 1100,800 dynamic font "sans,10"',
                   f'set output "{stem}.tmp.svg"'] + body + \
                  [f'set terminal pngcairo size 1100,800 font "sans,9"',
                   f'set output "{stem}.tmp.png"'] + body + ["unset output"]
        stems.append(stem)
        made += 1
    if made:
        gp = "\n".join(script) + "\n"
        with open(os.path.join(data, "history.gp"), "w") as fh:
            fh.write(gp)
        gnuplot(gp, stems)
    print(f"history.py: {made} figures (SVG and PNG) in {out}: history-<cell>.*")
    return 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("run")
    r.add_argument("--history")
    r.add_argument("--allow-dirty", action="store_true")
    d = sub.add_parser("draw")
    d.add_argument("history")
    d.add_argument("--out")
    d.add_argument("--isa")
    d.add_argument("--set")
    d.add_argument("--field", choices=("cpu", "real"), default="cpu")
    d.add_argument("--alpha", type=float, default=0.05)
    d.add_argument("--permutations", type=int, default=199)
    a = ap.parse_args(argv[1:])
    for p in (getattr(a, "run", None), getattr(a, "history", None) if a.cmd == "draw" else None):
        if p and not os.path.isfile(p):
            print(f"history.py: {p}: no such file", file=sys.stderr)
            return 2
    return record(a) if a.cmd == "record" else draw(a)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
