#!/usr/bin/python3
"""gate.py — the regression gate: a fresh benchmark run against a baseline,
row by row, with thresholds calibrated on this machine (bench/noise.py).
It fails closed.

  gate.py BASELINE.json FRESH.json [--noise FILE] [--field cpu|real]
          [--alpha 0.05] [--min-reps 5] [--resolve 0.10]
          [--table OUT.txt] [--json OUT.json] [--junit OUT.xml]

Refused (exit 2, nothing compared), with a sentence naming the difference:
a baseline from another machine (results/<machine>/ names, bench/identity.h),
table (ISA), set or set row list (set_rows_hash), an emulated file, or no
noise calibration for the baseline (--noise, default <BASELINE>.noise.json
with .json replaced) or one from another machine, table or set.
Failed (exit 1): a baseline row the fresh run should have had (its filter
selects it) but has not (MISSING), a row whose fresh repetitions errored
(ERRORED), or a row of ours that REGRESSED:
  time       its median (cpu_time by default: single-threaded rows, and CPU
             time does not count waiting for a shared core) grew by more than
             the row's threshold, and a one-sided Mann-Whitney U test of the
             repetitions says slower with p < ALPHA;
  vs_onednn  the paired ratio (oneDNN timed right after each repetition,
             bench/rows.h) fell by more than its threshold, same test: a
             slowdown of ours alone moves it; a slower machine moves both.
A row's threshold is max(floor, multiple x spread) of the calibration (4 and
5% unless it says otherwise). Rows with fewer than MIN_REPS repetitions on
either side, or no calibration, are UNRESOLVED: listed, not failed. Rows
whose threshold exceeds RESOLVE are listed as what this machine cannot
resolve (a slowdown below their threshold passes unseen). New rows (not in
the baseline) are listed. The median change of oneDNN's paired times is
printed as the machine's drift. Outputs: the table on stdout (and --table),
a JSON verdict (--json) and JUnit XML, one test case per row (--junit).
Exit 0 if everything judged passed.
"""
import argparse
import json
import os
import statistics
import sys
from xml.sax.saxutils import escape, quoteattr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runs  # noqa: E402

CONTEXT_NOTES = ("git_commit", "git_dirty", "compiler", "cflags", "kernel",
                 "transparent_hugepages", "cpu_governor", "interleaved")


def utest_greater(x, y):
    """One-sided Mann-Whitney U p-value that x tends to be larger than y."""
    try:
        from scipy.stats import mannwhitneyu
    except ImportError:
        raise SystemExit("gate.py: scipy is missing (Debian: python3-scipy; run with /usr/bin/python3)")
    return float(mannwhitneyu(x, y, alternative="greater").pvalue)


def default_noise_path(baseline):
    root = baseline[:-5] if baseline.endswith(".json") else baseline
    return root + ".noise.json"


class Verdict:
    def __init__(self):
        self.rows = []         # dicts, in table order
        self.refusals = []
        self.notes = []


def judge_metric(base_vals, fresh_vals, cal, worse_if_larger, alpha, multiple, floor):
    """{change, threshold, p, bad, better} for one metric of one row."""
    mb, mf = statistics.median(base_vals), statistics.median(fresh_vals)
    change = mf / mb - 1.0
    threshold = max(floor, multiple * cal["spread"])
    if worse_if_larger:
        worse, p = change > threshold, utest_greater(fresh_vals, base_vals)
        better = change < -threshold and utest_greater(base_vals, fresh_vals) < alpha
    else:  # a ratio of peer time over ours: smaller is worse
        worse, p = change < -threshold, utest_greater(base_vals, fresh_vals)
        better = change > threshold and utest_greater(fresh_vals, base_vals) < alpha
    return {"change": change, "threshold": threshold, "p": p, "bad": bool(worse and p < alpha),
            "better": bool(better), "base": mb, "fresh": mf}


