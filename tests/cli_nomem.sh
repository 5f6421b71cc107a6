#!/bin/sh
# cli_nomem.sh — the programs when memory runs out: each command below runs
# once counting its allocation points (build/tests/rnnsimd_nomem and
# conformance_nomem: the programs linked with tests/nomem_program.c), then
# once with each point failing in turn. A failing run must either
#   - exit 1 (a runtime failure, not 2: the command line was right) with a
#     message that says memory ran out, its outputs all left as they were
#     before the run or all as a clean run writes them (no output lost, no
#     set half new, no partial or temporary file left), or
#   - exit 0 with every output, and the printed text where it is exact, the
#     same as a clean run's (an allocation that only serves speed).
# A crash, a hang (no end in HANG_S seconds: a watchdog, not a time
# measured) or any other outcome fails that point by name.
# Usage: sh tests/cli_nomem.sh BUILD_DIR. Ends with `N passed, N failed`.
set -u
BUILD=${1:-build}
. "$(dirname "$0")/cli_lib.sh"
cli_setup nomem
NR="${RUN:-} $BUILD/tests/rnnsimd_nomem"
NC="${RUN:-} $BUILD/tests/conformance_nomem"
NB="${RUN:-} $BUILD/tests/bench_nomem"
for p in rnnsimd_nomem conformance_nomem bench_nomem; do
  if [ ! -x "$BUILD/tests/$p" ]; then
    echo "FAIL: $BUILD/tests/$p not built"; echo "0 passed, 1 failed"; exit 1
  fi
done
HANG_S=${HANG_S:-120}
# OpenBLAS starts no helper threads: a thousand program starts cost less.
export OPENBLAS_NUM_THREADS=1
REP="$TMP/report"
points_total=0

# digest DIR: one line per file under DIR, its bytes' hash, size and name.
digest() {
  [ -d "$1" ] || return 0
  (cd "$1" && find . -type f | LC_ALL=C sort | xargs -r cksum)
}

# sweep NAME OUT EXACT CMD...: OUT is the directory the command writes (or
# -), EXACT 1 when its stdout must match a clean run's where it succeeds, 2
# when it must match but for the digits of its numbers and the spaces that
# align them (a measurement's text: a sign or a word in place of a number
# still differs), and but for the FMA width the clock probe names (`fma=full`
# or `split`: a class of a measured ratio, which a loaded machine can move
# between two runs; the line must still name one).
# Every point fails in turn; above $max points, every STRIDE-th one (the
# conformance runner's hundreds and thousands: the same call sites over and
# over), STRIDE = ceil(points / max). max is 150 unless set before the call,
# and at most NOMEM_MAX (scripts/sanitize.sh sets it: a run under ASan takes
# ten times as long).
max=150
NOMEM_MAX=${NOMEM_MAX:-150}
digits_aside() { sed 's/[0-9][0-9.]*/N/g; s/  */ /g; s/fma=\(full\|split\|unknown\) /fma=W /g' "$1"; }
sweep() {
  name=$1; outd=$2; exact=$3; shift 3
  [ "$outd" != - ] && rm -rf "$outd"
  RNNSIMD_NOMEM_REPORT=$REP "$@" > "$TMP/clean.out" 2> "$TMP/clean.err"
  rc=$?
  n=$(sed -n 's/^points \([0-9]*\) failed 0$/\1/p' "$REP" 2>/dev/null)
  if [ "$rc" -ne 0 ] || [ -z "$n" ]; then
    bad "$name: the clean run (exit $rc, report '$(cat "$REP" 2>/dev/null)')"
    sed 's/^/    /' "$TMP/clean.err" | head -5; return
  fi
  clean=$(digest "$outd")
  # The state before each failing run: every output file one byte longer
  # than a clean run leaves it, so what the run left can be told apart.
  old="$TMP/old"; rm -rf "$old"
  [ "$outd" != - ] && cp -r "$outd" "$old" && find "$old" -type f -exec sh -c 'printf x >> "$1"' _ {} \;
  olddig=$(digest "$old")
  [ "$max" -gt "$NOMEM_MAX" ] && max=$NOMEM_MAX
  stride=$(( (n + max - 1) / max )); max=150
  k=0; bad_here=0; tried=0
  while [ "$k" -lt "$n" ]; do
    tried=$((tried + 1))
    if [ "$outd" != - ]; then rm -rf "$outd"; cp -r "$old" "$outd"; fi
    rm -f "$REP"
    RNNSIMD_NOMEM_FAIL=$k RNNSIMD_NOMEM_REPORT=$REP timeout -s KILL "$HANG_S" "$@" \
      > "$TMP/k.out" 2> "$TMP/k.err"
    rc=$?
    got=$(digest "$outd")
    why=""
    case $rc in
      0)
        [ "$outd" != - ] && [ "$got" != "$clean" ] && why="exit 0 with outputs unlike a clean run's"
        [ "$exact" = 1 ] && ! cmp -s "$TMP/k.out" "$TMP/clean.out" && why="exit 0 printing other text than a clean run"
        [ "$exact" = 2 ] && [ "$(digits_aside "$TMP/k.out")" != "$(digits_aside "$TMP/clean.out")" ] &&
          why="exit 0 printing other text than a clean run (numbers aside)"
        ;;
      1)
        cat "$TMP/k.out" "$TMP/k.err" | grep -qi 'memory' || why="exit 1 without saying memory ran out"
        # The outputs are a set: all as before the run, or all as a clean
        # run writes them (none lost, none half-new, no temporary file left).
        if [ -z "$why" ] && [ "$outd" != - ] && [ "$got" != "$olddig" ] && [ "$got" != "$clean" ]; then
          why="its outputs neither all as before nor all as a clean run writes them"
        fi
        ;;
      137) why="no end in $HANG_S s (killed)" ;;
      *) why="exit $rc" ;;
    esac
    verdict "$why" || return
    k=$((k + stride))
  done
  sweep_end
}

