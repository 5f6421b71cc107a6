#!/bin/sh
# run.sh — `make bench`: runs build/rnnsimd-bench and writes Google Benchmark
# JSON to results/<machine>/<cpu>.json (results/<machine>/<cpu>-<set>.json for
# another SET), then prints a table of the medians; after a whole default-set
# run (no FILTER), also the performance targets (bench/targets.py) on that file, with
# avx2.json and <cpu>-threads.json beside it where they exist. <machine> is
# `rnnsimd-bench --print-machine` (bench/identity.h); a new folder gets its
# machine.json (the facts behind the name). The JSON context records the
# commit (git_commit, git_dirty: uncommitted changes outside results/), and
# make's compiler flags (cflags).
#
# Environment (all optional):
#   CPU=ISA                       our kernel table, as rnnsimd-bench --cpu (its --help
#                                 lists them; default: the best this CPU runs);
#                                 one the CPU lacks fails before anything runs
#   SET=default|deepbench|threads|ci|stacks  the problem set (bench/sweep.c); threads:
#                                 the judged many2one grid at 2 threads on both
#                                 sides, with our 1-thread rows for the speedup
#                                 (needs both cores idle to mean anything); ci:
#                                 the regression gate's set (docs/tracking.md); stacks:
#                                 L:N layers and bi directions (docs/benchmarks.md §2.1)
#   BENCH_QUICK=1                 a few tiny shapes, very short runs: checks that every
#                                 row runs and the JSON is sane; measures nothing
#   FILTER=regex                  only rows whose name matches (--benchmark_filter)
#   DTYPE=f32|bf16|all            the rows' data type (--dtype; default f32); bf16 and
#                                 all write <cpu>[-<set>]-bf16.json (all: each float32
#                                 row, then its .../bf16/MODE twin)
#   TUNE=estimate|measure         our plans' tuning (--tune; default estimate)
#   REPS=N (5) MIN_TIME=s (0.05) ROW_BUDGET=s (0.5)  repetitions per row, fewer for
#                                 rows estimated above ROW_BUDGET seconds
#   PROCESSES=N (1)               run the set in N processes one after the other and
#                                 merge them (bench/merge.py): each row's figures are
#                                 then medians over the processes, whose weights land
#                                 elsewhere in physical memory each time
#   OUT=path                      write the JSON there instead of results/
#   BUILD, RUN                    from the Makefile (RUN non-empty: emulation)
#   RNNSIMD_BENCH_CFLAGS          from the Makefile: the flags, for the context
# Names in the JSON are the problem names: Google Benchmark's /repeats:N and
# /real_time suffixes are stripped so runs with other repetition counts compare.
# Exit status: 0; 4 when rows ended in an error (the file is written, those
# rows marked); anything else means no file was written.
set -eu
BUILD=${BUILD:-build}
RUN=${RUN:-}
CPU=${CPU:-}
SET=${SET:-}
FILTER=${FILTER:-}
DTYPE=${DTYPE:-}
BIN="$BUILD/rnnsimd-bench"
PY=/usr/bin/python3   # Debian's python3: scipy for compare.py lives there
HERE=$(dirname "$0")

[ -x "$BIN" ] || { echo "run.sh: $BIN is missing: run make bench" >&2; exit 1; }

# Emulated: run through $RUN (qemu), or a binary of another architecture
# (binfmt). Times are then meaningless and go to results/emulated/.
EMULATED=
[ -n "$RUN" ] && EMULATED=1
bin_machine=$(readelf -h "$BIN" 2>/dev/null | sed -n 's/^ *Machine: *//p')
case "$(uname -m):$bin_machine" in
  x86_64:*X86-64*|aarch64:*AArch64*|*:) ;;
  *) EMULATED=1 ;;
esac
MACHINE=$($RUN "$BIN" --print-machine) || { echo "run.sh: $BIN --print-machine failed" >&2; exit 3; }
# The commit measured; dirty if sources differ from it (results/ excluded:
# runs write there).
GIT_COMMIT=$(git rev-parse HEAD 2>/dev/null || echo "unknown (not a git checkout)")
GIT_DIRTY=unknown
if git rev-parse HEAD >/dev/null 2>&1; then
  if [ -n "$(git status --porcelain --untracked-files=no -- . ':!results' 2>/dev/null)" ]; then
    GIT_DIRTY=yes
  else
    GIT_DIRTY=no
  fi
fi
export RNNSIMD_BENCH_EMULATED="$EMULATED" RNNSIMD_BENCH_GIT_COMMIT="$GIT_COMMIT" \
  RNNSIMD_BENCH_GIT_DIRTY="$GIT_DIRTY"

if [ "${BENCH_QUICK:-}" = 1 ]; then
  SET=quick; REPS=${REPS:-2}; MIN_TIME=${MIN_TIME:-0.001}
