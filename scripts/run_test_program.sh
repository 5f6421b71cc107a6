#!/bin/sh
# run_test_program.sh NAME OUTDIR — runs one program of `make test` (see
# scripts/run_tests.sh, which hands them out JOBS at a time) and writes its
# output, exit status and wall seconds to OUTDIR/NAME.out, .rc and .secs,
# then prints one progress line. NAME is a tests/test_*.c binary (run through
# $RUN: qemu for a cross build), `conformance` (the quick matrix), a
# tests/*.sh script or a bench/*_selftest.py self-test (both run on the host
# and get RUN and BUILD from the environment).
set -u
name=$1 dir=$2
BUILD=${BUILD:-build}
t0=$(date +%s)
case $name in
  test_*) ${RUN:-} "$BUILD/tests/$name" ;;
  conformance) ${RUN:-} "$BUILD/rnnsimd-conformance" --quick ;;
  *_selftest) /usr/bin/python3 "bench/$name.py" ;;
  *) sh "tests/$name.sh" "$BUILD" ;;
esac >"$dir/$name.out" 2>&1
echo $? >"$dir/$name.rc"
secs=$(( $(date +%s) - t0 ))
echo "$secs" >"$dir/$name.secs"
echo "-- done: $name ($secs s)"
