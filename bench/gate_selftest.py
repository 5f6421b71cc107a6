#!/usr/bin/python3
"""gate_selftest.py — proof that the regression gate (bench/gate.py, with
bench/noise.py's calibration) passes what it should and fails closed, on
made-up runs and on the committed baselines; no benchmark is timed, so it
takes seconds. Run by `make bench-selftest`, `make test` and CI.

  gate_selftest.py [--results DIR]   (default: results/)

Made-up runs: a SET=ci-like file of 12 rows of ours, 9 repetitions each,
drawn with a fixed seed (1% log-normal scatter), as baseline, two A/A runs
for the calibration and a fresh run. Then: the fresh run passes; one row
15% slower (times up, vs_onednn down) fails naming that row; a row removed
fails (MISSING); a row errored fails (ERRORED); a baseline from another
machine, table or set, or without a calibration, is refused naming the
difference; a filtered fresh run expects only the rows its filter selects;
a new row is listed, not failed; the JUnit XML has one test case per row
and the JSON verdict says fail; a noisy machine (5% scatter) calibrates
higher thresholds and its A/A run passes. noise.py's numbers: six made-up rows
with no randomness, two runs, give the between, within, machine and spread
its formula gives, computed here; one run splits into even and odd
repetitions.
Committed baselines: every results/<machine>/<isa>-ci.json with its
.noise.json passes against itself, fails with one row slowed (by twice its
threshold), removed or errored; and the oldest committed results folder
(another machine) is refused as a baseline for a made-up run of this
machine. Ends with "N passed, N failed".
"""
import copy
import glob
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import runs  # noqa: E402

PY = sys.executable or "/usr/bin/python3"
passed = failed = 0


