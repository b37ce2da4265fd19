#!/bin/sh
# Install the Debian packages vmx-diff needs, if any are missing.
# Quiet and fast (one dpkg-query) when everything is present.
set -u
PKGS="gcc make binutils bochs bochsbios vgabios qemu-system-x86 grub-pc-bin grub-common \
xorriso mtools python3-pytest python3-pytest-xdist python3-pexpect iproute2 util-linux \
build-essential dpkg-dev libreadline-dev chromium"

missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
    case "$st" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
    echo "deps: error: not root; run as root or: apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
log=${TMPDIR:-/tmp}/vmxdiff-apt.log
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends $missing; } >"$log" 2>&1; then
    echo "deps: error: apt-get failed (see $log):" >&2
    tail -n 5 "$log" >&2
    exit 1
fi
echo "deps: done"
