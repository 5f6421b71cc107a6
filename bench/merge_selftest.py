#!/usr/bin/python3
"""merge_selftest.py — proof that bench/merge.py and `make bench PROCESSES=N`
(bench/run.sh) do what their headers say, on made-up runs; nothing is
timed. Run by `make bench-selftest`, `make test` and CI.

merge.py on three made-up processes of 12 rows (one 10% slower in the third
process, one missing from the second, one errored in the first, one written
in ms where the others are in us; none writes aggregates): each row's median
aggregate, named ROW_median, holds, field
by field, the median over the processes that ran it without an error, with
their count and vs_onednn's range; every repetition is kept, tagged with its
process; context numbers that differ become their median, equal ones stay
as written; a row errored in every process keeps its error; bench/results.py
medians() and bench/targets.py read the merged figures and say how many
processes they are over. Refused, exit 2 naming why: another machine,
another commit, one file only, a file that is not benchmark JSON (or whose
entries have no names); an output that cannot be written is exit 1, not a
traceback. run.sh with a stand-in benchmark binary (it writes made-up runs):
one process writes its run as it was; PROCESSES=3 runs it three times,
reports each process and writes the merged file, leaving no temporary
files; an OUT path with a space works; PROCESSES=0 and PROCESSES=x are
refused before anything runs. Ends with "N passed, N failed".
"""
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gate_selftest  # noqa: E402  (its made-up runs, and its check and counts)
from gate_selftest import PY, ROWS, check, dump, made_up  # noqa: E402
from results import medians  # noqa: E402