def check(ok, what, out=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok: {what}")
    else:
        failed += 1
        print(f"FAIL: {what}")
        for line in out.strip().splitlines()[-12:]:
            print("    " + line)


def gate(*args):
    p = subprocess.run([PY, os.path.join(HERE, "gate.py"), *args], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def noise(out, *files, extra=()):
    p = subprocess.run([PY, os.path.join(HERE, "noise.py"), out, *files, *extra],
                       capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def expect(code, needles, what, args):
    rc, out = gate(*args)
    missing = [n for n in needles if n not in out]
    check(rc == code and not missing,
          f"{what}: exit {rc} (want {code})" + (f", missing {missing}" if missing else ""), out)
    return out


MACHINE = {"machine": "x86_64-amd-f26m2s1-fma512x2", "machine_arch": "x86_64",
           "machine_vendor": "amd", "machine_cpu_family": "26", "machine_cpu_model": "2",
           "machine_cpu_stepping": "1", "machine_fma_class": "fma512x2"}
ROWS = [f"{cell}/many2one/avx512/T:64/B:{b}/I:{h}/H:{h}/{mode}"
        for cell in ("lstm", "gru", "lbr_gru") for (b, h) in ((1, 256), (16, 512))
        for mode in ("fwd", "train")]


JUDGE = "oneDNN 2.6.3 brgemm, weights {} (pilot T<=16: any 0.{}1 ms, ldigo 0.{}2 ms)"


def made_up(seed, sigma=0.01, rows=ROWS, reps=9, slow=None, ctx=None, judge=None, ratio=None):
    rng = random.Random(seed)
    ratio_of = ratio
    context = {"date": f"2026-12-0{1 + seed % 9}T12:00:00+00:00", "rnnsimd_isa": "avx512",
               "sweep": "ci", "set_rows_hash": "0123456789abcdef", "filter": "none",
               "emulated": "no", "git_commit": f"{seed:040x}", "git_dirty": "no",
               "compiler": "gcc 12.2.0", "interleaved": "yes", **MACHINE}
    context.update(ctx or {})
    benches = []
    for k, name in enumerate(rows):
        base = 100.0 * (k + 1)
        f = (slow or {}).get(name, 1.0)
        ratio = (1.1 + 0.05 * k) * (ratio_of or {}).get(name, 1.0)
        fmt = (judge or {}).get(name, "ldigo")
        label = "rnnsimd avx512; head V=256; paired with " + JUDGE.format(fmt, seed, seed)
        for r in range(reps):
            t = base * f * rng.lognormvariate(0, sigma)
            q = ratio / f * rng.lognormvariate(0, sigma)
            benches.append({"name": name, "run_name": name, "run_type": "iteration",
                            "repetitions": reps, "repetition_index": r, "iterations": 10,
                            "real_time": t, "cpu_time": t * 0.99, "time_unit": "us",
                            "vs_onednn": q, "ours_paired_us": t, "onednn_paired_us": t * q,
                            "pct_peak": 50.0 / f, "label": label})
    return {"context": context, "benchmarks": benches}


def dump(doc, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def without(doc, name):
    d = copy.deepcopy(doc)
    d["benchmarks"] = [b for b in d["benchmarks"] if b["name"] != name]
    return d


def errored(doc, name):
    d = copy.deepcopy(doc)
    for b in d["benchmarks"]:
        if b["name"] == name:
            b["error_occurred"] = True
            b["error_message"] = "made-up failure"
    d["benchmarks"] = [b for b in d["benchmarks"]
                       if not (b["name"] == name and b.get("run_type") == "aggregate")]
    return d


def slowed(doc, name, factor):
    d = copy.deepcopy(doc)
    for b in d["benchmarks"]:
        if b.get("run_name", b["name"]) == name:
            for k in ("real_time", "cpu_time", "ours_paired_us"):
                if isinstance(b.get(k), (int, float)):
                    b[k] *= factor
            for k in ("vs_onednn", "pct_peak"):
                if isinstance(b.get(k), (int, float)):
                    b[k] /= factor
    return d


def made_up_battery(tmp):
    base = dump(made_up(1), f"{tmp}/m/avx512-ci.json")
    rc, out = noise(f"{tmp}/m/avx512-ci.noise.json", dump(made_up(2), f"{tmp}/aa/a.json"),
                    dump(made_up(3), f"{tmp}/aa/b.json"))
    check(rc == 0 and "12 rows from 2 run(s)" in out, "noise.py calibrates 12 rows from 2 A/A runs", out)
    fresh = dump(made_up(4), f"{tmp}/fresh.json")
    out = expect(0, ["gate: PASS", "12 rows of ours judged"], "A/A run against the baseline", [base, fresh])
    # Times are read in the file's own unit (runs.py): a baseline written in
    # milliseconds and in seconds is the same baseline.
    for unit, scale in (("ms", 1e-3), ("s", 1e-6)):
        scaled = made_up(1)
        for b in scaled["benchmarks"]:
            b.update(real_time=b["real_time"] * scale, cpu_time=b["cpu_time"] * scale, time_unit=unit)
        expect(0, ["gate: PASS", "12 rows of ours judged"], f"a baseline written in {unit}",
               [dump(scaled, f"{tmp}/{unit}/avx512-ci.json"), fresh, "--noise", f"{tmp}/m/avx512-ci.noise.json"])
    row = ROWS[3]
    slow = dump(made_up(4, slow={row: 1.15}), f"{tmp}/slow.json")
    expect(1, ["gate: FAIL: 1 regressed", f"{row}", "REGRESSED: time +1", "vs_onednn -1"],
           "one row 15% slower", [base, slow, "--junit", f"{tmp}/slow.xml", "--json", f"{tmp}/slow.v.json"])
    try:
        suite = ET.parse(f"{tmp}/slow.xml").getroot().find("testsuite")
        cases = suite.findall("testcase")
        bad = [c.get("name") for c in cases if c.find("failure") is not None]
        check(len(cases) == 12 and bad == [row] and suite.get("failures") == "1",
              f"JUnit: {len(cases)} test cases, failures {bad}")
    except (ET.ParseError, AttributeError, OSError) as e:
        check(False, f"JUnit XML parses ({e})")
    try:
        with open(f"{tmp}/slow.v.json") as f:
            v = json.load(f)
        st = {r["name"]: r["status"] for r in v["rows"]}
        check(v["verdict"] == "fail" and st[row] == "REGRESSED" and
              sum(s == "ok" for s in st.values()) == 11, f"JSON verdict {v['verdict']}, {row} {st[row]}")
    except (OSError, ValueError, KeyError) as e:
        check(False, f"JSON verdict readable ({e})")
    expect(1, ["gate: FAIL: 0 regressed, 1 missing", f"{ROWS[5]}", "MISSING"], "one row removed",
           [base, dump(without(made_up(4), ROWS[5]), f"{tmp}/missing.json")])
    expect(1, ["gate: FAIL: 0 regressed, 0 missing, 1 errored", "ERRORED", "made-up failure"],
           "one row errored", [base, dump(errored(made_up(4), ROWS[7]), f"{tmp}/errored.json")])
    # Fail closed: a row whose fresh run lost its paired ratio errored.
    lost = made_up(4)
    for b in lost["benchmarks"]:
        if b["name"] == ROWS[8]:
            del b["vs_onednn"]
    expect(1, ["gate: FAIL: 0 regressed, 0 missing, 1 errored",
               f"{ROWS[8]}", "the fresh run lost its vs_onednn counter"],
           "one row without its vs_onednn", [base, dump(lost, f"{tmp}/lost.json")])
    # Listed, not failed: a row with too few repetitions to rank, a row the
    # calibration lacks, a baseline row that errored; a peer row is present,
    # not judged.
    few = made_up(4)
    few["benchmarks"] = [b for b in few["benchmarks"]
                         if not (b["name"] == ROWS[9] and b["repetition_index"] >= 3)]
    out = expect(0, ["gate: PASS", "1 unresolved", f"unresolved: {ROWS[9]}: 9 vs 3 repetitions: a rank"
                     " test needs 5+ a side"], "a row of 3 repetitions", [base, dump(few, f"{tmp}/few.json")])
    # The table's reps column: the baseline's, then the fresh run's.
    lines = [ln.split() for ln in out.splitlines() if ln.startswith(ROWS[9] + " ")]
    check(len(lines) == 1 and lines[0][1] == "9/3" and all(
        ln.split()[1] == "9/9" for ln in out.splitlines() if ln.startswith(ROWS[8] + " ")),
        "the table's reps column: 9/3 for the row of 3 repetitions, 9/9 beside it", out)
    with open(f"{tmp}/m/avx512-ci.noise.json") as f:
        cal = json.load(f)
    del cal["rows"][ROWS[10]]
    expect(0, ["gate: PASS", "11 rows of ours judged", "1 unresolved",
               f"unresolved: {ROWS[10]}: no noise calibration for this row"],
           "a row the calibration lacks",
           [base, fresh, "--noise", dump(cal, f"{tmp}/part/avx512-ci.noise.json")])
    expect(0, ["gate: PASS", "1 unresolved", f"unresolved: {ROWS[11]}: the baseline's row errored:"
               " refresh it"], "a baseline row that errored",
           [dump(errored(made_up(1), ROWS[11]), f"{tmp}/be/avx512-ci.json"), fresh,
            "--noise", f"{tmp}/m/avx512-ci.noise.json"])
    peer = "lstm/many2one/onednn/T:64/B:1/I:256/H:256/fwd"
    pb, pf = made_up(1, rows=ROWS + [peer]), made_up(4, rows=ROWS + [peer])
    expect(0, ["gate: PASS", "12 rows of ours judged"], "a peer row in both runs",
           [dump(pb, f"{tmp}/peer/avx512-ci.json"), dump(pf, f"{tmp}/peer.json"),
            "--noise", f"{tmp}/m/avx512-ci.noise.json", "--json", f"{tmp}/peer.v.json"])
    try:
        with open(f"{tmp}/peer.v.json") as f:
            st = {r["name"]: (r["status"], r["message"]) for r in json.load(f)["rows"]}
        check(st.get(peer) == ("ok", "peer row: present, not judged"), f"the peer row: {st.get(peer)}")
    except (OSError, ValueError, KeyError) as e:
        check(False, f"JSON verdict of the peer run readable ({e})")
    # Context that differs is said, not refused; so is a dirty tree.
    expect(0, ["gate: PASS", "context differences (not refused): compiler 'gcc 12.2.0' -> 'gcc 13.1.0'",
               "note: the fresh run was built from uncommitted changes"], "another compiler, a dirty tree",
           [base, dump(made_up(4, ctx={"compiler": "gcc 13.1.0", "git_dirty": "yes"}), f"{tmp}/ctx.json")])
    expect(2, [f"gate.py: {tmp}/none.json: no such file"], "a fresh run that is not there",
           [base, f"{tmp}/none.json"])
    foreign = {"machine": "x86_64-amd-f25m17s1-fma512x1", "machine_cpu_family": "25",
               "machine_cpu_model": "17", "machine_fma_class": "fma512x1"}
    expect(2, ["REFUSED", "machine: the baseline is from x86_64-amd-f25m17s1-fma512x1",
               "cpu_family 25 vs 26", "fma_class fma512x1 vs fma512x2"],
           "a baseline from another machine", [dump(made_up(1, ctx=foreign), f"{tmp}/f/avx512-ci.json"),
                                               fresh, "--noise", f"{tmp}/m/avx512-ci.noise.json"])
    expect(2, ["REFUSED", "table: the baseline ran avx512, this run avx2"], "another table",
           [base, dump(made_up(4, ctx={"rnnsimd_isa": "avx2"}), f"{tmp}/isa.json")])
    expect(2, ["REFUSED", "set: SET=ci's row list changed"], "another row list",
           [base, dump(made_up(4, ctx={"set_rows_hash": "fedcba9876543210"}), f"{tmp}/hash.json")])
    expect(2, ["REFUSED", "set: the baseline ran SET=ci, this run SET=default"], "another set",
           [base, dump(made_up(4, ctx={"sweep": "default"}), f"{tmp}/set.json")])
    expect(2, ["REFUSED", "calibration: no noise file", "make bench-noise"], "no calibration",
           [base, fresh, "--noise", f"{tmp}/none.noise.json"])
    expect(2, ["REFUSED", "emulat"], "an emulated run",
           [base, dump(made_up(4, ctx={"emulated": "yes: times are emulated"}), f"{tmp}/emu.json")])
    filt = made_up(4, rows=[ROWS[0]], ctx={"filter": "^lstm/many2one/avx512/T:64/B:1/I:256/H:256/fwd/"})
    expect(0, ["gate: PASS", "1 rows of ours judged"], "a filtered run expects only its rows",
           [base, dump(filt, f"{tmp}/filtered.json")])
    extra = made_up(4, rows=ROWS + ["rnn_tanh/one2one/avx512/T:1/B:1/I:256/H:256/fwd"])
    expect(0, ["gate: PASS", "new row (not judged): rnn_tanh/one2one"], "a new row is listed",
           [base, dump(extra, f"{tmp}/new.json")])
    expect(0, ["gate: PASS", "faster"], "a faster row passes, said so",
           [base, dump(made_up(4, slow={ROWS[2]: 0.8}), f"{tmp}/faster.json")])
    # oneDNN picks its weight format per process: a ratio against another
    # pick is not judged (said so), the time still is.
    expect(0, ["gate: PASS", "0 unresolved, 1 vs_onednn unjudged (the judge changed)",
               f"ratio unjudged: {ROWS[1]}: vs_onednn not judged: the judge changed (oneDNN 2.6.3 brgemm, weights ldigo"
               " in the baseline, oneDNN 2.6.3 brgemm, weights any now)"], "the judge changed its format",
           [base, dump(made_up(4, judge={ROWS[1]: "any"}, ratio={ROWS[1]: 0.7}), f"{tmp}/judge.json")])
    # A noisy machine raises its own bar: 5% scatter calibrates higher
    # thresholds, and its A/A run passes against its own baseline.
    nb = dump(made_up(11, sigma=0.05), f"{tmp}/n/avx512-ci.json")
    noise(f"{tmp}/n/avx512-ci.noise.json", dump(made_up(12, sigma=0.05), f"{tmp}/n/a.json"),
          dump(made_up(13, sigma=0.05), f"{tmp}/n/b.json"))
    with open(f"{tmp}/m/avx512-ci.noise.json") as f:
        quiet = json.load(f)
    with open(f"{tmp}/n/avx512-ci.noise.json") as f:
        loud = json.load(f)
    qs = sorted(e["cpu"]["spread"] for e in quiet["rows"].values())
    ls = sorted(e["cpu"]["spread"] for e in loud["rows"].values())
    check(ls[len(ls) // 2] > 3 * qs[len(qs) // 2],
          f"noisy calibration: median spread {ls[len(ls) // 2]:.1%} vs quiet {qs[len(qs) // 2]:.1%}")
    expect(0, ["gate: PASS", "not resolved on this machine"], "noisy A/A passes, unresolved rows listed",
           [nb, dump(made_up(14, sigma=0.05), f"{tmp}/n/fresh.json")])
    # One run's repetitions split in halves also calibrate.
    rc, out = noise(f"{tmp}/split.noise.json", base)
    check(rc == 0 and "from 1 run(s)" in out, "noise.py from one run (split repetitions)", out)
    rc, out = noise(f"{tmp}/bad.noise.json", base, f"{tmp}/isa.json")
    check(rc != 0 and "the runs differ" in out, "noise.py refuses runs of two tables", out)
    rc, out = noise(f"{tmp}/emu.noise.json", f"{tmp}/emu.json")
    check(rc != 0 and "emulated runs: their times mean nothing" in out
          and not os.path.exists(f"{tmp}/emu.noise.json"), "noise.py refuses an emulated run", out)
    rc, out = noise(f"{tmp}/few.noise.json", dump(made_up(5, reps=1), f"{tmp}/one-rep.json"))
    check(rc == 1 and "nothing to calibrate" in out and not os.path.exists(f"{tmp}/few.noise.json"),
          "noise.py refuses a run of one repetition a row", out)


def ln_mad(xs):
    m = statistics.median(xs)
    return statistics.median(abs(x - m) for x in xs)


def known_run(seed, shifts, ratios):
    """A run of the first six ROWS, five repetitions each, with no randomness:
    row k's times 100 (k + 1) x shifts[k] x a fixed scatter of about 1%,
    its vs_onednn the list ratios (one value a repetition)."""
    scatter = (1.00, 1.02, 0.99, 1.01, 0.98)
    doc = made_up(seed, rows=ROWS[:6], reps=5)
    for b in doc["benchmarks"]:
        k, r = ROWS.index(b["name"]), b["repetition_index"]
        t = 100.0 * (k + 1) * shifts[k] * scatter[r]
        b.update(real_time=t * 1.01, cpu_time=t, vs_onednn=ratios[r])
    return doc


def noise_battery(tmp):
    """noise.py's numbers against the formula of its docstring, computed
    here: per row and metric, between (largest difference of the runs'
    median ln values), within (sqrt(2) x 1.2533 x 1.4826 x MAD / sqrt(n),
    the root mean square over runs), machine (1.4826 x the median over rows
    of between), spread the largest of the three; one run splits into its
    even and odd repetitions."""
    shifts_a = (1.0,) * 6
    shifts_b = (1.00, 1.01, 1.03, 1.06, 1.10, 1.002)
    ratios = (1.20, 1.22, 1.19, 1.21, 1.18)
    a = dump(known_run(21, shifts_a, ratios), f"{tmp}/k/a.json")
    b = dump(known_run(22, shifts_b, ratios), f"{tmp}/k/b.json")
    rc, out = noise(f"{tmp}/k/k.noise.json", a, b)
    with open(f"{tmp}/k/k.noise.json") as f:
        doc = json.load(f)
    runs_cpu = [[[100.0 * (k + 1) * s[k] * c for c in (1.00, 1.02, 0.99, 1.01, 0.98)]
                 for s in (shifts_a, shifts_b)] for k in range(6)]
    want, betweens = {}, []
    for k, per_run in enumerate(runs_cpu):
        logs = [[math.log(v) for v in r] for r in per_run]
        meds = [statistics.median(x) for x in logs]
        between = abs(meds[0] - meds[1])
        within = math.sqrt(statistics.mean(
            (math.sqrt(2) * 1.2533 * 1.4826 * ln_mad(x) / math.sqrt(len(x))) ** 2 for x in logs))
        want[ROWS[k]] = [between, within]
        betweens.append(between)
    machine = 1.4826 * statistics.median(betweens)
    bad = []
    for name, (between, within) in want.items():
        got = doc["rows"].get(name, {}).get("cpu", {})
        for key, v in (("between", between), ("within", within), ("machine", machine),
                       ("spread", max(between, within, machine))):
            if abs(got.get(key, -1) - math.expm1(v)) > 2e-5:
                bad.append(f"{name} cpu {key}: {got.get(key)}, want {math.expm1(v):.5f}")
    # The data's point: row 5 moved less than the machine did, so its
    # spread is the machine's; the largest row's between is not the median.
    assert want[ROWS[5]][0] < machine and want[ROWS[5]][1] < machine
    assert abs(1.4826 * max(betweens) - machine) > 0.01
    check(rc == 0 and not bad and abs(doc["machine_spread"]["cpu"] - math.expm1(machine)) < 2e-5,
          f"noise.py: between, within, machine ({math.expm1(machine):.2%}) and spread of 6 rows "
          "as its formula says", "\n".join(bad) + "\n" + out)
    # One run: even repetitions (1.20, 1.19, 1.18) against odd (1.22, 1.21).
    rc, out = noise(f"{tmp}/k/one.noise.json", a)
    with open(f"{tmp}/k/one.noise.json") as f:
        doc = json.load(f)
    got = doc["rows"][ROWS[0]]["vs_onednn"]["between"]
    wantb = math.expm1(abs(math.log(statistics.median((1.22, 1.21))) - math.log(1.19)))
    check(rc == 0 and abs(got - wantb) < 2e-5,
          f"noise.py one run: vs_onednn between the even and odd repetitions {got} (want {wantb:.5f})",
          out)


def committed_battery(tmp, results):
    ci = sorted(glob.glob(os.path.join(results, "*", "*-ci.json")))
    for base in ci:
        nz = base[:-5] + ".noise.json"
        label = os.path.relpath(base)
        if not os.path.isfile(nz):
            check(False, f"{label}: committed without its calibration {os.path.relpath(nz)}")
            continue
        with open(base) as f:
            doc = json.load(f)
        expect(0, ["gate: PASS"], f"{label} against itself", [base, base])
        run = runs.load(base)
        with open(nz) as f:
            cal = json.load(f)
        judged = [n for n, r in run.rows.items() if not r.is_peer and n in cal["rows"]
                  and r.reps >= 5 and "cpu" in cal["rows"][n]]
        if not judged:
            check(False, f"{label}: no row the gate can judge")
            continue
        row = judged[0]
        th = max(cal.get("floor", 0.05), cal.get("multiple", 4.0) * cal["rows"][row]["cpu"]["spread"])
        d = os.path.join(tmp, "c", os.path.basename(os.path.dirname(base)))
        expect(1, ["REGRESSED", row], f"{label} with {row} {2 * th:.0%} slower",
               [base, dump(slowed(doc, row, 1 + 2 * th), f"{d}/slow.json"), "--noise", nz])
        expect(1, ["MISSING", row], f"{label} with {row} removed",
               [base, dump(without(doc, row), f"{d}/missing.json"), "--noise", nz])
        expect(1, ["ERRORED", row], f"{label} with {row} errored",
               [base, dump(errored(doc, row), f"{d}/errored.json"), "--noise", nz])
    # The committed results of another machine (older folders: every JSON
    # with a machine.json) are refused as a baseline for this one.
    for mj in sorted(glob.glob(os.path.join(results, "*", "machine.json"))):
        folder = os.path.dirname(mj)
        with open(mj) as f:
            slug = json.load(f).get("slug")
        if slug == MACHINE["machine"]:
            continue
        files = sorted(f for f in glob.glob(os.path.join(folder, "*.json"))
                       if not f.endswith((".noise.json", "machine.json")))
        if not files:
            continue
        fresh = made_up(4)
        other = runs.load(files[0])
        fresh["context"]["rnnsimd_isa"] = other.isa
        fresh["context"]["sweep"] = other.set_name
        fpath = dump(fresh, f"{tmp}/fresh-for-{slug}.json")
        expect(2, ["REFUSED", f"machine: the baseline is from {slug}"],
               f"{os.path.relpath(files[0])} refused as a baseline here",
               [files[0], fpath, "--noise", f"{tmp}/m/avx512-ci.noise.json"])


def main(argv):
    results = "results"
    if len(argv) == 3 and argv[1] == "--results":
        results = argv[2]
    elif len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="rnnsimd_gate.") as tmp:
        made_up_battery(tmp)
        noise_battery(tmp)
        committed_battery(tmp, results)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