# verdict WHY: point $k of sweep $name passes (WHY empty) or fails with its
# stderr's last lines; returns 1 at a sweep's fifth failure (it stops there).
verdict() {
  if [ -z "$1" ]; then ok; return 0; fi
  bad "$name: allocation point $k of $n failing: $1"
  grep -v '^\[' "$TMP/k.err" | tail -3 | sed 's/^/    /'
  bad_here=$((bad_here + 1))
  [ "$bad_here" -lt 5 ] || { echo "    ($name: stopping at 5 failures)"; return 1; }
}

# sweep_end [HOW]: the sweep's line; HOW says which points failed if not
# "one in $stride".
sweep_end() {
  points_total=$((points_total + tried))
  if [ "$stride" -gt 1 ]; then
    echo "$name: $n allocation points, ${1:-one in $stride} failed ($tried)"
  else
    echo "$name: $n allocation points, each failed"
  fi
}

C="$TMP/case"
$R make-case --cell lstm --out "$C" --grads --T 3 --B 2 --I 3 --H 4 > /dev/null || bad "make-case"
CS="$TMP/stack"
$R make-case --cell gru --out "$CS" --grads --T 3 --B 2 --I 3 --H 4 --layers 2 --bidirectional \
  > /dev/null || bad "make-case of a stack"
TEXT="$TMP/text.txt"
i=0; while [ $i -lt 40 ]; do echo "the quick brown fox jumps over the lazy dog $i"; i=$((i + 1)); done > "$TEXT"

sweep make-case "$TMP/mc" 0 $NR make-case --cell lstm --out "$TMP/mc" --grads --T 3 --B 2 --I 3 --H 4 \
  --layers 2
sweep run "$TMP/o" 0 $NR run --cell lstm --in "$C" --out "$TMP/o"
sweep "run bf16" "$TMP/o" 0 $NR run --cell lstm --in "$C" --out "$TMP/o" --dtype bf16
sweep "run reference stack" "$TMP/o" 0 $NR run --cell gru --in "$CS" --out "$TMP/o" --isa reference
sweep "run stack" "$TMP/o" 0 $NR run --cell lbr_gru --in "$CS" --out "$TMP/o"
sweep npy-compare - 1 $NR npy-compare "$C/weight_hh.npy" "$C/weight_hh.npy" --tol 0
sweep npy-print - 1 $NR npy-print "$C/bias_ih.npy"
sweep npy-write "$TMP/w" 0 sh -c "mkdir -p '$TMP/w' && exec $NR npy-write '$TMP/w/a.npy' --shape 2,3 1 2 3 4 5 6"
sweep "charlm train" "$TMP/lm" 0 sh -c "mkdir -p '$TMP/lm' && exec $NR charlm train --text '$TEXT' \
  --hidden 8 --seq 8 --batch 2 --steps 3 --save '$TMP/lm/m' --seed 1"
$R charlm train --text "$TEXT" --hidden 8 --seq 8 --batch 2 --steps 3 --save "$TMP/m" --seed 1 \
  > /dev/null 2>&1 || bad "charlm train for the sample"