def compare(base, fresh, noise, a):
    v = Verdict()
    multiple = a.multiple if a.multiple is not None else noise.get("multiple", 4.0)
    floor = a.floor if a.floor is not None else noise.get("floor", 0.05)
    v.multiple, v.floor = multiple, floor
    cal_rows = noise.get("rows", {})
    field = a.field
    for name, br in base.rows.items():
        if not fresh.selected(name, br.reps):
            continue
        e = {"name": name, "status": "ok", "reps": [br.reps, 0], "message": ""}
        v.rows.append(e)
        fr = fresh.rows.get(name)
        if fr is None or (fr.reps == 0 and not fr.errors):
            e["status"], e["message"] = "MISSING", "in the baseline, not in the fresh run"
            continue
        e["reps"][1] = fr.reps
        if fr.errors:
            e["status"] = "ERRORED"
            e["message"] = f"{len(fr.errors)} repetition(s) failed: {fr.errors[0]}"
            continue
        if br.is_peer:
            e["status"], e["message"] = "ok", "peer row: present, not judged"
            e["peer"] = True
            continue
        if br.errors or br.reps == 0:
            e["status"], e["message"] = "UNRESOLVED", "the baseline's row errored: refresh it"
            continue
        n = min(br.reps, fr.reps)
        cal = cal_rows.get(name)
        if n < a.min_reps:
            e["status"] = "UNRESOLVED"
            e["message"] = f"{br.reps} vs {fr.reps} repetitions: a rank test needs {a.min_reps}+ a side"
            continue
        if cal is None or field not in cal:
            e["status"], e["message"] = "UNRESOLVED", "no noise calibration for this row"
            continue
        bad = []
        e["time"] = judge_metric(br.times(field), fr.times(field), cal[field], True, a.alpha,
                                 multiple, floor)
        if e["time"]["bad"]:
            bad.append("time")
        if br.ratio and fr.ratio and br.judges and fr.judges and br.judges != fr.judges:
            # oneDNN picks its weight format per process from a pilot run: a
            # different pick moves the ratio with nothing of ours changed.
            e["judge_changed"] = (f"vs_onednn not judged: the judge changed"
                                  f" ({'; '.join(sorted(br.judges))} in the baseline,"
                                  f" {'; '.join(sorted(fr.judges))} now)")
            e["message"] = e["judge_changed"]
        elif br.ratio and fr.ratio:
            if "vs_onednn" in cal and min(len(br.ratio), len(fr.ratio)) >= a.min_reps:
                e["vs_onednn"] = judge_metric(br.ratio, fr.ratio, cal["vs_onednn"], False, a.alpha,
                                              multiple, floor)
                if e["vs_onednn"]["bad"]:
                    bad.append("vs_onednn")
            else:
                e["message"] = "vs_onednn not judged (no calibration or too few repetitions)"
        elif br.ratio and not fr.ratio:
            e["status"], e["message"] = "ERRORED", "the fresh run lost its vs_onednn counter"
            continue
        if br.judge and fr.judge:
            e["judge_change"] = statistics.median(fr.judge) / statistics.median(br.judge) - 1
        if bad:
            e["status"] = "REGRESSED"
            parts = []
            for m in bad:
                j = e[m]
                parts.append(f"{m} {runs.pct(j['change'])} (threshold {j['threshold']:.1%},"
                             f" p={j['p']:.2g})")
            e["message"] = "; ".join(parts)
        elif any(e.get(m, {}).get("better") for m in ("time", "vs_onednn")):
            e["status"] = "faster"
            e["message"] = "significantly better than the baseline: consider refreshing it"
    for name, fr in fresh.rows.items():
        if name not in base.rows:
            v.rows.append({"name": name, "status": "new", "reps": [0, fr.reps],
                           "message": "not in the baseline: not judged"})
    return v


def fmt_metric(m):
    if not m:
        return f"{'-':>8} {'-':>6} {'-':>7}"
    return f"{runs.pct(m['change']):>8} {m['threshold']:6.1%} {m['p']:7.2g}"


def table_text(v, base, fresh, a, noise_path):
    w = max([len(e["name"]) for e in v.rows] + [20])
    out = [f"gate: baseline {base.path} ({base.context.get('git_commit', '?')[:12]},"
           f" {base.context.get('date', '?')}) vs fresh {fresh.path}"
           f" ({fresh.context.get('git_commit', '?')[:12]}, {fresh.context.get('date', '?')})",
           f"gate: machine {fresh.machine}, table {fresh.isa}, SET={fresh.set_name};"
           f" {a.field} time; threshold = max({v.floor:.0%}, {v.multiple:g} x spread) from"
           f" {noise_path}; one-sided U test at alpha {a.alpha}",
           "",
           f"{'row':{w}} {'reps':>7} {'time':>8} {'thresh':>6} {'p':>7} {'vs_onednn':>9}"
           f" {'thresh':>6} {'p':>7}  verdict"]
    for e in v.rows:
        reps = f"{e['reps'][0]}/{e['reps'][1]}"
        r = e.get("vs_onednn")
        ratio = (f"{runs.pct(r['change']):>9} {r['threshold']:6.1%} {r['p']:7.2g}" if r
                 else f"{'-':>9} {'-':>6} {'-':>7}")
        verdict = e["status"] + (f": {e['message']}" if e["message"] and e["status"] != "ok" else "")
        out.append(f"{e['name']:{w}} {reps:>7} {fmt_metric(e.get('time'))} {ratio}  {verdict}")
    return "\n".join(out)


