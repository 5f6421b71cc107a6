#!/usr/bin/python3
"""history_selftest.py — proof that the history (bench/history.py) and the
cross-machine report (bench/report.py) do what docs/tracking.md says, on
made-up runs; nothing is timed. Run by `make bench-selftest` and `make test`.

record: two clean runs append two lines (the file stays valid JSON lines);
each row's line holds its medians in the columns it names; a dirty run, an
emulated run, a run without a commit, a run with a row that ended in an error
and a run of another machine (by the
history's last line or its folder's machine.json) are refused, naming why,
and leave the file as it was. Change
points: 12 runs of made-up medians with one row 15% slower from the 8th run
on are found at the 8th run's commit, in time and vs_onednn, and nowhere
else; a flat noisy series (1%) has none, also with a run of another set
between every two (left out, said so); 3 runs say there are too few; a
calibration beside the history sets each metric's bar (a 20% bar keeps no
15% step; a 5% bar on time and 20% on vs_onednn keep time's only).
draw writes an SVG and a PNG per cell. report: two machine folders give one
table with both side by side (and the emulated folder left out), and a
figure; a machine with avx2 and avx512 runs shows avx512, each row from its
SET=ci file rather than its default sweep, B=64 rows included; the judged grid's rows
shown and rows one field off them left out. Ends with "N passed, N failed".
"""
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gate_selftest  # noqa: E402  (its made-up runs, and its check and counts)
from gate_selftest import ROWS, check, dump, made_up  # noqa: E402

PY = sys.executable or "/usr/bin/python3"


def run(script, *args, cwd=None):
    p = subprocess.run([PY, os.path.join(HERE, script), *args], capture_output=True, text=True,
                       cwd=cwd)
    return p.returncode, p.stdout + p.stderr


def lines_of(path):
    with open(path) as f:
        return [json.loads(ln) for ln in f if ln.strip()]


def record_battery(tmp):
    h = f"{tmp}/m/history.jsonl"
    rc1, o1 = run("history.py", "record", dump(made_up(1), f"{tmp}/r1.json"), "--history", h)
    rc2, o2 = run("history.py", "record", dump(made_up(2), f"{tmp}/r2.json"), "--history", h)
    ls = lines_of(h)
    check(rc1 == 0 and rc2 == 0 and len(ls) == 2 and ls[1]["git_commit"] == f"{2:040x}"
          and len(ls[0]["rows"]) == len(ROWS) and ls[0]["columns"][2] == "vs_onednn",
          f"two runs recorded as two lines ({len(ls)})", o1 + o2)
    # Each row's line holds its medians, column by column as "columns" names
    # them (4 significant digits).
    doc = made_up(1)
    want = {}
    for name in ROWS:
        bs = [b for b in doc["benchmarks"] if b["name"] == name]
        col = {"real_us": "real_time", "cpu_us": "cpu_time", "vs_onednn": "vs_onednn",
               "pct_peak": "pct_peak", "onednn_us": "onednn_paired_us"}
        want[name] = [float(f"{statistics.median(b[col[c]] for b in bs):.4g}") for c in ls[0]["columns"]]
    bad = [n for n in ROWS if ls[0]["rows"].get(n) != want[n]]
    check(ls and ls[0]["columns"] == ["real_us", "cpu_us", "vs_onednn", "pct_peak", "onednn_us"] and not bad,
          f"record writes each column's median ({len(bad)} rows differ)",
          f"{bad[:1]}: {ls[0]['rows'].get(bad[0]) if bad else ''} want {want[bad[0]] if bad else ''}")
    before = open(h).read()
    failed = made_up(3)
    next(b for b in failed["benchmarks"] if b["name"] == ROWS[1]).update(
        error_occurred=True, error_message="made-up failure")
    for what, doc, needle in (
            ("a run with a row that ended in an error", failed,
             f"1 of its rows ended in an error (the first, {ROWS[1]}: made-up failure)"),
            ("a dirty run", made_up(3, ctx={"git_dirty": "yes"}), "uncommitted changes"),
            ("an emulated run", made_up(3, ctx={"emulated": "yes: times are emulated"}), "emulation"),
            ("a run without a commit", made_up(3, ctx={"git_commit": "unknown (run through make bench)"}),
             "no commit"),
            ("another machine's run", made_up(3, ctx={"machine": "x86_64-intel-f6m143s8-fma512x2"}),
             "holds runs of x86_64-amd-f26m2s1-fma512x2")):
        rc, out = run("history.py", "record", dump(doc, f"{tmp}/bad.json"), "--history", h)
        check(rc == 2 and needle in out and open(h).read() == before,
              f"record refuses {what} (exit {rc}) and leaves the history", out)
    # A folder's machine.json names whose history it is: another machine's
    # run is refused there even before its first line.
    other = f"{tmp}/other/history.jsonl"
    dump({"slug": "x86_64-intel-f6m143s8-fma512x2"}, f"{tmp}/other/machine.json")
    rc, out = run("history.py", "record", dump(made_up(3), f"{tmp}/r3.json"), "--history", other)
    check(rc == 2 and "is the history of x86_64-intel-f6m143s8-fma512x2" in out and not os.path.exists(other),
          f"record refuses a run of another machine than the folder's machine.json (exit {rc})", out)