sweep "charlm sample" - 1 $NR charlm sample --model "$TMP/m" --length 20 --seed 3
sweep gradflow "$TMP/gf" 0 $NR gradflow --cell gru --hidden 8 --T 4 --rho 1.0 --out "$TMP/gf"
sweep "info --plan" - 1 $NR info --plan lstm:many2one:T4:B2:I3:H4:V3
sweep "profile --alone" - 2 $NR profile lstm:many2one:T4:B2:I8:H16:V4 --alone
# The machine probes: about two seconds a run, so fewer points.
max=10
sweep "info --probe" - 2 $NR info --probe
# The runner: one case, every point; a bf16 seq2seq case (one in every
# few); one case with the oneDNN cross-check (its many problems: half a
# second a run, so fewer points).
sweep conformance - 0 $NC --case 'gru:many2one:T5:B2:I3:H4:V3:rho1.0:seed5' --no-golden \
  --no-ratchet --mode threads1 --isa generic --no-onednn
# ... and one case of the committed golden file, read whole.
sweep "conformance, golden file" - 0 $NC --case 'rnn_tanh:one2one:T1:B1:I1:H1:V2:rho1.0:seed1' \
  --golden conformance/golden.txt --no-ratchet --mode threads1 --isa generic --no-onednn
max=60
sweep "conformance, bf16" - 0 $NC --case 'lstm:seq2seq:T4:To3:B2:I3:H4:V3:rho1.0:seed5:bf16' \
  --no-golden --no-ratchet --mode threads1 --isa generic --no-onednn
max=40
sweep "conformance, oneDNN" - 0 $NC --case 'gru:many2one:T5:B2:I3:H4:V3:rho1.0:seed5' \
  --no-golden --no-ratchet --mode threads1 --isa generic

# --write-golden rewrites its file in place: a run that fails must leave it
# as it was (exit 1 saying memory ran out, no temporary file beside it), one
# that goes on must write a clean run's file: no line lost. The file is the
# committed golden file (528 lines and more: reading it and copying it each
# grow a table three times) with one case added; the first 12 points each
# (the options, the reading, the copy), then one in every few (the same
# call sites case after case: at most 40 points in all, NOMEM_MAX if lower,
# at least 16).
sweep_golden() {
  name=$1; shift
  gd="$TMP/golden"; rm -rf "$gd"; mkdir -p "$gd"
  grep -v '^#' conformance/golden.txt > "$TMP/golden.before"
  cp "$TMP/golden.before" "$gd/g.txt"
  RNNSIMD_NOMEM_REPORT=$REP "$@" --write-golden "$gd/g.txt" > /dev/null 2> "$TMP/clean.err"
  rc=$?
  n=$(sed -n 's/^points \([0-9]*\) failed 0$/\1/p' "$REP" 2>/dev/null)
  if [ "$rc" -ne 0 ] || [ -z "$n" ] || cmp -s "$gd/g.txt" "$TMP/golden.before"; then
    bad "$name: the clean run (exit $rc, the file rewritten: $(cmp -s "$gd/g.txt" "$TMP/golden.before" && echo no || echo yes))"
    sed 's/^/    /' "$TMP/clean.err" | head -5; return
  fi
  cp "$gd/g.txt" "$TMP/golden.clean"
  max=$NOMEM_MAX; [ "$max" -gt 40 ] && max=40; [ "$max" -lt 16 ] && max=16
  stride=$(( n > max ? (n - 12 + max - 13) / (max - 12) : 1 ))
  k=0; bad_here=0; tried=0
  while [ "$k" -lt "$n" ]; do
    tried=$((tried + 1))
    rm -rf "$gd"; mkdir -p "$gd"; cp "$TMP/golden.before" "$gd/g.txt"
    RNNSIMD_NOMEM_FAIL=$k timeout -s KILL "$HANG_S" "$@" --write-golden "$gd/g.txt" \
      > "$TMP/k.out" 2> "$TMP/k.err"
    rc=$?
    why=""
    left=$(ls -A "$gd")
    case $rc in
      0) cmp -s "$gd/g.txt" "$TMP/golden.clean" || why="exit 0 with a file unlike a clean run's" ;;
      1)
        cat "$TMP/k.out" "$TMP/k.err" | grep -qi 'memory' || why="exit 1 without saying memory ran out"
        [ -z "$why" ] && ! cmp -s "$gd/g.txt" "$TMP/golden.before" && why="exit 1, the file changed"
        ;;
      137) why="no end in $HANG_S s (killed)" ;;
      *) why="exit $rc" ;;
    esac
    [ -z "$why" ] && [ "$left" != g.txt ] && why="exit $rc leaving: $left"
    verdict "$why" || return
    k=$(( k < 12 ? k + 1 : k + stride ))
  done
  sweep_end "the first 12 and then one in $stride"
  max=150
}
sweep_golden "conformance --write-golden" $NC --case 'gru:many2one:T5:B2:I3:H4:V3:rho1.0:seed5'