def summary_lines(v, base, fresh, a):
    by = {}
    for e in v.rows:
        by.setdefault(e["status"], []).append(e)
    judged = [e for e in v.rows if "time" in e]
    lines = [""]
    drift = [e["judge_change"] for e in v.rows if "judge_change" in e]
    if drift:
        lines.append(f"machine drift: oneDNN's paired times moved {runs.pct(statistics.median(drift))}"
                     f" (median over {len(drift)} rows); if ours moved as much, suspect the machine")
    unres = [(e["name"], m, e[m]["threshold"]) for e in judged for m in ("time", "vs_onednn")
             if m in e and e[m]["threshold"] > a.resolve]
    if unres:
        lines.append(f"not resolved on this machine: {len(unres)} row metric(s) have a threshold"
                     f" above {a.resolve:.0%} (a slowdown below it passes unseen):")
        for name, m, t in sorted(unres, key=lambda x: -x[2]):
            lines.append(f"  {name} {m}: {t:.1%}")
    for e in by.get("UNRESOLVED", []):
        lines.append(f"unresolved: {e['name']}: {e['message']}")
    unjudged = [e for e in v.rows if e.get("judge_changed")]
    for e in unjudged:
        lines.append(f"ratio unjudged: {e['name']}: {e['judge_changed']}")
    for e in by.get("new", []):
        lines.append(f"new row (not judged): {e['name']}")
    diffs = [f"{k} {base.context.get(k, '?')!r} -> {fresh.context.get(k, '?')!r}" for k in CONTEXT_NOTES
             if k not in ("git_commit", "git_dirty") and base.context.get(k) != fresh.context.get(k)]
    if diffs:
        lines.append("context differences (not refused): " + "; ".join(diffs))
    if fresh.context.get("git_dirty") == "yes":
        lines.append("note: the fresh run was built from uncommitted changes (git_dirty yes)")
    n_bad = {k: len(by.get(k, [])) for k in ("REGRESSED", "MISSING", "ERRORED")}
    failed = sum(n_bad.values())
    lines.append(f"gate: {'FAIL' if failed else 'PASS'}: {n_bad['REGRESSED']} regressed,"
                 f" {n_bad['MISSING']} missing, {n_bad['ERRORED']} errored; {len(judged)} rows of"
                 f" ours judged, {len(by.get('UNRESOLVED', []))} unresolved,"
                 f" {len(unjudged)} vs_onednn unjudged (the judge changed),"
                 f" {len(by.get('new', []))} new, {len(by.get('faster', []))} faster")
    return lines, failed


def junit(v, base, fresh, refusals):
    suite = f"rnnsimd-bench gate {fresh.machine if fresh else '?'} {fresh.isa if fresh else '?'}" \
            f" SET={fresh.set_name if fresh else '?'}"
    cls = "bench." + (f"{fresh.machine}.{fresh.isa}.{fresh.set_name}" if fresh else "unknown")
    cases, failures, skipped = [], 0, 0
    if refusals:
        failures = 1
        msg = "; ".join(refusals)
        cases.append(f'  <testcase classname={quoteattr(cls)} name="baseline identity">\n'
                     f'   <failure message={quoteattr("baseline refused: " + msg)}>'
                     f'{escape(msg)}</failure>\n  </testcase>')
    for e in v.rows if v else []:
        head = f'  <testcase classname={quoteattr(cls)} name={quoteattr(e["name"])}>'
        st = e["status"]
        detail = e["message"]
        for m in ("time", "vs_onednn"):
            if m in e:
                j = e[m]
                detail += (f"\n{m}: {runs.pct(j['change'])} (baseline {j['base']:.6g}, fresh"
                           f" {j['fresh']:.6g}; threshold {j['threshold']:.1%}, p={j['p']:.3g})")
        if st in ("REGRESSED", "MISSING", "ERRORED"):
            failures += 1
            cases.append(f'{head}\n   <failure message={quoteattr(st + ": " + e["message"])}>'
                         f'{escape(detail.strip())}</failure>\n  </testcase>')
        elif st in ("UNRESOLVED", "new"):
            skipped += 1
            cases.append(f'{head}\n   <skipped message={quoteattr(st + ": " + e["message"])}/>\n'
                         f'  </testcase>')
        else:
            cases.append(f'{head}\n   <system-out>{escape(detail.strip() or st)}</system-out>\n'
                         f'  </testcase>')
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n'
            f' <testsuite name={quoteattr(suite)} tests="{len(cases)}" failures="{failures}"'
            f' errors="0" skipped="{skipped}">\n' + "\n".join(cases) +
            "\n </testsuite>\n</testsuites>\n")


