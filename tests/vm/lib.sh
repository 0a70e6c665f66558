# Helpers for the VM tests; sourced by tests/vm/run-all, inside the VM.
# shellcheck shell=bash

VMDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RB_TOP=$(cd "$VMDIR/../.." && pwd)
# The tree the module was built in and the kernel build it was built
# against (tests/run sets them for the debug kernel).
RB_BUILD=${RB_BUILD:-$RB_TOP}
KO=$RB_BUILD/rust_bond.ko

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
		case ${d##*/} in veth* | rb* | eth[0-9]* | *.*) ip link del "${d##*/}" 2>/dev/null || true ;; esac
	done
	hw_reset
	return 0
}

# The emulated NICs (scripts/vm-run) and their MAC addresses.
declare -A HW_MAC=([hw0]=52:54:00:00:0c:0a [hwp0]=52:54:00:00:0c:0b
	[hw1]=52:54:00:00:0c:1a [hwp1]=52:54:00:00:0c:1b)

# hw_reset: the emulated NICs back as the VM booted them: in this
# namespace (a deleted one gives them back asynchronously), down, with
# their MACs, no master.
HW_PRESENT=$([ -e /sys/class/net/hw0 ] && echo 1)
# Only after a test used them (hw_ports, tests/vm/cable): a reset costs a
# dozen commands, and cleanup runs after every scenario.
HW_USED=/tmp/rb-hw-used
hw_reset() {
	local n
	[ -n "$HW_PRESENT" ] && [ -e "$HW_USED" ] || return 0
	rm -f "$HW_USED"
	"$VMDIR/cable" 0 up
	"$VMDIR/cable" 1 up
	for n in "${!HW_MAC[@]}"; do
		wait_for test -e "/sys/class/net/$n" || echo "hw_reset: $n did not come back" >&2
		ip link set "$n" nomaster 2>/dev/null
		ip link set "$n" down 2>/dev/null
		ip link set "$n" address "${HW_MAC[$n]}" 2>/dev/null
	done
	return 0
}

# run_test NAME: run test function NAME in a subshell with errexit; it
# passes if it returns 0 and the kernel log it produced has no bug report.
run_test() {
	local name=$1 log rc splat start=$SECONDS
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
	echo "    ($((SECONDS - start)) s)"
	rm -f "$log"
}

# kmemleak_scan: what kmemleak reports now (nothing without kmemleak).
kmemleak_scan() {
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
}

# --- Topologies and drivers for the bonding tests ---

# The two drivers under comparison: "bonding" (the C oracle) and "rust".
# load_driver DRV PARAMS...: load it with module options PARAMS (one bond
# unless max_bonds is given).
load_driver() {
	local drv=$1
	shift
	case $drv in
	bonding) case " $* " in *" max_bonds="*) load_bonding "$@" ;; *) load_bonding max_bonds=1 "$@" ;; esac ;;
	rust) load_rust_bond "$@" ;;
	# Another build of rust_bond.ko (make bench's RB_BENCH_OTHER_KO).
	other) KO=${RB_BENCH_OTHER_KO:?no other build} load_rust_bond "$@" ;;
	*) fail "unknown driver $drv" ;;
	esac
}
unload_driver() {
	case $1 in bonding) rmmod bonding ;; rust | other) rmmod rust_bond ;; esac
}

# peer_bridge ADD N: namespace "peer" with bridge br0 (MAC
# 02:00:00:00:00:fe), then "ADD I" for I in 0..N-1 (which puts the peer end
# of port I there, on br0, up), then br0 up with 192.0.2.2/24.
peer_bridge() {
	local add=$1 n=$2 i
	# No IPv6 chatter (router/neighbour solicitations, MLD): the tests
	# count frames.
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip netns add peer
	ip netns exec peer sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n peer link set lo up
	ip -n peer link add br0 address 02:00:00:00:00:fe type bridge
	ip -n peer link set br0 type bridge forward_delay 0
	for ((i = 0; i < n; i++)); do "$add" "$i"; done
	ip -n peer link set br0 up
	ip -n peer addr add 192.0.2.2/24 dev br0
}

# mk_ports N: ports eth0..eth<N-1> (down, MACs 02:00:00:00:00:<i+1, hex>),
# each a veth whose peer p<i> is up in namespace "peer" on bridge br0,
# which has 192.0.2.2/24 and MAC 02:00:00:00:00:fe.
mk_ports() { peer_bridge veth_port "$1"; }
veth_port() {
	ip link add "eth$1" address "$(printf '02:00:00:00:00:%02x' $(($1 + 1)))" type veth peer name "p$1" netns peer
	ip -n peer link set "p$1" master br0 up
}