# The benchmark: its times differ from run to run, so a run that goes on
# is judged by what it wrote, not by its bytes. Either exit 1 saying memory
# ran out, --benchmark_out's file left as it was (no temporary file beside
# it), or exit 0 or 4 with the clean run's rows and context keys (no probe
# left out): 0 with every row measured, 4 with some marked failed for lack
# of memory and the end of the run counting them (a row's aggregates go
# with it). One
# process: no re-exec (it would start the count again), oneDNN on one thread;
# two seconds of probes a run, so at most 20 points.
sweep_bench() {
  name=$1; shift
  bd="$TMP/bench"; rm -rf "$bd"; mkdir -p "$bd"
  RNNSIMD_BENCH_REEXEC=1 OMP_NUM_THREADS=1 RNNSIMD_NOMEM_REPORT=$REP "$@" \
    --benchmark_out="$bd/x.json" > /dev/null 2> "$TMP/clean.err"
  rc=$?
  n=$(sed -n 's/^points \([0-9]*\) failed 0$/\1/p' "$REP" 2>/dev/null)
  if [ "$rc" -ne 0 ] || [ -z "$n" ]; then
    bad "$name: the clean run (exit $rc)"; sed 's/^/    /' "$TMP/clean.err" | head -5; return
  fi
  mv "$bd/x.json" "$TMP/bench-clean.json"
  # Every one of the first 8 points (the option parser's and the output
  # check's), then one in every few.
  max=$NOMEM_MAX; [ "$max" -gt 20 ] && max=20
  stride=$(( n > max ? (n - 8 + max - 9) / (max - 8) : 1 ))
  [ "$stride" -lt 1 ] && stride=1
  k=0; bad_here=0; tried=0; rows_failed=0
  while [ "$k" -lt "$n" ]; do
    tried=$((tried + 1))
    rm -rf "$bd"; mkdir -p "$bd"; echo old > "$bd/x.json"
    RNNSIMD_BENCH_REEXEC=1 OMP_NUM_THREADS=1 RNNSIMD_NOMEM_FAIL=$k timeout -s KILL "$HANG_S" "$@" \
      --benchmark_out="$bd/x.json" > /dev/null 2> "$TMP/k.err"
    rc=$?
    why=""
    left=$(ls -A "$bd")
    case $rc in
      0|4)
        why=$(python3 - "$rc" "$TMP/bench-clean.json" "$bd/x.json" "$TMP/k.err" <<'PY'
import json, sys
rc = sys.argv[1]
try:
    a, b = (json.load(open(p)) for p in sys.argv[2:4])
except (OSError, ValueError) as e:
    sys.exit(print(f"exit {rc} without a readable output ({e})"))
rows = lambda d: sorted({r.get("run_name", r["name"]) for r in d["benchmarks"]})
if rows(a) != rows(b):
    sys.exit(print(f"exit {rc} with other rows than a clean run"))
lost = sorted(set(a["context"]) - set(b["context"]))
if lost:
    sys.exit(print(f"exit {rc} with context keys left out: " + " ".join(lost)))
failed = [r for r in b["benchmarks"] if r.get("error_occurred")]
if bool(failed) != (rc == "4"):
    sys.exit(print(f"exit {rc} with {len(failed)} failed repetitions"))
if any("memory" not in r.get("error_message", "") for r in failed):
    sys.exit(print("a row failed without saying memory ran out"))
if failed and "rows ended in an error" not in open(sys.argv[4]).read():
    sys.exit(print("failed rows not counted at the end of the run"))
print("failed rows" if failed else "", end="")
PY
)
        case $why in "failed rows") why=""; rows_failed=$((rows_failed + 1)) ;; esac
        [ "$left" != x.json ] && why="exit $rc leaving: $left"
        ;;
      1)
        grep -qi 'memory' "$TMP/k.err" || why="exit 1 without saying memory ran out"
        [ -z "$why" ] && [ "$(cat "$bd/x.json" 2>/dev/null)" != old ] && why="exit 1, its output file changed"
        [ -z "$why" ] && [ "$left" != x.json ] && why="exit 1 leaving: $left"
        ;;
      137) why="no end in $HANG_S s (killed)" ;;
      *) why="exit $rc" ;;
    esac
    verdict "$why" || return
    k=$(( k < 8 ? k + 1 : k + stride ))
  done
  sweep_end "the first 8 and then one in $stride"
  echo "$name: $rows_failed of them exit 4, rows marked failed for lack of memory"
}
sweep "bench --list" - 1 $NB --set=quick --list --benchmark_filter='lstm/many2one/[a-z0-9]+/T:4/B:3/'
sweep_bench "bench, ours and oneDNN" $NB --set=quick --peers=onednn --reps=3 \
  --benchmark_min_time=0.001 --benchmark_filter='lstm/many2one/[a-z0-9]+/T:4/B:3/I:8/H:16/fwd'

echo "$points_total allocation points failed in all"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