def merge(*args):
    p = subprocess.run([PY, os.path.join(HERE, "merge.py"), *args], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def process(seed, probe):
    """One made-up process: made_up's rows, the same commit in every one,
    a read-bandwidth probe that differs and a cache size that does not."""
    d = made_up(seed, ctx={"git_commit": "ab" * 20, "read_bw_GBps_256KiB": probe,
                           "l2_bytes": "1048576", "peak_gflops_avx512": 200.0 + seed})
    return d


def rows_by_name(doc):
    return {b["run_name"]: b for b in doc["benchmarks"] if b.get("aggregate_name") == "median"}


def own_median(doc, name, key):
    return statistics.median(b[key] for b in doc["benchmarks"]
                             if b["run_name"] == name and b.get("run_type") == "iteration")


def merge_battery(tmp):
    slow, gone, bad, ms = ROWS[0], ROWS[1], ROWS[2], ROWS[3]
    docs = [process(1, "150.5"), process(2, "170.5"), process(3, "160.5")]
    for b in docs[2]["benchmarks"]:
        if b["run_name"] == slow:
            b["real_time"] *= 1.1
            b["vs_onednn"] /= 1.1
    docs[1]["benchmarks"] = [b for b in docs[1]["benchmarks"] if b["run_name"] != gone]
    for b in docs[0]["benchmarks"]:
        if b["run_name"] == bad:
            b["error_occurred"], b["error_message"] = True, "made-up failure"
    for b in docs[1]["benchmarks"]:
        if b["run_name"] == ms:
            b["real_time"] /= 1000.0
            b["time_unit"] = "ms"
    paths = [dump(d, f"{tmp}/p{k}.json") for k, d in enumerate(docs)]
    out = f"{tmp}/merged.json"
    rc, text = merge(out, *paths)
    check(rc == 0 and "12 rows from 3 processes" in text, "three processes merge: 12 rows", text)
    try:
        with open(out) as f:
            m = json.load(f)
    except (OSError, ValueError) as e:
        check(False, f"the merged file reads back ({e})")
        return
    med = rows_by_name(m)
    ok = True
    for name in ROWS:
        have = [d for d in docs if any(b["run_name"] == name for b in d["benchmarks"])]
        if name == bad:
            have = have[1:]
        want = statistics.median(own_median(d, name, "vs_onednn") for d in have)
        ok &= abs(med[name]["vs_onednn"] - want) < 1e-12 and med[name]["processes"] == len(have)
    check(ok, "each row's vs_onednn is the median of its processes' medians, with their count")
    want_t = statistics.median(own_median(d, slow, "real_time") for d in docs)
    check(abs(med[slow]["real_time"] - want_t) < 1e-9 and
          med[slow]["vs_onednn_min"] < med[slow]["vs_onednn_max"] / 1.05,
          f"the row slower in one process: median time {med[slow]['real_time']:.2f}, "
          f"vs_onednn range {med[slow]['vs_onednn_min']:.3f}-{med[slow]['vs_onednn_max']:.3f}")
    check(med[gone]["processes"] == 2 and med[bad]["processes"] == 2,
          "a row missing from one process and one errored in another are over 2 processes")
    t_us = [own_median(docs[0], ms, "real_time"), own_median(docs[1], ms, "real_time") * 1000.0,
            own_median(docs[2], ms, "real_time")]
    check(abs(med[ms]["real_time"] - statistics.median(t_us)) < 1e-6 and
          med[ms]["time_unit"] == "us",
          "a process timed in ms merges in the first process's unit (us)")
    aggs = [b for b in m["benchmarks"] if b.get("run_type") == "aggregate"]
    check(len(aggs) == len(ROWS) and
          all(b["name"] == b["run_name"] + "_median" and b["aggregate_name"] == "median" and
              "repetition_index" not in b and "process" not in b for b in aggs),
          "each merged median is named as Google Benchmark names one (ROW_median), even from "
          "processes that wrote no aggregates", json.dumps(aggs[:1]))
    its = [b for b in m["benchmarks"] if b.get("run_type") == "iteration"]
    total = sum(1 for d in docs for b in d["benchmarks"] if b.get("run_type") == "iteration")
    check(len(its) == total and sorted({b["process"] for b in its}) == [0, 1, 2],
          f"every repetition is kept and tagged with its process ({len(its)} of {total})")
    c = m["context"]
    check(c.get("read_bw_GBps_256KiB") == "160.5" and c.get("l2_bytes") == "1048576" and
          c.get("peak_gflops_avx512") == 202.0 and c.get("processes") == 3 and
          c.get("merged_from") == "p0.json, p1.json, p2.json",
          "context: differing probes become their median, equal ones stay as written", json.dumps(c))
    got = {n: b for n, b, _ in medians(m)}
    check(abs(got[slow]["vs_onednn"] - med[slow]["vs_onednn"]) < 1e-12,
          "results.py medians() reads the merged median")
    p = subprocess.run([PY, os.path.join(HERE, "targets.py"), out], capture_output=True, text=True)
    check("medians over 3 processes," in p.stdout and "(1.00-1.10 over 3 processes)" in p.stdout,
          "targets.py says its figures are medians over 3 processes, each row with its range",
          p.stdout + p.stderr)

    # A row errored in every process keeps its error (the reports then say so).
    alls = [copy.deepcopy(d) for d in docs]
    for d in alls:
        for b in d["benchmarks"]:
            if b["run_name"] == slow:
                b["error_occurred"], b["error_message"] = True, "made-up failure"
    rc, text = merge(f"{tmp}/err.json", *[dump(d, f"{tmp}/e{k}.json") for k, d in enumerate(alls)])
    with open(f"{tmp}/err.json") as f:
        e = json.load(f)
    check(rc == 0 and slow not in rows_by_name(e) and
          any(b["run_name"] == slow and b.get("error_occurred") for b in e["benchmarks"]),
          "a row errored in every process keeps its error and gets no median", text)

    other = process(4, "150.5")
    other["context"]["machine"] = "x86_64-intel-f6m207s2-fma512x2"
    rc, text = merge(f"{tmp}/x.json", paths[0], dump(other, f"{tmp}/other.json"))
    check(rc == 2 and "'machine'" in text and not os.path.exists(f"{tmp}/x.json"),
          "another machine's run is refused, naming the key", text)
    later = process(5, "150.5")
    later["context"]["git_commit"] = "cd" * 20
    rc, text = merge(f"{tmp}/x.json", paths[0], dump(later, f"{tmp}/later.json"))
    check(rc == 2 and "'git_commit'" in text, "another commit's run is refused", text)
    rc, text = merge(f"{tmp}/one.json", paths[0])
    check(rc == 2 and not os.path.exists(f"{tmp}/one.json"), "one file alone is refused", text)
    with open(f"{tmp}/junk.json", "w") as f:
        f.write("not json")
    rc, text = merge(f"{tmp}/x.json", paths[0], f"{tmp}/junk.json")
    check(rc == 2 and "junk.json" in text, "a file that is not JSON is refused, named", text)
    dump({"benchmarks": [{"real_time": 1.0}]}, f"{tmp}/nameless.json")
    rc, text = merge(f"{tmp}/x.json", paths[0], f"{tmp}/nameless.json")
    check(rc == 2 and "nameless.json" in text, "JSON whose entries have no names is refused", text)
    rc, text = merge(f"{tmp}/no/such/dir/x.json", paths[0], paths[1])
    check(rc == 1 and "cannot write" in text and "Traceback" not in text,
          "an output that cannot be written is an error, not a traceback", text)


STAND_IN = r'''#!/usr/bin/python3
import json, os, sys
sys.path.insert(0, %(here)r)
from gate_selftest import made_up
args = sys.argv[1:]
if "--print-machine" in args:
    print("x86_64-amd-f26m2s1-fma512x2"); sys.exit(0)
if "--print-isa" in args:
    print("avx512"); sys.exit(0)
count = os.path.join(os.path.dirname(os.path.abspath(__file__)), "count")
n = int(open(count).read()) + 1 if os.path.exists(count) else 1
open(count, "w").write(str(n))
out = next(a.split("=", 1)[1] for a in args if a.startswith("--benchmark_out="))
d = made_up(n, ctx={"git_commit": "unknown", "read_bw_GBps_256KiB": str(150 + n)})
json.dump(d, open(out, "w"))
'''


def run_sh_battery(tmp):
    build = f"{tmp}/build"
    os.makedirs(build)
    bench = f"{build}/rnnsimd-bench"  # writes made-up runs: run.sh's plumbing is tested
    with open(bench, "w") as f:
        f.write(STAND_IN % {"here": HERE})
    os.chmod(bench, 0o755)
    work = f"{tmp}/work"  # not a git checkout: the run's commit is "unknown"
    os.makedirs(work)

    def run_sh(**env):
        e = dict(os.environ, BUILD=build, SET="ci", **{"OUT": f"{work}/out.json", **env})
        for k in ("CPU", "FILTER", "DTYPE", "TUNE", "RUN", "PROCESSES"):
            if k not in env:
                e.pop(k, None)
        p = subprocess.run(["sh", os.path.join(HERE, "run.sh")], capture_output=True, text=True,
                           cwd=work, env=e)
        return p.returncode, p.stdout + p.stderr

    rc, text = run_sh(PROCESSES="1")
    check(rc == 0 and os.path.exists(f"{work}/out.json") and
          "processes" not in json.load(open(f"{work}/out.json"))["context"],
          "run.sh with one process writes its run as it was", text)
    os.unlink(f"{build}/count")
    rc, text = run_sh(PROCESSES="3")
    try:
        with open(f"{work}/out.json") as f:
            c = json.load(f)["context"]
    except (OSError, ValueError):
        c = {}
    with open(f"{build}/count") as f:
        runs = f.read()
    check(rc == 0 and runs == "3" and "process 3 of 3" in text and c.get("processes") == 3 and
          c.get("read_bw_GBps_256KiB") == "152" and
          c.get("merged_from") == "process1.json, process2.json, process3.json",
          "run.sh PROCESSES=3 runs three processes and writes their merge", text)
    leftovers = [n for n in os.listdir(work) if ".raw." in n or ".parts." in n]
    check(not leftovers, f"no temporary files left beside the result ({leftovers})")
    os.unlink(f"{build}/count")
    rc, text = run_sh(PROCESSES="2", OUT=f"{work}/a dir/out.json")
    try:
        with open(f"{work}/a dir/out.json") as f:
            n = json.load(f)["context"].get("processes")
    except (OSError, ValueError):
        n = None
    check(rc == 0 and n == 2, "an OUT path with a space merges too", text)
    with open(f"{build}/count", "w") as f:
        f.write("3")
    for bad in ("0", "x"):
        rc, text = run_sh(PROCESSES=bad)
        with open(f"{build}/count") as f:
            runs = f.read()
        check(rc == 2 and f"PROCESSES={bad}" in text and runs == "3",
              f"PROCESSES={bad} is refused before anything runs", text)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(f"{tmp}/m")
        merge_battery(f"{tmp}/m")
        run_sh_battery(tmp)
    print(f"{gate_selftest.passed} passed, {gate_selftest.failed} failed")
    return 1 if gate_selftest.failed else 0


if __name__ == "__main__":
    sys.exit(main())
