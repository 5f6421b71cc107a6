#!/bin/sh
# valgrind.sh — `make valgrind`: memcheck (--error-exitcode=1, leaks
# included) over the quick unit tests and a small conformance subset on the
# generic table, to catch reads of uninitialised memory that ASan does not
# see. Uses the normal build ($BUILD, default build/). Ends with
# `N passed, N failed` summed over the programs run.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
GROUP=valgrind sh scripts/deps.sh check || exit 1
VG="valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect --track-origins=yes --quiet"
total_p=0; total_f=0
run() {
  name=$1; shift
  t0=$(date +%s)
  out=$($VG "$@" 2>&1); rc=$?
  last=$(printf '%s\n' "$out" | grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' | tail -n 1)
  p=$(printf '%s' "$last" | sed -nE 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/p')
  f=$(printf '%s' "$last" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
  p=${p:-0}; f=${f:-0}
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  total_p=$((total_p + p)); total_f=$((total_f + f))
  echo "valgrind $name: $p passed, $f failed (exit $rc, $(( $(date +%s) - t0 )) s)"
  [ $rc -eq 0 ] || printf '%s\n' "$out" | grep -E '^==[0-9]+==' | head -30
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rnnsimd_valgrind.XXXXXX") || { echo "valgrind: mktemp failed"; echo "0 passed, 1 failed"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
# Every cell and topology once, generic table; oneDNN is left out (its JIT
# code is not ours and is slow under valgrind). It takes most of the time
# (memcheck runs one thread), so it runs beside the unit tests, its output
# and totals kept apart; a run that leaves no totals counts as a failure.
( RNNSIMD_ISA=generic run "conformance (generic, quick, no onednn)" \
    "$BUILD/rnnsimd-conformance" --quick --isa generic --no-onednn
  echo "$total_p $total_f" >"$tmp/conformance.totals" ) >"$tmp/conformance.out" 2>&1 &
# The unit tests that take a second or less natively (memcheck is ~30x slower).
for t in test_npy test_fuzz_replay test_hostile test_concurrency test_nomem; do
  [ -x "$BUILD/tests/$t" ] && run "$t" "$BUILD/tests/$t"
done
wait
cat "$tmp/conformance.out"
if read -r cp cf <"$tmp/conformance.totals" 2>/dev/null; then
  total_p=$((total_p + cp)); total_f=$((total_f + cf))
else
  echo "valgrind conformance: no result"; total_f=$((total_f + 1))
fi
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
