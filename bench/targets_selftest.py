#!/usr/bin/python3
"""targets_selftest.py — the numbers the performance report (bench/targets.py,
bench/targets_bf16.py) prints and judges, on made-up runs whose geomeans,
minimums and rates are known; no benchmark is timed, so it takes a second.
Run by `make bench-selftest`, `make test` and CI.

tests/cli_tests.sh runs targets.py on made-up files too, but most of those
rows share one value, so a mean of the wrong kind or over the wrong rows
reads the same there. Here every judged row has its own ratio and each
figure is checked against one computed here from the rows:

  batch-1 forward  the geomean and lowest vs_onednn; the byte rate of the
                   /seq_noproj loop row (not the whole row) against the
                   probe buffer that holds W_hh (a W_hh exactly a probe's
                   size reads that probe); the per-process geomeans from
                   each process's median repetition; a row below row_min
                   fails the section even with the geomean above its floor
  batched forward  a B=64 row exactly at pct_peak_min_b64 passes
  training         the B=64 geomean over the B=64 rows (B=16 rows differ)
  latency          ours/oneDNN time = 1 / vs_onednn against time_ratio_max
  avx2             a run whose oneDNN was not limited to AVX2 is MISSING
  bf16             batch-1 geomeans over H >= 512 only (H=256 rows differ);
                   batch-64 below the dot-product ratio: every LSTM/GRU/
                   LBR-GRU row (not rnn_tanh's) against the bf16 peak; a row
                   below vs_onednn_row_min fails also where the vs_f32
                   geomean passes; batch-64 MISSING with each cause named
                   (a row missing, errored, with neither vs_f32 nor a
                   float32 twin; no dot-product ratio), vs_f32 from the
                   float32 row's time without the counter; training's
                   geomeans per batch, its empty batches named.
Ends with "N passed, N failed".
"""
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gate_selftest  # noqa: E402  (its check and counts)
import ceilings  # noqa: E402
import targets  # noqa: E402
from gate_selftest import check  # noqa: E402
import targets_bf16  # noqa: E402

CELLS = ("rnn_tanh", "lstm", "gru", "lbr_gru")
GATES = {"rnn_tanh": 1, "lstm": 4, "gru": 3, "lbr_gru": 3}
HS = (256, 512, 1024)
# Read bandwidths a probe buffer, all different, so that picking the wrong
# buffer shows: W_hh of rnn_tanh H=256 is exactly 256 KiB, lstm H=256 1 MiB,
# lstm H=512 4 MiB.
BW = {"256KiB": 50.0, "1MiB": 100.0, "4MiB": 200.0, "16MiB": 400.0, "64MiB": 800.0}
BW_BYTES = {"256KiB": 256 << 10, "1MiB": 1 << 20, "4MiB": 4 << 20, "16MiB": 16 << 20,
            "64MiB": 64 << 20}


def gmean(vals):
    """The geometric mean, computed here on its own (not results.geomean)."""
    p = 1.0
    for v in vals:
        p *= v
    return p ** (1.0 / len(vals))


