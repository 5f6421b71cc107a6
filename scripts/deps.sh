#!/bin/sh
# deps.sh check|install — the Debian packages rnnsimd builds against.
# check: if any is missing, install them when root on Debian (saying so),
# otherwise print the exact command and fail.
set -eu
mode=${1:-check}
arch=${ARCH:-$(uname -m)}
pkgs="gcc g++ make libbenchmark-dev libbenchmark-tools libxxhash-dev liblapacke-dev
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
# main list: GROUP=fuzz (make fuzz: clang + libFuzzer), GROUP=valgrind.
case ${GROUP:-} in
  fuzz) pkgs="clang libclang-rt-14-dev" ;;
  valgrind) pkgs="valgrind" ;;
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
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "deps: installing missing Debian packages:$missing"
  sh -c "export DEBIAN_FRONTEND=noninteractive; $cmd" >/tmp/rnnsimd-deps.log 2>&1 || {
    echo "deps: apt-get failed; see /tmp/rnnsimd-deps.log" >&2; tail -20 /tmp/rnnsimd-deps.log >&2; exit 1; }
  exit 0
fi
echo "deps: missing Debian packages:$missing" >&2
echo "deps: run as root:  $cmd" >&2
exit 1
