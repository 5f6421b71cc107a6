#!/bin/sh
# deps.sh check|install — the Debian packages rnnsimd builds against.
# check: if any is missing, install them when root on Debian (saying how many
# packages apt will install and how much it downloads, then showing progress),
# otherwise print the exact command and fail. install: the same, and says so
# when nothing is missing. The full apt-get output goes to /tmp/rnnsimd-deps.log.
set -eu
mode=${1:-check}
arch=${ARCH:-$(uname -m)}
log=${DEPS_LOG:-/tmp/rnnsimd-deps.log}
pkgs="gcc g++ make pkg-config libbenchmark-dev libbenchmark-tools libxxhash-dev liblapacke-dev
libopenblas-dev libdnnl-dev libmpfr-dev python3-scipy gnuplot-nox"
# Cross aarch64 (Debian multiarch; ~125 packages, about 30 s with a near mirror).
# oneDNN: only the runtime libdnnl2:arm64, since libdnnl-dev:arm64 conflicts with
# the host's libdnnl-dev over dnnl_config.h; the Makefile links it by file name.
if [ "$arch" = aarch64 ] && [ "$(uname -m)" != aarch64 ]; then
  pkgs="$pkgs gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user
libxxhash-dev:arm64 liblapacke-dev:arm64 libopenblas-dev:arm64 libmpfr-dev:arm64
libbenchmark-dev:arm64 libdnnl2:arm64"
fi
# Optional groups, installed only by the targets that need them, not by CI's
# main list: GROUP=fuzz (make fuzz: clang + libFuzzer), GROUP=valgrind,
# GROUP=coverage (make coverage: gcovr, python3-coverage).
case ${GROUP:-} in
  fuzz) pkgs="clang libclang-rt-14-dev" ;;
  valgrind) pkgs="valgrind" ;;
  coverage) pkgs="gcovr python3-coverage" ;;
esac
missing=""
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && [ "$mode" = check ] && exit 0
[ -z "$missing" ] && { echo "deps: all packages present"; exit 0; }
cmd="apt-get update && apt-get install -y$missing"
case "$missing" in *:arm64*) cmd="dpkg --add-architecture arm64 && $cmd";; esac

# What apt would install for the missing ones, dependencies included: the
# number of packages (simulation) and the bytes to download (--print-uris:
# one line per .deb not in apt's cache, its size the third field).
plan() {
  command -v apt-get >/dev/null 2>&1 || { echo "(no apt-get here: not Debian?)"; return; }
  n=$(apt-get install -s -y $missing 2>/dev/null | grep -c '^Inst ') || n=""
  mb=$(apt-get install --print-uris -qq -y $missing 2>/dev/null |
       awk '$1 ~ /^\047/ { s += $3 } END { printf "%.0f", s / 1e6 }') || mb=""
  if [ -n "$n" ] && [ "$n" -gt 0 ]; then
    echo "$n packages, $mb MB to download"
  else
    echo "package count unknown until apt-get update"
  fi
}

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  : >"$log"
  fail() { echo "deps: $1 failed; see $log" >&2; tail -20 "$log" >&2; exit 1; }
  echo "deps: missing Debian packages:$missing"
  case "$missing" in *:arm64*) dpkg --add-architecture arm64 >>"$log" 2>&1 || fail "dpkg --add-architecture arm64";; esac
  echo "deps: apt-get update (the package lists)..."
  apt-get update >>"$log" 2>&1 || fail "apt-get update"
  echo "deps: apt-get will install $(plan)"
  # apt's machine-readable status (APT::Status-Fd, here fd 3) becomes one
  # line per tenth of the download and of the installation.
  { apt-get -o APT::Status-Fd=3 install -y $missing 3>&1 >>"$log" 2>&1; echo "rc $?"; } |
    awk -F: '
      /^rc / { rc = substr($0, 4) + 0; next }
      $1 != "dlstatus" && $1 != "pmstatus" { next }
      {   # dlstatus:N:PERCENT:text, pmstatus:PACKAGE[:ARCH]:PERCENT:text
          for (i = 3; i <= NF && $i !~ /^[0-9]+(\.[0-9]*)?$/; i++) ;
          t = int($i / 10)
      }
      $1 == "dlstatus" && t > dl { dl = t; printf "deps: downloading %3d%%\n", t * 10; fflush() }
      $1 == "pmstatus" && t > pm { pm = t; printf "deps: installing  %3d%% (%s)\n", t * 10, $2; fflush() }
      END { exit rc }' || fail "apt-get install"
  echo "deps: installed:$missing"
  exit 0
fi
echo "deps: missing Debian packages:$missing" >&2
echo "deps: apt-get would install $(plan)" >&2
echo "deps: run as root:  $cmd" >&2
exit 1
