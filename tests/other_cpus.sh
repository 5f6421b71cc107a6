#!/bin/sh
# other_cpus.sh — "never SIGILL, a clear refusal" on CPUs that really lack a
# feature, not one hidden by RNNSIMD_CPU_MASK: the build's own binaries run
# under qemu's model of an older CPU of the same architecture.
#   x86-64 build: qemu-x86_64 -cpu max, which emulates AVX2 and FMA but no
#     AVX-512 at all. An AVX-512 instruction anywhere outside the avx512
#     table's guarded code (a baseline file built with AVX-512 flags, a
#     dispatch check that trusts the wrong bit) dies of SIGILL here, where
#     the mask would not notice.
#   and under -cpu qemu64 (SSE2 only, no FMA): the generic table, whose
#     software fmaf must give the golden bits (a quick conformance subset).
#   aarch64 build (RUN is qemu-aarch64): QEMU_CPU=cortex-a72, an Armv8.0
#     core with NEON and no BF16 (the default, -cpu max, has BF16).
# Each: dispatch, every cell x topology on the tables that run (test_plan),
# the bf16 refusals and witnesses (test_plan_bf16, test_bf16, test_bf16_neon:
# a BFDOT or vdpbf16ps the dispatch let through dies here), what the
# rnnsimd command says and (on Arm) what the conformance runner skips.
# Without qemu for the build's architecture (a fresh x86-64 machine before
# `make deps ARCH=aarch64`), it says so and checks nothing.
# Usage: BUILD=build sh tests/other_cpus.sh. Ends with `N passed, N failed`.
set -u
BUILD=${1:-${BUILD:-build}}
. "$(dirname "$0")/cli_lib.sh"
cli_setup other_cpus

# A sanitizer's shadow memory does not fit under qemu-user (it is killed).
if grep -q -a -e __asan_init -e __tsan_init "$BUILD/rnnsimd"; then
  echo "skipped: a sanitizer build ($BUILD) does not run under qemu-user"
  echo "0 passed, 0 failed"; exit 0
fi
case ${RUN:-} in
  *qemu-aarch64*)
    export QEMU_CPU=cortex-a72
    Q=$RUN
    what="an Armv8.0 core without BF16 (qemu-aarch64, QEMU_CPU=cortex-a72)" ;;
  *)
    if ! q=$(command -v qemu-x86_64); then
      echo "skipped: qemu-x86_64 is not installed (make deps ARCH=aarch64 installs qemu-user)"
      echo "0 passed, 0 failed"; exit 0
    fi
    Q="$q -cpu max"
    what="an x86-64 CPU with AVX2 and FMA, no AVX-512 (qemu-x86_64 -cpu max)" ;;
esac
echo "emulating $what"
R="$Q $BUILD/rnnsimd"

# program NAME: a test program runs to its end and fails nothing here.
program() {
  o=$($Q "$BUILD/tests/$1" 2>&1); rc=$?
  last=$(printf '%s\n' "$o" | tail -n 1)
  case $rc:$last in
    "0:"*" passed, 0 failed") ok; echo "$1: $last" ;;
    *) bad "$1 under $what: exit $rc, '$last'"
       printf '%s\n' "$o" | grep -E 'FAIL|signal|Illegal' | head -n 5 | sed 's/^/    /' ;;
  esac
}
for t in test_dispatch test_plan test_plan_bf16 test_bf16 test_bf16_neon; do program "$t"; done

$R make-case --cell lstm --out "$TMP/case" >"$TMP/make-case.log" 2>&1 ||
  bad "make-case failed: $(head -n 2 "$TMP/make-case.log")"
case ${QEMU_CPU:-} in
  cortex-a72)
    expect 0 "bf16 on:  generic (not neon: CPU lacks bf16)" $R info
    expect 0 "on neon" $R run --cell lstm --in "$TMP/case" --out "$TMP/o1"
    expect 1 "--dtype bf16 --isa auto: CPU lacks bf16" \
      $R run --cell lstm --in "$TMP/case" --out "$TMP/o2" --dtype bf16
    # The conformance runner runs neon's float32 cases and skips its bf16
    # runs with a note, not a failure and not a silent pass; the bf16
    # cases still run on the generic table's emulation.
    expect 0 "neon     skipped 6 bf16 runs: this CPU lacks bf16" \
      $Q "$BUILD/rnnsimd-conformance" --quick --no-onednn --cell lstm --topology many2one
    case $out in
      *"generic  skipped"*) bad "conformance skipped the generic table under cortex-a72" ;;
      *" 0 failed") ok ;;
      *) bad "conformance under cortex-a72: $(printf '%s\n' "$out" | tail -n 1)" ;;
    esac
    ;;
  *)
    expect 0 "avx512    refused: CPU lacks avx512f" $R info
    case $out in *"selected: avx2"*) ok ;; *) bad "info does not select avx2: $out" ;; esac
    expect 0 "on avx2" $R run --cell lstm --in "$TMP/case" --out "$TMP/o1"
    expect 1 "--isa avx512: CPU lacks avx512f" \
      $R run --cell lstm --in "$TMP/case" --out "$TMP/o2" --isa avx512
    expect 1 "--dtype bf16 --isa auto: the avx2 table has no bf16 products" \
      $R run --cell lstm --in "$TMP/case" --out "$TMP/o3" --dtype bf16
    expect 3 "CPU=avx512 cannot run here: CPU lacks avx512f" \
      $Q "$BUILD/rnnsimd-bench" --cpu=avx512 --list
    ;;
esac
# bf16 stays possible everywhere on the generic table's emulation.
expect 0 "on generic (bf16)" \
  $R run --cell lstm --in "$TMP/case" --out "$TMP/o4" --dtype bf16 --isa generic

# x86-64 without FMA or AVX (qemu64: SSE2): the generic table's chains then
# run the C library's software fmaf, and must give the golden kernels= bits
# that FMA hardware gave (design.md §9.2). OPENBLAS_CORETYPE (set in some
# environments) would make OpenBLAS, which the runner's LAPACKE uses, run its
# AVX2 kernels whatever the CPU. No oneDNN cross-check: oneDNN 2.6's JIT code
# dies of SIGSEGV under qemu-x86_64 on any CPU model.
if [ -z "${QEMU_CPU:-}" ]; then
  Q0="$q -cpu qemu64"
  expect 0 "selected: generic" $Q0 "$BUILD/rnnsimd" info
  expect 0 "give the golden kernels= hash" env -u OPENBLAS_CORETYPE $Q0 \
    "$BUILD/rnnsimd-conformance" --quick --isa generic --mode threads1 --no-onednn \
    --cell lstm --topology many2many,seq2seq
  case $out in *" 0 failed"*) ok ;; *) bad "conformance on qemu64: $(printf '%s\n' "$out" | tail -n 1)" ;; esac
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
