# Shared helpers for rust_bond's scripts. Source it; do not run it.
# shellcheck shell=bash

RB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Everything built or downloaded lives outside the checkout, so a fresh clone
# reuses it and `git clean` never costs a kernel build.
RB_CACHE=${RUST_BOND_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rust_bond}

# Pinned tool versions.
RB_BINDGEN_VERSION=0.70.1
RB_KERNEL_PKG=linux-source-6.12
# Debian's own Rust-enabled kernel (scripts/debian-kernel): the release of
# trixie-backports that rust_bond is tested on, unless RB_DEB_KREL names
# another (an operator's `uname -r`; its package version is then looked
# up in the archive unless RB_DEB_KVER gives it).
RB_DEB_SUITE=${RB_DEB_SUITE:-trixie-backports}
if [ -z "${RB_DEB_KREL:-}" ]; then
	RB_DEB_KREL=7.3.4+deb13-amd64
	RB_DEB_KVER=7.3.4-1~bpo13+1
fi
RB_DEB_KVER=${RB_DEB_KVER:-}
RB_BINDGEN=$RB_CACHE/bindgen-$RB_BINDGEN_VERSION/bin/bindgen
# Debian's rustc-web: the rustup toolchains have no rust-src, which the
# kernel needs to build `core`.
RB_RUSTC=/usr/bin/rustc

step() { printf '==> %s\n' "$*" >&2; }
die() {
	printf 'error: %s\n' "$1" >&2
	[ $# -gt 1 ] && printf '  fix: %s\n' "$2" >&2
	exit 1
}
