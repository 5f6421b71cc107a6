#!/usr/bin/python3
"""verdicts.py — the judged grid, the thresholds of bench/targets.json, and
how bench/targets.py and bench/targets_bf16.py print a section and its
verdict: a geometric mean against its minimum, PASS, FAIL or MISSING, and
the spread of a geometric mean over the processes of a merged run."""
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import geomean  # noqa: E402
from ceilings import num  # noqa: E402

CELLS = ("rnn_tanh", "lstm", "gru", "lbr_gru")
HS = (256, 512, 1024)


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
