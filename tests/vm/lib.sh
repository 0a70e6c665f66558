# Helpers for the VM tests; sourced by tests/vm/run-all, inside the VM.
# shellcheck shell=bash

VMDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RB_TOP=$(cd "$VMDIR/../.." && pwd)
KO=$RB_TOP/rust_bond.ko

# Inside a test (a subshell with errexit): stop it with a message.
fail() {
	echo "  FAILED: $*" >&2
	exit 1
}
expect_eq() { # ACTUAL EXPECTED WHAT
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}
expect_match() { # ACTUAL REGEX WHAT
	[[ $1 =~ $2 ]] || fail "$3: '$1' does not match /$2/"
}
expect_no_match() { # ACTUAL REGEX WHAT
	[[ ! $1 =~ $2 ]] || fail "$3: '$1' matches /$2/"
}

# The bond devices that exist, space separated, sorted.
bond_devs() {
	local d out=()
	for d in /sys/class/net/bond*; do [ -d "$d" ] && out+=("${d##*/}"); done
	echo "${out[*]}"
}
module_loaded() { [ -e "/sys/module/$1" ]; }

# load_rust_bond [PARAMS...]: insmod, failing the test if it does not load.
load_rust_bond() {
	local r
	r=$("$VMDIR/modload" "$KO" "$*") || fail "insmod rust_bond.ko $*: $r"
}
# load_bonding [PARAMS...]: the C driver, the oracle. The host's modprobe.d
# sets max_bonds=0, so say how many bonds are wanted.
load_bonding() {
	modprobe bonding "$@" || fail "modprobe bonding $*"
}

# The kernel log lines since the test started (run_test clears the log).
klog() { dmesg; }

# Undo whatever a test left behind, so the next starts clean.
cleanup() {
	local d
	module_loaded rust_bond && rmmod rust_bond
	module_loaded bonding && rmmod bonding
	ip -all netns delete 2>/dev/null
	for d in /sys/class/net/*; do
		case ${d##*/} in veth* | rb*) ip link del "${d##*/}" 2>/dev/null ;; esac
	done
	return 0
}

# run_test NAME: run test function NAME in a subshell with errexit; it
# passes if it returns 0 and the kernel log it produced has no bug report.
run_test() {
	local name=$1 log rc splat
	log=$(mktemp)
	dmesg -C
	(
		set -eE
		trap 'echo "  command failed (status $?): $BASH_COMMAND" >&2' ERR
		"$name"
	) >"$log" 2>&1
	rc=$?
	cleanup >>"$log" 2>&1
	if splat=$(dmesg | "$RB_TOP/scripts/kernel-log-check"); then
		splat=
	fi
	if [ $rc = 0 ] && [ -z "$splat" ]; then
		echo "PASS: vm: $name"
		[ -z "${RB_VERBOSE:-}" ] || sed 's/^/    /' "$log"
	else
		echo "FAIL: vm: $name"
		sed 's/^/    /' "$log"
		[ -z "$splat" ] || printf '    kernel log has a bug report:\n%s\n' "$splat" | sed 's/^/    /'
	fi
	rm -f "$log"
}