def series(tmp, n, step_at=None, sigma=0.01, seed=5, steps=None):
    """A history of n runs of the made-up rows; ROWS[0] 15% slower from run
    step_at on (its vs_onednn 15% lower), or by each factor of steps (a list
    of (run, factor)) from its run on."""
    rng = random.Random(seed)
    steps = steps if steps is not None else ([(step_at, 1.15)] if step_at is not None else [])
    path = f"{tmp}/s{n}-{'-'.join(str(a) for a, _ in steps) or None}/history.jsonl"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    out = []
    for i in range(n):
        rows = {}
        for k, name in enumerate(ROWS):
            f = math.prod(g for at, g in steps if i >= at) if k == 0 else 1.0
            t = 100.0 * (k + 1) * f * rng.lognormvariate(0, sigma)
            rows[name] = [t, t, (1.2 / f) * rng.lognormvariate(0, sigma), 50.0 / f,
                          120.0 * (k + 1) * rng.lognormvariate(0, sigma)]
        out.append(json.dumps({"date": f"2026-12-{i + 1:02d}T00:00:00+00:00",
                               "git_commit": f"c{i:02d}" + "0" * 37, "git_dirty": "no",
                               "machine": "x86_64-amd-f26m2s1-fma512x2", "rnnsimd_isa": "avx512",
                               "sweep": "ci", "columns": ["real_us", "cpu_us", "vs_onednn",
                                                          "pct_peak", "onednn_us"],
                               "rows": rows}))
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return path