fi
REPS=${REPS:-5}
MIN_TIME=${MIN_TIME:-0.05}
ROW_BUDGET=${ROW_BUDGET:-0.5}
PROCESSES=${PROCESSES:-1}
case "$PROCESSES" in ''|*[!0-9]*|0) echo "run.sh: PROCESSES=$PROCESSES: want a whole number >= 1" >&2; exit 2 ;; esac

# The table's name for the file: the one asked for, else what auto resolves
# to. The binary refuses a table the CPU lacks here, before anything runs.
ISA=$($RUN "$BIN" ${CPU:+--cpu=$CPU} --print-isa) || exit 3

suffix=
case "$SET" in ''|default) ;; *) suffix="-$SET" ;; esac
# Measured plans are another configuration: their own file beside the rules'.
if [ "${TUNE:-}" = measure ]; then suffix="$suffix-measure"; fi
# bf16 rows are another configuration too (all: with their float32 twins).
case "$DTYPE" in ''|f32) ;; bf16|all) suffix="$suffix-bf16" ;;
  *) echo "run.sh: DTYPE=$DTYPE is not f32, bf16 or all" >&2; exit 2 ;; esac
if [ -n "${OUT:-}" ]; then
  out=$OUT
elif [ "$SET" = quick ]; then
  out="$BUILD/bench-quick.json"
elif [ -n "$EMULATED" ]; then
  out="results/emulated/$ISA$suffix.json"
else
  out="results/$MACHINE/$ISA$suffix.json"
fi
mkdir -p "$(dirname "$out")"
raw="$out.raw.$$"
# An interrupted or failed run leaves no half-written file beside the results.
parts="$out.parts.$$"  # each process's normalized run, until merged
trap 'rm -rf "$raw" "$raw.m" "$parts"' EXIT
trap 'exit 130' INT TERM

if [ -n "$EMULATED" ]; then
  echo "run.sh: running under emulation ($RUN): times are emulated and meaningless;" \
       "results go to $out" >&2
fi
echo "run.sh: machine $MACHINE, table $ISA, set ${SET:-default}, dtype ${DTYPE:-f32}, REPS $REPS," \
     "min time $MIN_TIME s -> $out" >&2

mkdir -p "$parts"
# 4 once a process's rows ended in an error: they are kept in $out, marked,
# and this script ends with that status after writing it.
status=0
k=1
while [ "$k" -le "$PROCESSES" ]; do
  if [ "$PROCESSES" -gt 1 ]; then echo "run.sh: process $k of $PROCESSES" >&2; fi
  # Same cleaned environment the binary's re-exec makes (it still checks itself).
  rc=0
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
    $RUN "$BIN" ${CPU:+--cpu=$CPU} --set="${SET:-default}" --reps="$REPS" \
    --row-budget="$ROW_BUDGET" ${FILTER:+--benchmark_filter="$FILTER"} ${TUNE:+--tune="$TUNE"} \
    ${DTYPE:+--dtype="$DTYPE"} \
    --benchmark_min_time="$MIN_TIME" --benchmark_display_aggregates_only=true \
    --benchmark_out="$raw" --benchmark_out_format=json || rc=$?
  case $rc in 0) ;; 4) status=4 ;; *) exit "$rc" ;; esac
  "$PY" "$HERE/results.py" normalize "$raw" "$parts/process$k.json"
  rm -f "$raw"
  k=$((k + 1))
done
if [ "$PROCESSES" -eq 1 ]; then
  mv "$parts/process1.json" "$out"
else
  set --
  k=1
  while [ "$k" -le "$PROCESSES" ]; do set -- "$@" "$parts/process$k.json"; k=$((k + 1)); done
  "$PY" "$HERE/merge.py" "$out" "$@"
fi
# A machine's folder says what the machine is (bench/identity.h).
if [ -z "${OUT:-}" ] && [ -z "$EMULATED" ] && [ ! -f "results/$MACHINE/machine.json" ]; then
  $RUN "$BIN" --print-machine=json >"$raw.m" && mv "$raw.m" "results/$MACHINE/machine.json"
fi
"$PY" "$HERE/results.py" table "$out"
if [ "$SET" = quick ]; then
  "$PY" "$HERE/results.py" sane "$out" || [ "$status" = 4 ] || exit 1
fi
# bf16 rows: their own section of the targets (it says which rows are missing).
case "$DTYPE" in bf16|all) if [ "$SET" != quick ]; then
    "$PY" "$HERE/targets.py" --bf16 "$out" || echo "run.sh: bench/targets.py --bf16 failed" >&2
  fi ;; esac
# The targets judge the whole default sweep: not a filtered or quick run.
case "$SET" in
  ''|default) if [ -z "$FILTER" ]; then
      "$PY" "$HERE/targets.py" "$out" || echo "run.sh: bench/targets.py failed" >&2
    fi ;;
esac
echo "run.sh: wrote $out" >&2
if [ "$status" = 4 ]; then
  echo "run.sh: rows ended in an error; $out keeps them, marked ERROR in the table above" \
       "(the regression gate fails them)" >&2
  exit 4
fi
