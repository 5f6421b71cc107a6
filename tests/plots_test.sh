#!/bin/sh
# plots_test.sh — bench/plots.py on made-up results: every figure it should
# draw is drawn (SVG and PNG, nothing half-written left), titles are plain
# text (no gnuplot enhanced-text subscripts), each implementation has one
# colour in every figure, every figure carries the machine, date and commit
# caption, and the heatmaps show the rows' median ratios.
# Usage: sh tests/plots_test.sh. Ends with `N passed, N failed`.
set -u
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rnnsimd_plots.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

if ! command -v gnuplot >/dev/null 2>&1; then
  echo "FAIL: gnuplot not found (make deps installs gnuplot-nox)"; echo "0 passed, 1 failed"; exit 1
fi
D="$TMP/made-up"
/usr/bin/python3 - "$D" <<'PY'
import json, os, sys
d = sys.argv[1]
os.makedirs(d)
G = {"rnn_tanh": 1, "lstm": 4, "gru": 3, "lbr_gru": 3}
def rows(cell, topo, impl, T, B, H, mode, us, threads=1, **c):
    thr = f"threads:{threads}/" if threads > 1 else ""
    name = f"{cell}/{topo}/{impl}/T:{T}/B:{B}/I:{H}/H:{H}/{thr}{mode}"
    flops = 2 * B * 2 * H * G[cell] * H * T * (3 if mode == "train" else 1)
    out = []
    for r, f in enumerate((1.0, 0.9, 1.1)):  # three repetitions around the median
        cc = {k: v * f for k, v in c.items()}
        out.append(dict(name=name, run_name=name, run_type="iteration", repetition_index=r,
                        real_time=us / f, time_unit="us", iterations=1,
                        **{"GFLOP/s": flops / (us / f) * 1e-3}, **cc))
    out.append(dict(out[0], run_type="aggregate", aggregate_name="median", real_time=us,
                    **{"GFLOP/s": flops / us * 1e-3}, **c))
    return out
def doc(isa, bench):
    ctx = {"rnnsimd_isa": isa, "machine": "made-up-machine", "date": "2026-01-02T03:04:05+00:00",
           "git_commit": "0123456789abcdef", "onednn": "oneDNN 2.6.3 (N/A)",
           f"peak_gflops_{isa}": "100.0"}
    ctx.update({f"read_bw_GBps_{k}": "90.0" for k in ("256KiB", "1MiB", "4MiB", "16MiB", "64MiB")})
    return {"context": ctx, "benchmarks": bench}
ours, avx2, thr = [], [], []
for cell in G:
    for H in (256, 512, 1024):
        for B in (1, 16, 64):
            for mode in ("fwd", "train"):
                v = 1.0 + H / 1000 + B / 100 + (0.5 if mode == "train" else 0) + G[cell] / 100
                ours += rows(cell, "many2one", "avx512", 64, B, H, mode, 1000, vs_onednn=v)
                ours += rows(cell, "many2one", "onednn", 64, B, H, mode, 1000 * v)
                avx2 += rows(cell, "many2one", "avx2", 64, B, H, mode, 1100, vs_onednn=v * 0.9)
                thr += rows(cell, "many2one", "avx512", 64, B, H, mode, 600, threads=2,
                            vs_onednn=v * 1.1, speedup_vs_1thread=1.7)
for T in (1, 4):
    for B in (1, 64):
        for mode in ("fwd", "train"):
            ours += rows("lstm", "many2one", "avx512", T, B, 512, mode, 500, vs_onednn=1.5)
            for impl in ("onednn", "blas"):
                ours += rows("lstm", "many2one", impl, T, B, 512, mode, 750)
for B in (1, 64):
    for mode in ("fwd", "train"):
        ours += rows("lstm", "one2one", "avx512", 1, B, 512, mode, 50, vs_onednn=2.0)
        for impl in ("onednn", "blas"):
            ours += rows("lstm", "one2one", impl, 1, B, 512, mode, 100)
json.dump(doc("avx512", ours), open(f"{d}/avx512.json", "w"))
json.dump(doc("avx2", avx2), open(f"{d}/avx2.json", "w"))
json.dump(doc("avx512", thr), open(f"{d}/avx512-threads.json", "w"))
PY

out=$(/usr/bin/python3 bench/plots.py "$D" 2>&1); rc=$?
case "$rc:$out" in
  "0:plots.py: 11 figures (SVG and PNG) in $D"*) ok ;;
  *) bad "plots.py on made-up results (exit $rc): $out" ;;
esac
want="plot-rnn_tanh-many2one plot-lstm-many2one plot-gru-many2one plot-lbr_gru-many2one plot-lstm-one2one
ratio-many2one ratio-one2one heatmap-avx512 heatmap-avx2 heatmap-avx512-threads roofline"
missing=""
for f in $want; do
  for ext in png svg; do [ -s "$D/$f.$ext" ] || missing="$missing $f.$ext"; done
  [ -s "$D/plots-data/$f.gp" ] || missing="$missing plots-data/$f.gp"
done
if [ -z "$missing" ]; then ok; else bad "figures not written:$missing"; fi
left=$(find "$D" -name '*.tmp' | wc -l)
if [ "$left" -eq 0 ]; then ok; else bad "$left temporary files left behind"; fi
n=$(grep -L 'set termoption noenhanced' "$D"/plots-data/*.gp | wc -l)
if [ "$n" -eq 0 ]; then ok; else bad "$n scripts without noenhanced (rnn_tanh, lbr_gru would print subscripts)"; fi
n=$(grep -L 'set label 99 "made-up-machine  |  .*run 2026-01-02 03:04  |  commit 0123456789ab' "$D"/plots-data/*.gp | wc -l)
if [ "$n" -eq 0 ]; then ok; else bad "$n figures without the machine, date and commit caption"; fi
# One colour per implementation (and per cell) across every figure.
verdict=$(/usr/bin/python3 - "$D"/plots-data/*.gp <<'PY'
import re, sys
seen = {}
for path in sys.argv[1:]:
    for m in re.finditer(r"lc rgb '(#[0-9a-f]{6})'[^\n]*? title '([^']+)'", open(path).read()):
        seen.setdefault(m.group(2), set()).add(m.group(1))
clash = {t: sorted(c) for t, c in seen.items() if len(c) > 1}
need = {"rnnsimd avx512", "rnnsimd avx2", "oneDNN 2.6.3", "OpenBLAS baseline", "lstm"}
print("ok" if not clash and need <= set(seen) else "bad", clash or sorted(need - set(seen)))
PY
)
case $verdict in ok*) ok ;; *) bad "colours per implementation: $verdict" ;; esac
# The heatmap labels are the medians: gru B 16, H 512, train is
# 1 + 0.512 + 0.16 + 0.5 + 0.03 = 2.20 (the threads file: x1.1 = 2.42).
if grep -q '^1 1 [0-9.-]* 2.20$' "$D/plots-data/heatmap-avx512.gp" &&
   grep -q '^1 1 [0-9.-]* 2.42$' "$D/plots-data/heatmap-avx512-threads.gp"; then ok; else
  bad "heatmap labels are not the rows' median ratios"; fi
out=$(/usr/bin/python3 bench/plots.py "$TMP/empty" 2>&1); rc=$?
case "$rc:$out" in 1:*"no <isa>.json in $TMP/empty"*) ok ;; *) bad "no results: exit $rc: $out" ;; esac

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