def change_battery(tmp):
    rc, out = run("history.py", "draw", series(tmp, 12, step_at=7))
    found = [ln for ln in out.splitlines() if ln.startswith("change point:")]
    want_t = f"change point: {ROWS[0]} time at commit c07000000000 (run 8 of 12"
    want_r = f"change point: {ROWS[0]} vs_onednn at commit c07000000000 (run 8 of 12"
    check(rc == 0 and len(found) == 2 and any(ln.startswith(want_t) for ln in found)
          and any(ln.startswith(want_r) for ln in found),
          f"a 15% step at run 8 found there, in time and vs_onednn ({len(found)} change points)", out)
    # Each line's change is its medians' ratio (within what the medians'
    # four printed digits leave: 0.2 points at these sizes).
    moves = [re.search(r"median ([0-9.e+-]+) -> ([0-9.e+-]+) \(([+-][0-9.]+)%\)", ln) for ln in found]
    check(moves and all(m and abs(100 * (float(m[2]) / float(m[1]) - 1) - float(m[3])) < 0.2
                        for m in moves),
          "each change point's percentage is its medians' ratio less 1", out)
    d = os.path.dirname(series(tmp, 12, step_at=7))
    figs = [f for f in os.listdir(d) if f.startswith("history-") and f.endswith((".svg", ".png"))]
    check(len(figs) == 6, f"draw wrote an SVG and a PNG per cell present ({sorted(figs)})", out)
    # The calibration beside the history sets each row's bar per metric
    # (multiple x spread, at least the floor): at 20% the 15% step is not
    # kept; with time's bar at 5% and vs_onednn's at 20%, only time's is.
    for spreads, want_n in (((0.05, 0.05), 0), ((0.01, 0.05), 1)):
        path = series(tmp, 12, step_at=7)
        cal = {"multiple": 4.0, "floor": 0.05,
               "rows": {ROWS[0]: {"cpu": {"spread": spreads[0]}, "real": {"spread": spreads[0]},
                                  "vs_onednn": {"spread": spreads[1]}}}}
        nz = os.path.join(os.path.dirname(path), "avx512-ci.noise.json")
        with open(nz, "w") as f:
            json.dump(cal, f)
        rc, out = run("history.py", "draw", path)
        os.remove(nz)
        found = [ln for ln in out.splitlines() if ln.startswith("change point:")]
        check(rc == 0 and len(found) == want_n and all(f"{ROWS[0]} time at commit c07" in ln for ln in found),
              f"a calibration beside the history, spreads {spreads} (bars {max(0.05, 4 * spreads[0]):.0%}, "
              f"{max(0.05, 4 * spreads[1]):.0%}): {len(found)} change points (want {want_n})", out)
    rc, out = run("history.py", "draw", series(tmp, 12, sigma=0.01, seed=9))
    check(rc == 0 and "no change point found" in out, "a flat series (1% noise) has no change point", out)
    # Two steps, the later the larger: the search splits at run 13 first and
    # must find run 7's step in the segment left of it.
    rc, out = run("history.py", "draw", series(tmp, 18, steps=[(6, 1.15), (12, 1.4)]))
    found = [ln for ln in out.splitlines() if ln.startswith(f"change point: {ROWS[0]} time")]
    check(rc == 0 and len(found) == 2 and "at commit c06" in found[0] + found[1]
          and "at commit c12" in found[0] + found[1],
          f"steps at runs 7 and 13 both found in time ({len(found)} change points)", out)
    # Only the last run's table and set are drawn: a SET=default run between
    # every two of a SET=ci history (its row 10% slower) is left out, said so.
    path = series(tmp, 12, sigma=0.01, seed=9)
    lines = open(path).read().splitlines()
    mixed = []
    for ln in lines:
        e = json.loads(ln)
        e2 = dict(e, sweep="default", rows={n: [v * 1.1 for v in r] for n, r in e["rows"].items()})
        mixed += [json.dumps(e2), ln]
    os.makedirs(f"{tmp}/mixed", exist_ok=True)
    with open(f"{tmp}/mixed/history.jsonl", "w") as f:
        f.write("\n".join(mixed) + "\n")
    rc, out = run("history.py", "draw", f"{tmp}/mixed/history.jsonl")
    check(rc == 0 and "12 runs of avx512 SET=ci" in out and "(12 of other tables or sets left out)" in out
          and "no change point found" in out, "draw leaves out the runs of another set, said so", out)
    rc, out = run("history.py", "draw", series(tmp, 3))
    check(rc == 0 and "change points need 4+ runs" in out, "3 runs: too few, said so", out)


