#!/bin/sh
# run_tests.sh — runs every test binary, then the quick conformance matrix,
# the symbol and layering checks of the archives, the CLI, deps, plots and
# install tests, and sums their closing "N passed, N failed" lines into one.
set -u
BUILD=${BUILD:-build}
RUN=${RUN:-}
total_p=0; total_f=0; broken=""
# Test binaries run through $RUN (qemu-aarch64 for a cross build); shell scripts
# run on the host and get RUN and BUILD in their environment to run binaries.
export RUN BUILD
prefix=$RUN
run_one() {
  name=$1; shift
  out=$($prefix "$@" 2>&1); rc=$?
  printf '%s\n' "$out"
  last=$(printf '%s\n' "$out" | grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' | tail -n 1)
  if [ -z "$last" ]; then
    broken="$broken $name"; total_f=$((total_f + 1)); return
  fi
  p=$(printf '%s' "$last" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/')
  f=$(printf '%s' "$last" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/')
  total_p=$((total_p + p)); total_f=$((total_f + f))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then broken="$broken $name(exit $rc)"; total_f=$((total_f + 1)); fi
}
for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  echo "== $(basename "$t")"
  run_one "$(basename "$t")" "$t"
done
if [ -x "$BUILD/rnnsimd-conformance" ]; then
  echo "== conformance --quick"
  run_one conformance "$BUILD/rnnsimd-conformance" --quick
fi
if [ -f tests/symbols.sh ]; then
  echo "== symbols.sh"
  prefix=
  run_one symbols sh tests/symbols.sh "$BUILD"
  prefix=$RUN
fi
if [ -f tests/isa_lists.sh ]; then
  echo "== isa_lists.sh"
  prefix=
  run_one isa_lists sh tests/isa_lists.sh "$BUILD"
  prefix=$RUN
fi
if [ -x "$BUILD/tests/cli_tests.sh" ] || [ -f tests/cli_tests.sh ]; then
  echo "== cli_tests.sh"
  prefix=
  run_one cli_tests sh tests/cli_tests.sh "$BUILD"
  prefix=$RUN
fi
# Host-side script tests (the install test builds with $CC and runs the
# example through $RUN itself).
prefix=
for t in deps_test plots_test install_test; do
  echo "== $t.sh"
  run_one "$t" sh "tests/$t.sh" "$BUILD"
done
prefix=$RUN
# The regression tracking's self-tests (made-up and committed JSON, no timing).
for t in gate_selftest history_selftest merge_selftest; do
  [ -f "bench/$t.py" ] && [ -x /usr/bin/python3 ] || continue
  echo "== bench/$t.py"
  prefix=
  run_one "$t" /usr/bin/python3 "bench/$t.py"
  prefix=$RUN
done
[ -n "$broken" ] && echo "broken (no summary line or bad exit):$broken"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