def report(module, *args):
    """(exit code, printed text) of module.main on args."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = module.main(["targets", *args])
    return rc, buf.getvalue()


def verdict(out, title):
    """The verdict of the section whose title line starts with title."""
    for line in out.splitlines():
        if line.startswith(title) and "): " in line:
            return line.rsplit("): ", 1)[1]
    return None


def line_with(out, *needles):
    return next((ln for ln in out.splitlines() if all(n in ln for n in needles)), "")


def row(name, us, process=None, **counters):
    b = dict(name=name, run_name=name, run_type="iteration", real_time=us, time_unit="us",
             iterations=1, **counters)
    if process is not None:
        b["process"] = process
    return b


def median_row(name, us, **counters):
    return dict(row(name, us, **counters), name=name + "_median", run_type="aggregate",
                aggregate_name="median")


def context(isa="avx512", onednn="ISA: all this CPU has", **extra):
    ctx = {"rnnsimd_isa": isa, "machine": "made-up", "onednn": onednn,
           "caches": [{"type": "Data", "level": 1, "size": 32768},
                      {"type": "Unified", "level": 2, "size": 1 << 20},
                      {"type": "Unified", "level": 3, "size": 32 << 20}]}
    ctx.update({f"read_bw_GBps_{k}": str(v) for k, v in BW.items()})
    ctx.update(extra)
    return ctx


def probe_of(nbytes):
    """(label, GB/s) of the smallest probe buffer holding nbytes."""
    return next(((k, v) for k, v in BW.items() if BW_BYTES[k] >= nbytes), ("64MiB", BW["64MiB"]))


# ---- the default run ----
# Batch-1 forward: vs_onednn 1.15 to about 2.4, each row its own; the
# many2one rows' times make 60% of the bandwidth, their /seq_noproj loop
# rows' 90% (the rate is judged on the loop alone).
def b1_ratio(c, h):
    return round(1.15 * 1.3 ** c * 1.1 ** h, 4)


def b64_train_ratio(c, h):
    return round(1.05 + 0.1 * c + 0.05 * h, 4)


PROC_FIRST = (0.9, 1.1)   # each process's first repetition, as a factor of the row's ratio
PROC_MEDIAN = (1.0, 1.2)  # each process's median repetition


def default_run(low_row=None, isa="avx512", onednn="ISA: all this CPU has"):
    """The judged grid of one made-up run; low_row = (cell, H) puts that
    batch-1 forward row at vs_onednn 1.08 (below row_min 1.1)."""
    rows = []
    for c, cell in enumerate(CELLS):
        for h, H in enumerate(HS):
            w = GATES[cell] * H * H * 4
            _, bw = probe_of(w)
            name = f"{cell}/many2one/{isa}/T:64/B:1/I:{H}/H:{H}/fwd"
            v = 1.08 if low_row == (cell, H) else b1_ratio(c, h)
            t_row = w * 64 / (0.6 * bw * 1e9) * 1e6
            rows.append(median_row(name, t_row, vs_onednn=v))
            # Two processes, three repetitions each: the first repetition
            # is not the process's median.
            for p in (0, 1):
                f0, fm = PROC_FIRST[p], PROC_MEDIAN[p]
                for f in (f0, fm, 2 * fm - f0 + 0.3):
                    rows.append(row(name, t_row, process=p, vs_onednn=v * f))
            loop = f"{cell}/many2many/{isa}/T:64/B:1/I:{H}/H:{H}/fwd/seq_noproj"
            rows.append(median_row(loop, w * 64 / (0.9 * bw * 1e9) * 1e6))
            rows.append(median_row(f"{cell}/many2one/{isa}/T:64/B:1/I:{H}/H:{H}/train", 1000,
                                   vs_onednn=2.5))
            rows.append(median_row(f"{cell}/many2one/{isa}/T:64/B:16/I:{H}/H:{H}/train", 1000,
                                   vs_onednn=0.9))
            rows.append(median_row(f"{cell}/many2one/{isa}/T:64/B:64/I:{H}/H:{H}/train", 1000,
                                   vs_onednn=b64_train_ratio(c, h)))
            for B in (16, 64):
                pct = 85.0 if (B, cell, H) == (64, "lstm", 1024) else 90.0
                rows.append(median_row(f"{cell}/many2one/{isa}/T:64/B:{B}/I:{H}/H:{H}/fwd", 1000,
                                       vs_onednn=1.2, pct_peak=pct))
        for mode, v in (("fwd", 2.0), ("train", 1.5)):
            rows.append(median_row(f"{cell}/one2one/{isa}/T:1/B:1/I:256/H:256/{mode}", 10,
                                   vs_onednn=v))
    return {"context": context(isa, onednn, processes=2), "benchmarks": rows}


def default_battery(tmp):
    path = os.path.join(tmp, "avx512.json")
    with open(path, "w") as f:
        json.dump(default_run(), f)
    avx2 = os.path.join(tmp, "avx2.json")
    with open(avx2, "w") as f:
        json.dump(default_run(isa="avx2", onednn="ISA: avx2 (dnnl_set_max_cpu_isa)"), f)
    none = os.path.join(tmp, "none.json")
    rc, out = report(targets, path, "--avx2", avx2, "--threads", none)

    # Batch-1 forward: the geomean and the lowest of the twelve ratios.
    vals = [b1_ratio(c, h) for c in range(4) for h in range(3)]
    g, lo = gmean(vals), min(vals)
    # Sanity of the data: an arithmetic mean would print differently.
    assert abs(statistics.mean(vals) - g) > 0.02
    want = f"geomean {g:.2f} (>= 1.3"
    ln = line_with(out, "geomean ", ", lowest ")
    check(want in ln and f"lowest {lo:.2f} (>= 1.1)" in ln,
          f"batch-1 forward: geomean {g:.2f} and lowest {lo:.2f} of twelve different ratios", out)
    # Per process: each process's median repetition, geomean over the rows.
    p0, p1 = g * PROC_MEDIAN[0], g * PROC_MEDIAN[1]
    check(f"per process {p0:.2f}-{p1:.2f} over 2 processes" in ln,
          f"batch-1 forward: per-process geomeans {p0:.2f}-{p1:.2f} from each process's median", ln)
    check(verdict(out, "batch-1 forward vs oneDNN") == "PASS", "batch-1 forward: PASS", out)
    # The byte rate: the loop row's 90% of the probe holding W_hh, on every row.
    check("12 of 12 rows at >= 80% of the bandwidth" in out,
          "batch-1 forward: the /seq_noproj loop rows' rate judged (90%, not the whole row's 60%)",
          line_with(out, "of the bandwidth"))
    bad = []
    for cell in CELLS:
        for H in HS:
            w = GATES[cell] * H * H * 4
            label, bw = probe_of(w)
            mib = f"{BW_BYTES[label] / 2**20:.3g} MiB"
            ln = line_with(out, f"{cell}/many2one/avx512/T:64/B:1/I:{H}/H:{H}/fwd ", "W_hh")
            if f"=  90.0% of {bw:.1f} GB/s (probe {mib}; loop alone)" not in ln:
                bad.append(ln or f"{cell} H={H}: no line")
    check(not bad, "batch-1 forward: each W_hh against the smallest probe holding it "
          "(256 KiB, 1 MiB and 4 MiB exactly at a probe's size), 90.0% of its loop row",
          "\n".join(bad))

    # Batched forward: lstm B=64 H=1024 exactly at pct_peak_min_b64 (85).
    check(verdict(out, "batch-16/64 forward vs oneDNN") == "PASS"
          and "6 of 6 B=64 LSTM/GRU/LBR-GRU rows at >= 85% of the FMA peak" in out,
          "batched forward: a row exactly at pct_peak_min_b64 passes", out)

    # Training: B=64's geomean over the B=64 rows (B=16's are 0.9).
    g64 = gmean([b64_train_ratio(c, h) for c in range(4) for h in range(3)])
    check(f"B=64: geomean {g64:.2f} (>= 1.1" in out and verdict(out, "training vs oneDNN") == "PASS",
          f"training: B=64 geomean {g64:.2f} over the B=64 rows, PASS", line_with(out, "B=64: geomean"))

    # Latency: lstm fwd vs_onednn 2.0 is a time ratio of 0.5 <= 0.6.
    check("ours/oneDNN time  0.50  (judged: <= 0.6)" in out
          and verdict(out, "one-step latency vs oneDNN") == "PASS",
          "latency: ours/oneDNN time 1/2.0 = 0.50 judged against 0.6, PASS", out)

    # AVX2: judged on its own run where oneDNN was limited to AVX2 ...
    check(verdict(out, "AVX2 table vs oneDNN limited to AVX2") == "PASS",
          "avx2: a run with oneDNN limited to AVX2 passes", out)
    # ... and MISSING where it was not (the ratios would be against AVX-512).
    with open(avx2, "w") as f:
        json.dump(default_run(isa="avx2"), f)
    rc, out = report(targets, path, "--avx2", avx2, "--threads", none)
    check(verdict(out, "AVX2 table vs oneDNN limited to AVX2") == "MISSING"
          and "oneDNN was not limited to AVX2" in out,
          "avx2: a run whose oneDNN was not limited to AVX2 is MISSING, said why", out)

    # One row below row_min fails the section though the geomean is above its floor.
    low = os.path.join(tmp, "low.json")
    with open(low, "w") as f:
        json.dump(default_run(low_row=("gru", 512)), f)
    rc, out = report(targets, low, "--avx2", avx2, "--threads", none, "--strict")
    check(rc == 1 and verdict(out, "batch-1 forward vs oneDNN") == "FAIL" and "lowest 1.08 (>= 1.1)" in out,
          "batch-1 forward: one row at 1.08 < row_min 1.1 fails (exit 1 with --strict)", out)

    # A stack of a judged shape (L:2, one direction; L:1 bi) is not that shape:
    # its rows, listed after the judged ones at vs_onednn 0.5, change nothing.
    stacked = default_run()
    for seg in ("L:2", "bi"):
        stacked["benchmarks"].append(median_row(f"gru/many2one/avx512/T:64/B:1/I:512/H:512/{seg}/fwd",
                                                1000, vs_onednn=0.5))
    sp = os.path.join(tmp, "stacked.json")
    with open(sp, "w") as f:
        json.dump(stacked, f)
    rc, out2 = report(targets, sp, "--avx2", avx2, "--threads", none, "--strict")
    rc0, out0 = report(targets, path, "--avx2", avx2, "--threads", none, "--strict")
    check(rc == rc0 and verdict(out2, "batch-1 forward vs oneDNN") == "PASS"
          and line_with(out2, "geomean ", ", lowest ") == line_with(out0, "geomean ", ", lowest "),
          "batch-1 forward: a stack's rows (L:2, bi) of a judged shape are not judged as that shape", out2)


# ---- the bf16 run ----
def bf16_run(ratio, low_b64=None):
    """Our bf16 rows (and their float32 twins' ratio as vs_f32) of the
    judged grid. Batch 1: H=256 rows far below the others (shown, not
    judged). Batch 64: pct_peak 95 on every row but rnn_tanh's (50), lstm
    H=512's (80) and gru H=256's (90, exactly the bf16 rule's minimum);
    low_b64 = (cell, H) puts that row's vs_onednn at 1.0."""
    rows = []
    for c, cell in enumerate(CELLS):
        for h, H in enumerate(HS):
            n = f"{cell}/many2one/avx512/T:64/B:1/I:{H}/H:{H}/bf16/fwd"
            vf, vo = (0.5, 0.6) if H == 256 else (1.8 + 0.1 * c + 0.05 * h, 1.4 + 0.05 * c * h)
            rows.append(median_row(n, 100, vs_onednn=vo, vs_f32=vf))
            n = f"{cell}/many2one/avx512/T:64/B:64/I:{H}/H:{H}/bf16/fwd"
            pct = (50.0 if cell == "rnn_tanh" else 80.0 if (cell, H) == ("lstm", 512)
                   else 90.0 if (cell, H) == ("gru", 256) else 95.0)
            vo = 1.0 if low_b64 == (cell, H) else 1.2
            rows.append(median_row(n, 1000, vs_onednn=vo, vs_f32=2.0, pct_peak=pct))
    ctx = context(peak_gflops_avx512="100.0", peak_gflops_bf16dot_avx512=str(100.0 * ratio),
                  bf16dot_over_fma=str(ratio))
    return {"context": ctx, "benchmarks": rows}


def bf16_battery(tmp):
    path = os.path.join(tmp, "bf16.json")
    with open(path, "w") as f:
        json.dump(bf16_run(1.0), f)
    rc, out = report(targets_bf16, path)
    judged = [(1.8 + 0.1 * c + 0.05 * h, 1.4 + 0.05 * c * h) for c in range(4) for h in (1, 2)]
    gf, go = gmean([v[0] for v in judged]), gmean([v[1] for v in judged])
    ln = line_with(out, "H >= 512: geomean vs_f32")
    check(f"geomean vs_f32 {gf:.2f} (>= 1.7, 8 rows), vs_onednn {go:.2f} (>= 1.3, 8 rows" in ln
          and verdict(out, "bf16 batch-1 forward") == "PASS",
          f"bf16 batch-1: geomeans vs_f32 {gf:.2f}, vs_onednn {go:.2f} over the 8 rows at H >= 512", ln)
    # Batch 64 with the dot product at the FMA's rate: every LSTM/GRU/LBR-GRU
    # row against 90% of the bf16 peak; lstm H=512 (80%) is below it, gru
    # H=256 exactly at it counts.
    check("1.00x the FMA peak (< 1.8): 8 of 9 LSTM/GRU/LBR-GRU rows at >= 90% of the bf16 peak" in out
          and verdict(out, "bf16 batch-64 forward") == "FAIL",
          "bf16 batch-64 below the dot-product ratio: 8 of 9 gated rows (rnn_tanh's not gated), FAIL",
          line_with(out, "the FMA peak ("))
    # With the ratio met, vs_f32's geomean passes but a row below
    # vs_onednn_row_min still fails the section.
    with open(path, "w") as f:
        json.dump(bf16_run(2.0, low_b64=("gru", 1024)), f)
    rc, out = report(targets_bf16, path, "--strict")
    check(rc == 1 and verdict(out, "bf16 batch-64 forward") == "FAIL"
          and "B=64: lowest vs_onednn 1.00 (>= 1.05 on every row)" in out
          and "geomean vs_f32 2.00 (>= 1.6, 12 rows)" in out,
          "bf16 batch-64: one row at vs_onednn 1.00 fails though the vs_f32 geomean passes", out)

    # Fail closed: a batch-64 row missing, one errored, one without vs_f32
    # whose float32 twin is not in the file, and no dot-product ratio in the
    # context: the section is MISSING, each named; with no vs_f32 counter
    # the ratio comes from the float32 row's time (marked "(file)").
    doc = bf16_run(2.0)
    drop = "gru/many2one/avx512/T:64/B:64/I:512/H:512/bf16/fwd_median"
    err = "lstm/many2one/avx512/T:64/B:64/I:1024/H:1024/bf16/fwd_median"
    nof32 = "lbr_gru/many2one/avx512/T:64/B:64/I:256/H:256/bf16/fwd_median"
    byfile = "rnn_tanh/many2one/avx512/T:64/B:64/I:256/H:256/bf16/fwd_median"
    doc["benchmarks"] = [b for b in doc["benchmarks"] if b["name"] != drop]
    for b in doc["benchmarks"]:
        if b["name"] == err:
            b.update(error_occurred=True, error_message="made-up failure")
        if b["name"] in (nof32, byfile):
            del b["vs_f32"]
    doc["benchmarks"].append(median_row(byfile.replace("/bf16/", "/")[:-len("_median")], 2500))
    del doc["context"]["bf16dot_over_fma"]
    with open(path, "w") as f:
        json.dump(doc, f)
    rc, out = report(targets_bf16, path)
    need = ["MISSING gru/many2one/T:64/B:64/I:512/H:512/bf16/fwd (row missing)",
            "MISSING lstm/many2one/T:64/B:64/I:1024/H:1024/bf16/fwd (made-up failure)",
            "MISSING lbr_gru/many2one/T:64/B:64/I:256/H:256/bf16/fwd (no vs_f32: no float32 row)",
            "MISSING the context has no bf16dot_over_fma (no probe)"]
    ln = line_with(out, "rnn_tanh/many2one/T:64/B:64/I:256/H:256/bf16/fwd")
    check(all(n in out for n in need) and verdict(out, "bf16 batch-64 forward") == "MISSING"
          and "vs_f32   2.50 (file)" in ln,
          "bf16 batch-64: a row missing, one errored, one without vs_f32 and no dot-product ratio: "
          "MISSING, each named; vs_f32 from the float32 row's time", out)
    # Training: reported with both geomeans where its rows are, the missing
    # batches named.
    doc = bf16_run(2.0)
    doc["benchmarks"] += [median_row(f"{cell}/many2one/avx512/T:64/B:1/I:{H}/H:{H}/bf16/train", 100,
                                     vs_onednn=1.5, vs_f32=1.25) for cell in CELLS for H in HS]
    with open(path, "w") as f:
        json.dump(doc, f)
    rc, out = report(targets_bf16, path)
    check("B=1: geomean vs_onednn 1.50, vs_f32 1.25 over 12 of 12 rows" in out
          and "MISSING B=16: no .../bf16/train rows" in out and "MISSING B=64: no .../bf16/train rows" in out
          and verdict(out, "bf16 training") == "MISSING",
          "bf16 training: B=1 geomeans over its 12 rows, B=16 and B=64 named as missing", out)


def level_battery():
    """The cache level a stream is read from: the smallest that holds it, a
    stream exactly a level's size included; from the probe's sizes where the
    context lists no caches."""
    caches = {"caches": [{"level": 1, "type": "Data", "size": 49152},
                         {"level": 1, "type": "Instruction", "size": 32768},
                         {"level": 2, "type": "Unified", "size": 1048576},
                         {"level": 3, "type": "Unified", "size": 33554432}]}
    got = [ceilings.level_of(caches, n) for n in (49152, 49153, 1048576, 1048577, 33554432, 33554433)]
    check(got == ["L1", "L2", "L2", "L3", "L3", "DRAM"],
          f"level_of at each cache's size and one byte over: {got}")
    probe = {"l1d_bytes": "49152", "l2_bytes": "1048576.0", "l3_bytes": "0"}
    got = [ceilings.level_of(probe, n) for n in (1048576, 1048577)]
    check(got == ["L2", "DRAM"], f"level_of from the probe's sizes (l3 0: unknown): {got}")


def main():
    level_battery()
    with tempfile.TemporaryDirectory(prefix="rnnsimd_targets.") as tmp:
        default_battery(tmp)
        bf16_battery(tmp)
    print(f"{gate_selftest.passed} passed, {gate_selftest.failed} failed")
    return 1 if gate_selftest.failed else 0


if __name__ == "__main__":
    sys.exit(main())