def report_battery(tmp):
    res = f"{tmp}/results"
    dump(made_up(1), f"{res}/x86_64-amd-f26m2s1-fma512x2/avx512-ci.json")
    other = {"machine": "aarch64-arm-d0c-r3p1-neon", "machine_arch": "aarch64", "rnnsimd_isa": "neon"}
    doc = made_up(2, rows=[r.replace("avx512", "neon") for r in ROWS], ctx=other)
    dump(doc, f"{res}/aarch64-arm-d0c-r3p1-neon/neon-ci.json")
    dump(made_up(3), f"{res}/emulated/neon-quick.json")
    rc, out = run("report.py", res)
    head = [ln for ln in out.splitlines() if ln.startswith("| row |")]
    body = [ln for ln in out.splitlines() if ln.startswith("| lstm/many2one/T:64/B:1/I:256/H:256/fwd |")]
    cells = [c.strip() for c in body[0].split("|")[2:-1]] if body else []
    ok = (rc == 0 and head and "x86_64-amd-f26m2s1-fma512x2 vs_onednn" in head[0]
          and "aarch64-arm-d0c-r3p1-neon vs_onednn" in head[0] and len(cells) == 4
          and "-" not in cells and "Left out: " in out and "emulated" in out
          and os.path.isfile(f"{res}/report.png") and os.path.isfile(f"{res}/report.md"))
    check(ok, "report: two machines side by side, emulated left out, table and figure", out)
    # Which table and file a machine's numbers come from, and which rows are
    # judged: a third machine ran avx512 (SET=ci at vs_onednn 1.50, %peak
    # 40.0; the default sweep at 0.70 and 20.0, with a B=64 H=1024 row at
    # 1.33 and 77.7) and avx2 (SET=ci at 0.90). Its column shows avx512,
    # each row from the ci file where it has one, and the B=64 row.
    intel = "x86_64-intel-f6m143s8-fma512x2"
    ctx = {"machine": intel, "machine_vendor": "intel"}
    b64 = "lstm/many2one/avx512/T:64/B:64/I:1024/H:1024/fwd"

    def fixed(doc, ratio, pct, only=None):
        for b in doc["benchmarks"]:
            if only is None or b["name"] == only:
                b["vs_onednn"], b["pct_peak"] = ratio, pct
        return doc
    dump(fixed(made_up(4, ctx=ctx), 1.5, 40.0), f"{res}/{intel}/avx512-ci.json")
    dump(fixed(fixed(made_up(5, rows=ROWS + [b64], ctx=dict(ctx, sweep="default")), 0.7, 20.0),
               1.33, 77.7, only=b64), f"{res}/{intel}/avx512.json")
    avx2 = made_up(6, rows=[r.replace("avx512", "avx2") for r in ROWS],
                   ctx=dict(ctx, rnnsimd_isa="avx2"))
    dump(fixed(avx2, 0.9, 30.0), f"{res}/{intel}/avx2-ci.json")
    rc, out = run("report.py", res)
    head = next((ln for ln in out.splitlines() if ln.startswith("| row |")), "")
    cols = [c.strip() for c in head.split("|")[1:-1]]
    col = cols.index(f"{intel} vs_onednn") if f"{intel} vs_onednn" in cols else None

    def cells(key):
        ln = next((ln for ln in out.splitlines() if ln.startswith(f"| {key} |")), "")
        c = [x.strip() for x in ln.split("|")[1:-1]]
        return c[col:col + 2] if col is not None and len(c) > col + 1 else None
    got = (cells("lstm/many2one/T:64/B:1/I:256/H:256/fwd"), cells("lstm/many2one/T:64/B:64/I:1024/H:1024/fwd"))
    check(rc == 0 and got == (["1.50", "40.0"], ["1.33", "77.7"]) and f"**{intel}** (avx512)" in out,
          f"report: a machine's best table (avx512, not avx2), each row from its ci file, "
          f"B=64 rows judged: {got}", out)
    # The judged grid (docs/benchmarks.md): many2one T 64, I = H in 256-1024, B 1/16/64;
    # one2one T 1 B 1 H 256; the other topologies T 16 B 16 H 256. Rows beside them,
    # one field off each, are left out.
    judged = ["gru/one2many/avx512/T:16/B:16/I:256/H:256/fwd",
              "gru/seq2seq/avx512/T:16/B:16/I:256/H:256/train",
              "lstm/one2one/avx512/T:1/B:1/I:256/H:256/fwd",
              "rnn_tanh/many2one/avx512/T:64/B:16/I:1024/H:1024/fwd"]
    off = ["gru/one2many/avx512/T:32/B:16/I:256/H:256/fwd",
           "gru/seq2seq/avx512/T:16/B:1/I:256/H:256/train",
           "gru/seq2seq/avx512/T:16/B:16/I:128/H:256/fwd",
           "lstm/one2one/avx512/T:2/B:1/I:256/H:256/fwd",
           "rnn_tanh/many2one/avx512/T:64/B:16/I:512/H:1024/fwd",
           "rnn_tanh/many2one/avx512/T:64/B:16/I:1024/H:512/fwd",
           "rnn_tanh/many2one/avx512/T:64/B:4/I:512/H:512/fwd"]
    res2 = f"{tmp}/results-judged"
    dump(made_up(7, rows=judged + off), f"{res2}/x86_64-amd-f26m2s1-fma512x2/avx512-ci.json")
    rc, out = run("report.py", res2)
    shown = sorted(ln.split("|")[1].strip() for ln in out.splitlines()
                   if ln.startswith("| ") and not ln.startswith(("| row", "| ---")))
    want = sorted(r.replace("/avx512/", "/") for r in judged)
    check(rc == 0 and shown == want, f"report: the judged rows and none beside them ({len(shown)} shown)",
          f"shown {shown}\nwant {want}\n{out}")


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="rnnsimd_history.") as tmp:
        record_battery(tmp)
        change_battery(tmp)
        report_battery(tmp)
    print(f"{gate_selftest.passed} passed, {gate_selftest.failed} failed")
    return 1 if gate_selftest.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