# gateway_ports PORT...: the peer's ports answer ARP only for their own
# addresses (none), so that 192.0.2.2 (br0's) answers only through the
# bridge, as a gateway behind a switch does. Linux answers for any of its
# addresses on any interface (IPv6 only on the address's own interface).
gateway_ports() {
	local p
	for p; do ip netns exec peer sysctl -qw "net.ipv4.conf.$p.arp_ignore=1"; done
}

# hw_ports: the emulated NICs as a topology like mk_ports': hw0 and hw1
# for the bond, their cable peers hwp0 and hwp1 up in namespace "peer" on
# bridge br0 (192.0.2.2/24, MAC 02:00:00:00:00:fe).
hw_ports() {
	: >"$HW_USED"
	peer_bridge hw_port 2
}
hw_port() {
	ip link set "hwp$1" netns peer
	ip -n peer link set "hwp$1" master br0 up
}

# hw_active PORT: waits until both emulated ports' links are up, then makes
# PORT the active one. (virtio-net reports its carrier a little after its
# first open, so which port's link comes up first, and becomes active, is
# a race without this.)
hw_active() {
	wait_for grep -qx up /sys/class/net/hw0/bonding_slave/mii_status || echo "hw0's link is not up"
	wait_for grep -qx up /sys/class/net/hw1/bonding_slave/mii_status || echo "hw1's link is not up"
	echo "$1" >/sys/class/net/bond0/bonding/active_slave
	wait_for active_is "$1" || echo "$1 is not the active port"
}

# now_ms: a clock in milliseconds, for timing a change.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# klog_ms LOG REGEX: the kernel's time, in ms, of LOG's first line (dmesg's
# "[  secs.usecs] text") whose text matches REGEX; nothing if none does.
klog_ms() {
	local l s us re='^\[ *([0-9]+)\.([0-9]{6})\] (.*)$'
	while IFS= read -r l; do
		[[ $l =~ $re ]] || continue
		s=${BASH_REMATCH[1]} us=${BASH_REMATCH[2]}
		if [[ ${BASH_REMATCH[3]} =~ $2 ]]; then
			echo $((s * 1000 + 10#$us / 1000))
			return
		fi
	done <<<"$1"
}

# capture OUT CMD...: runs CMD (a tcpdump -l) in the background with its
# output in OUT, and returns once it is listening (tcpdump says so on
# stderr), so that nothing sent after it is missed; CAPTURE is its pid.
capture() {
	local out=$1
	shift
	"$@" >"$out" 2>"$out.err" &
	CAPTURE=$!
	wait_for grep -q 'listening on' "$out.err" || echo "capture: $* is not listening: $(cat "$out.err")" >&2
}

# peer_rx pN: packets the peer received on its port pN.
peer_rx() { ip netns exec peer cat "/sys/class/net/$1/statistics/rx_packets"; }

# bond_ip: give bond0 192.0.2.1/24 and bring it up.
bond_up_ip() {
	ip link set bond0 up
	ip addr add 192.0.2.1/24 dev bond0
}

# writes_in DIR: each line "FILE 'VALUE'" of stdin written to DIR/FILE
# (tests/vm/sysfs-write), printed with the errno the write got.
writes_in() {
	local f v
	while read -r f v; do
		[ -n "$f" ] || continue
		v=${v//\'/}
		printf '%s %s -> %s\n' "$f" "$v" "$("$VMDIR/sysfs-write" "$1/$f" "$v" || true)"
	done
}

# enslave PORT...: through sysfs, as ifenslave does.
enslave() {
	local p
	for p; do echo "+$p" >/sys/class/net/bond0/bonding/slaves; done
}

# wait_for CMD... : until CMD succeeds, for up to RB_WAIT_MS (default 5000;
# tests/run sets more for the debug kernel).
wait_for() {
	# A deadline, not a count: on the debug kernel every command is slower.
	local t=${EPOCHREALTIME/./} end
	end=$((t / 1000 + ${RB_WAIT_MS:-5000}))
	until "$@"; do
		t=${EPOCHREALTIME/./}
		[ $((t / 1000)) -lt $end ] || return 1
		sleep 0.05
	done
}
# wait_line FILE REGEX: until FILE's first line matches REGEX (for up to
# RB_WAIT_MS), reading it with bash's own read and no sleep: a state that
# lasts a few ticks (updelay's "going back") is missed by a poll that forks
# a grep and sleeps, on the debug kernel.
wait_line() {
	local t=${EPOCHREALTIME/./} end l
	end=$((t / 1000 + ${RB_WAIT_MS:-5000}))
	while :; do
		read -r l <"$1" && [[ $l =~ $2 ]] && return 0
		t=${EPOCHREALTIME/./}
		[ $((t / 1000)) -lt $end ] || return 1
	done
}
active_is() {
	local a=
	read -r a </sys/class/net/bond0/bonding/active_slave
	[ "$a" = "$1" ]
}

# every_bond_file: "name: content" of every file under bonding/, sorted,
# each line of the content ended by "|". (Bash reads them: a cat and a tr
# per file cost most of a differential's time on the debug kernel.) The
# path monitor's files are rust_bond's own (t_path_monitor.sh tests them).
every_bond_file() {
	local f l s
	for f in /sys/class/net/bond0/bonding/*; do
		[[ ${f##*/} != path_* ]] || continue
		s=
		while IFS= read -r l; do s+="$l|"; done <"$f"
		printf '%s: %s\n' "${f##*/}" "$s$l"
	done
}

