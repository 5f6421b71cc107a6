#!/bin/sh
# run_tests.sh — `make test`: every test binary, the quick conformance matrix,
# the symbol and layering checks of the archives, the CLI, deps, plots and
# install tests and the regression tracking's self-tests; sums their closing
# "N passed, N failed" lines into one.
#
# The programs run JOBS at a time (default: every core). None measures a
# time, each keeps its files in its own mktemp directory, and a two-thread
# plan's waits yield the core after a bounded spin, so sharing the cores costs
# only time. Each writes its own output (scripts/run_test_program.sh); a line
# says when each ends, and once all have, their outputs are printed in the
# order below, each followed by its wall time (`-- test_plan: 3 s`): what
# CI's time budget is spent on. The longest (the CLI tests of the rnnsimd
# command and of the benchmark) start first.
set -u
BUILD=${BUILD:-build}
RUN=${RUN:-}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 1)}
case $JOBS in
  ''|*[!0-9]*|0*) echo "run_tests: JOBS=$JOBS is not a positive whole number of programs at a time"
                  echo "0 passed, 1 failed"; exit 2 ;;
esac
# Test binaries run through $RUN (qemu-aarch64 for a cross build); scripts run
# on the host and get RUN and BUILD in their environment to run binaries.
export RUN BUILD

names=""
[ -f tests/cli_tests.sh ] && names="$names cli_tests"
[ -f tests/cli_bench.sh ] && names="$names cli_bench"
# The programs when memory runs out: their code is the same C on every
# architecture, and under an emulator its thousand program starts would take
# many minutes, so a cross build leaves it out (test_nomem, which fails the
# library's and the kernel tables' allocations, runs there).
[ -f tests/cli_nomem.sh ] && [ -z "$RUN" ] && names="$names cli_nomem"
[ -x "$BUILD/rnnsimd-conformance" ] && names="$names conformance"
for t in "$BUILD"/tests/test_*; do
  [ -f "$t" ] && [ -x "$t" ] && names="$names $(basename "$t")"
done
for t in cli_inputs cli_args cli_programs cli_reports torch_cases symbols isa_lists other_cpus mutants_lists fuzz_seeds; do
  [ -f "tests/$t.sh" ] && names="$names $t"
done
# These always run: a missing one fails (no summary line).
names="$names deps_test plots_test install_test"
# The tracking's self-tests are Python on the host: under an emulator ($RUN)
# they would repeat the native suite's run exactly, so a cross build leaves
# them out.
selftests="gate_selftest history_selftest merge_selftest targets_selftest"
if [ -x /usr/bin/python3 ] && [ -z "$RUN" ]; then
  for t in $selftests; do
    [ -f "bench/$t.py" ] && names="$names $t"
  done
fi
# SKIP: names to leave out, separated by spaces (scripts/sanitize.sh leaves
# out the programs that run no instrumented code of ours).
if [ -n "${SKIP:-}" ]; then
  for s in $SKIP; do
    case " $names $selftests " in *" $s "*) ;;
      *) echo "run_tests: SKIP names $s, which is not a program of this suite (--list names them)"
         echo "0 passed, 1 failed"; exit 2 ;;
    esac
  done
  kept=""
  for n in $names; do
    case " $SKIP " in *" $n "*) ;; *) kept="$kept $n" ;; esac
  done
  names=$kept
fi
# --list: the programs' names, one a line, in this order (scripts/mutants.sh
# runs them one by one through run_test_program.sh).
if [ "${1:-}" = --list ]; then
  printf '%s\n' $names
  exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rnnsimd_tests.XXXXXX") || { echo "run_tests: mktemp failed"; echo "0 passed, 1 failed"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

echo "== $(echo $names | wc -w) test programs, $JOBS at a time"
printf '%s\n' $names | xargs -P "$JOBS" -I {} sh scripts/run_test_program.sh {} "$tmp"

total_p=0; total_f=0; broken=""
for n in $names; do
  case $n in
    conformance) echo "== conformance --quick" ;;
    test_*) echo "== $n" ;;
    *_selftest) echo "== bench/$n.py" ;;
    *) echo "== $n.sh" ;;
  esac
  out=$(cat "$tmp/$n.out" 2>/dev/null)
  # No status file: the program's shell was killed; it counts as broken.
  rc=$(cat "$tmp/$n.rc" 2>/dev/null || echo 1)
  printf '%s\n' "$out"
  echo "-- $n: $(cat "$tmp/$n.secs" 2>/dev/null || echo '?') s"
  last=$(printf '%s\n' "$out" | grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' | tail -n 1)
  if [ -z "$last" ]; then
    broken="$broken $n"; total_f=$((total_f + 1)); continue
  fi
  p=$(printf '%s' "$last" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/')
  f=$(printf '%s' "$last" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/')
  total_p=$((total_p + p)); total_f=$((total_f + f))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then broken="$broken $n(exit $rc)"; total_f=$((total_f + 1)); fi
done
[ -n "$broken" ] && echo "broken (no summary line or bad exit):$broken"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
