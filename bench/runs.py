#!/usr/bin/python3
"""runs.py — one benchmark JSON file as the tracking tools read it: each row's
repetitions (times, vs_onednn, pct_peak), its errors, and the identity of the
machine, table and set that produced it. Shared by gate.py, noise.py,
history.py and report.py (docs/tracking.md describes the files).

A row is a benchmark name after results.py's normalisation (the problem, no
/repeats:N or /real_time). Its samples are the "iteration" entries of the
file (one per repetition); aggregates are recomputed from them, so a file
written with any --benchmark_display_aggregates_only setting reads the same.
"""
import json
import math
import os
import re
import statistics

PEERS = ("onednn", "blas")
UNIT_US = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
# The facts a machine's name comes from (bench/identity.h), in the context
# as machine_<fact> and in results/<machine>/machine.json as <fact>.
# Our rows' labels end "; paired with <the judge's setup note>": oneDNN's
# implementation and weight format, less the pilot's timings.
JUDGE = re.compile(r"; paired with (.*)$")
PILOT = re.compile(r"\s*\(pilot[^)]*\)")
MACHINE_FACTS = ("arch", "vendor", "cpu_family", "cpu_model", "cpu_stepping", "cpu_implementer",
                 "cpu_part", "cpu_variant", "cpu_revision", "fma_class")


class Row:
    """One row's repetitions. Times in microseconds; lists hold one value per
    repetition that reported it."""

    def __init__(self, name):
        self.name = name
        parts = name.split("/")
        self.impl = parts[2] if len(parts) > 2 else ""
        self.cpu, self.real, self.ratio, self.judge, self.pct_peak = [], [], [], [], []
        self.errors = []  # error messages of repetitions that failed
        self.judges = set()  # what vs_onednn was paired with (bench/rows.c's label)

    @property
    def is_peer(self):
        return self.impl in PEERS

    @property
    def reps(self):
        return len(self.real)

    def times(self, field):
        return self.cpu if field == "cpu" else self.real


class Run:
    def __init__(self, path, doc):
        self.path = path
        self.context = doc.get("context", {})
        self.rows = {}
        for b in doc.get("benchmarks", []):
            if b.get("run_type") == "aggregate":
                continue
            name = b.get("run_name", b.get("name", ""))
            r = self.rows.setdefault(name, Row(name))
            if b.get("error_occurred"):
                r.errors.append(b.get("error_message", "") or "error")
                continue
            j = JUDGE.search(b.get("label", ""))
            if j:
                r.judges.add(PILOT.sub("", j.group(1)).strip())
            u = UNIT_US.get(b.get("time_unit", "ns"), 1e-3)
            if isinstance(b.get("real_time"), (int, float)):
                r.real.append(b["real_time"] * u)
            if isinstance(b.get("cpu_time"), (int, float)):
                r.cpu.append(b["cpu_time"] * u)
            for key, dest in (("vs_onednn", r.ratio), ("onednn_paired_us", r.judge),
                              ("pct_peak", r.pct_peak)):
                v = b.get(key)
                if isinstance(v, (int, float)) and math.isfinite(v) and v > 0:
                    dest.append(float(v))
        # A folder's machine.json describes the machine the files in it came
        # from, and wins over what an older file's context said.
        self.machine_file = None
        mj = os.path.join(os.path.dirname(os.path.abspath(path)), "machine.json")
        if os.path.isfile(mj):
            with open(mj) as f:
                self.machine_file = json.load(f)

    # ---- identity ----
    @property
    def machine(self):
        if self.machine_file and self.machine_file.get("slug"):
            return self.machine_file["slug"]
        return self.context.get("machine", "unknown")

    def facts(self):
        """{fact: value} of the machine; 'unknown' where not recorded."""
        out = {}
        for k in MACHINE_FACTS:
            v = None
            if self.machine_file is not None:
                v = self.machine_file.get(k)
                if v is None and k in self.machine_file.get("unknown", []):
                    v = "unknown"
            if v is None:
                v = self.context.get("machine_" + k)
            if v is not None:
                out[k] = str(v)
        return out

    @property
    def isa(self):
        return self.context.get("rnnsimd_isa", "unknown")

    @property
    def set_name(self):
        return self.context.get("sweep", "unknown")

    @property
    def set_hash(self):
        return self.context.get("set_rows_hash")

    @property
    def emulated(self):
        return str(self.context.get("emulated", "no")).startswith("yes")

    @property
    def filter(self):
        f = self.context.get("filter", "none")
        return None if f in ("none", "") else f

    def selected(self, name, reps=0):
        """Whether this run's filter would select a row of that name (Google
        Benchmark searches its full name: the name, /repeats:N, /real_time)."""
        f = self.filter
        if f is None:
            return True
        neg = f.startswith("-")
        pat = f[1:] if neg else f
        try:
            rx = re.compile(pat)
        except re.error:
            return True
        full = f"{name}/repeats:{reps}/real_time" if reps else f"{name}/real_time"
        hit = bool(rx.search(full) or rx.search(name))
        return hit != neg


def load(path):
    with open(path) as f:
        return Run(path, json.load(f))


def median(v):
    return statistics.median(v) if v else None


def identity_differences(base, fresh, what=("machine", "isa", "set", "emulated")):
    """Sentences naming how two runs' machine, table or set differ (empty if
    they may be compared)."""
    out = []
    if "machine" in what and base.machine != fresh.machine:
        fb, ff = base.facts(), fresh.facts()
        diffs = [f"{k} {fb.get(k, 'unknown')} vs {ff.get(k, 'unknown')}"
                 for k in MACHINE_FACTS if (k in fb or k in ff) and fb.get(k) != ff.get(k)]
        out.append(f"machine: the baseline is from {base.machine}, this run from {fresh.machine}"
                   + (f" ({', '.join(diffs)})" if diffs else ""))
    if "isa" in what and base.isa != fresh.isa:
        out.append(f"table: the baseline ran {base.isa}, this run {fresh.isa}")
    if "emulated" in what and base.emulated != fresh.emulated:
        out.append("emulation: one file ran under emulation (meaningless times), the other not")
    if "set" in what:
        if base.set_name != fresh.set_name:
            out.append(f"set: the baseline ran SET={base.set_name}, this run SET={fresh.set_name}")
        elif base.set_hash is None or fresh.set_hash is None:
            which = "the baseline" if base.set_hash is None else "this run"
            out.append(f"set: {which} records no set_rows_hash (written before sets were hashed):"
                       " its row list cannot be checked")
        elif base.set_hash != fresh.set_hash:
            out.append(f"set: SET={base.set_name}'s row list changed (set_rows_hash"
                       f" {base.set_hash} in the baseline, {fresh.set_hash} now)")
    return out


def pct(x, digits=1):
    return "-" if x is None else f"{100.0 * x:+.{digits}f}%"


def write_atomic(path, text):
    """Writes text through a temp file in the same folder and a rename."""
    import tempfile
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=d)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
