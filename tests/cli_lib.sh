# cli_lib.sh — what the command-line test scripts (tests/cli_*.sh) share,
# sourced after they set BUILD: the rnnsimd command R, a scratch directory
# TMP removed on exit, the pass/fail counters and expect. Not run by itself.
#   cli_setup NAME   TMP (rnnsimd_NAME.XXXXXX), its trap, and a clear
#                    failure when $BUILD/rnnsimd is not built
#   expect CODE NEEDLE CMD...   exit code CODE and NEEDLE in stdout+stderr
# Each script ends with `echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]`.
R="${RUN:-} $BUILD/rnnsimd"
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

cli_setup() {
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/rnnsimd_$1.XXXXXX") || exit 1
  trap 'rm -rf "$TMP"' EXIT INT TERM
  if [ ! -x "$BUILD/rnnsimd" ]; then
    echo "FAIL: $BUILD/rnnsimd not built"; echo "0 passed, 1 failed"; exit 1
  fi
}

# The output of the last expect is left in $out for a caller to look into.
expect() {
  want=$1; needle=$2; shift 2
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -ne "$want" ]; then
    bad "exit $rc (expected $want): $*"; printf '%s\n' "$out" | sed 's/^/    /' | head -5; return
  fi
  case $out in
    *"$needle"*) ok ;;
    *) bad "no '$needle' in output of: $*"; printf '%s\n' "$out" | sed 's/^/    /' | head -5 ;;
  esac
}