def verdict_json(v, base, fresh, a, refusals, noise_path, failed):
    def side(r):
        if r is None:
            return None
        return {"file": r.path, "machine": r.machine, "isa": r.isa, "set": r.set_name,
                "set_rows_hash": r.set_hash, "git_commit": r.context.get("git_commit"),
                "date": r.context.get("date")}
    rows = []
    for e in v.rows if v else []:
        d = {k: e[k] for k in ("name", "status", "reps", "message")}
        for m in ("time", "vs_onednn"):
            if m in e:
                d[m] = {k: (round(x, 6) if isinstance(x, float) else x) for k, x in e[m].items()}
        rows.append(d)
    verdict = "refused" if refusals else ("fail" if failed else "pass")
    return json.dumps({"verdict": verdict, "refusals": refusals, "baseline": side(base),
                       "fresh": side(fresh), "field": a.field, "alpha": a.alpha,
                       "min_reps": a.min_reps, "noise": noise_path,
                       "multiple": getattr(v, "multiple", None), "floor": getattr(v, "floor", None),
                       "rows": rows}, indent=1) + "\n"


def write_outputs(a, text, js, xml):
    if a.table:
        runs.write_atomic(a.table, text + "\n")
    if a.json:
        runs.write_atomic(a.json, js)
    if a.junit:
        runs.write_atomic(a.junit, xml)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("baseline")
    ap.add_argument("fresh")
    ap.add_argument("--noise", help="calibration (default: BASELINE with .noise.json)")
    ap.add_argument("--field", choices=("cpu", "real"), default="cpu")
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--min-reps", type=int, default=5)
    ap.add_argument("--resolve", type=float, default=0.10)
    ap.add_argument("--multiple", type=float, help="override the calibration's multiple")
    ap.add_argument("--floor", type=float, help="override the calibration's floor")
    ap.add_argument("--table")
    ap.add_argument("--json")
    ap.add_argument("--junit")
    a = ap.parse_args(argv[1:])
    for p in (a.baseline, a.fresh):
        if not os.path.isfile(p):
            print(f"gate.py: {p}: no such file", file=sys.stderr)
            return 2
    base, fresh = runs.load(a.baseline), runs.load(a.fresh)
    noise_path = a.noise or default_noise_path(a.baseline)
    refusals = runs.identity_differences(base, fresh)
    if base.emulated or fresh.emulated:
        refusals.append("emulated run: its times mean nothing")
    noise = None
    if not os.path.isfile(noise_path):
        refusals.append(f"calibration: no noise file {noise_path}: run make bench-noise (A/A runs"
                        " on this machine) so thresholds come from measured noise")
    else:
        with open(noise_path) as f:
            noise = json.load(f)
        for key, have in (("machine", base.machine), ("isa", base.isa), ("set", base.set_name),
                          ("set_rows_hash", base.set_hash)):
            if noise.get(key) != have:
                refusals.append(f"calibration: {noise_path} is for {key} {noise.get(key)},"
                                f" the baseline has {have}: rerun make bench-noise")
    if refusals:
        text = "gate: REFUSED: the baseline cannot judge this run:\n  " + "\n  ".join(refusals)
        print(text)
        write_outputs(a, text, verdict_json(None, base, fresh, a, refusals, noise_path, 0),
                      junit(None, base, fresh, refusals))
        return 2
    v = compare(base, fresh, noise, a)
    text = table_text(v, base, fresh, a, noise_path)
    lines, failed = summary_lines(v, base, fresh, a)
    text += "\n".join(lines)
    print(text)
    write_outputs(a, text, verdict_json(v, base, fresh, a, [], noise_path, failed),
                  junit(v, base, fresh, []))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