# proc_text: /proc/net/bonding/bond0 without the version line.
proc_text() { tail -n +2 /proc/net/bonding/bond0; }

# differential NAME SCENARIO PARAMS...: runs shell function SCENARIO with
# each driver loaded with PARAMS (in a fresh topology) and fails if what
# it prints differs.
differential() {
	local name=$1 scenario=$2 c r
	shift 2
	dmesg -C
	c=$(load_driver bonding "$@" && "$scenario" bonding 2>&1; cleanup >/dev/null 2>&1)
	dmesg -C
	r=$(load_driver rust "$@" && "$scenario" rust 2>&1; cleanup >/dev/null 2>&1)
	if [ "$c" != "$r" ]; then
		echo "--- $name: bonding.ko vs +++ rust_bond:"
		diff <(echo "$c") <(echo "$r") | head -n 60
		fail "$name: rust_bond differs from bonding.ko"
	fi
	[ -n "$c" ] || fail "$name: the scenario printed nothing"
	echo "$name: identical (${#c} bytes)"
	# For the test to check what both printed.
	DIFF_OUT=$c
}

# expect_lines WHAT LINE...: each LINE (a grep -E pattern) is a line of
# DIFF_OUT, what the last differential printed.
expect_lines() {
	local what=$1 l
	shift
	for l; do
		grep -qxE -- "$l" <<<"$DIFF_OUT" || fail "$what: no line /$l/ in:
$DIFF_OUT"
	done
}

# The hashing modes' network (balance-xor, balance-tlb).
# xor_net: three ports up; bond0 with 192.0.2.1/24 and 2001:db8::1/64, a
# VLAN bond0.10 (198.51.100.1/24) and a macvlan mv0 with its own MAC
# (203.0.113.1/24); each destination xorflows uses a fixed neighbour entry
# with a MAC of its own, so that nothing but the flows is sent. (The MACs'
# last bytes do not follow the addresses': under layer2+3 the two would
# cancel out.)
xor_net() {
	local i
	mk_ports 3
	enslave eth0 eth1 eth2
	sysctl -qw net.ipv6.conf.bond0.accept_ra=0 net.ipv6.conf.bond0.router_solicitations=0 \
		net.ipv6.conf.bond0.dad_transmits=0 net.ipv6.conf.bond0.disable_ipv6=0
	bond_up_ip
	ip addr add 2001:db8::1/64 dev bond0 nodad
	ip link add link bond0 name bond0.10 type vlan id 10
	ip link add mv0 link bond0 address 02:00:00:00:02:01 type macvlan mode bridge
	ip link set bond0.10 up
	ip link set mv0 up
	ip addr add 198.51.100.1/24 dev bond0.10
	ip addr add 203.0.113.1/24 dev mv0
	for i in 2 3 4 5; do
		ip neigh replace "192.0.2.$i" lladdr "$(printf '02:00:00:00:01:%02x' $((i * 37)))" dev bond0 nud permanent
		ip neigh replace "2001:db8::$i" lladdr "$(printf '02:00:00:00:02:%02x' $((i * 41)))" dev bond0 nud permanent
	done
	for i in 2 3; do
		ip neigh replace "198.51.100.$i" lladdr "$(printf '02:00:00:00:03:%02x' $((i * 43)))" dev bond0.10 nud permanent
		ip neigh replace "203.0.113.$i" lladdr "$(printf '02:00:00:00:04:%02x' $((i * 47)))" dev mv0 nud permanent
	done
	wait_for sh -c '[ $(grep -c "^MII Status: up" /proc/net/bonding/bond0) -eq 4 ]' || echo "ports not all up"
}

flows() { "$VMDIR/xorflows" eth0 eth1 eth2 | sed "s/^/$1: /"; }
