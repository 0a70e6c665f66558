# The ARP monitor (arp_interval, arp_ip_target, arp_validate,
# arp_all_targets, arp_missed_max) and per-port prio, compared with
# bonding.ko.
# shellcheck shell=bash

# The ARP options through sysfs, netlink, /proc and the load: what each
# write answers and logs, and what is read back.
scenario_arp_options() {
	local W=$VMDIR/sysfs-write B=/sys/class/net/bond0/bonding f
	mk_ports 2
	writes_in $B <<-'WRITES'
		arp_ip_target '192.0.2.2'
		arp_ip_target '+192.0.2.2'
		arp_ip_target '+192.0.2.2'
		arp_ip_target '+0.0.0.0'
		arp_ip_target '+255.255.255.255'
		arp_ip_target '+224.0.0.9'
		arp_ip_target '+1.2.3'
		arp_ip_target '-192.0.2.77'
		arp_ip_target '-224.0.0.9'
		arp_ip_target '+192.0.2.3\n'
		arp_interval '100'
		arp_interval 'x'
		arp_interval '-1'
		arp_validate 'filter_backup'
		arp_validate '7'
		arp_validate 'all'
		arp_all_targets 'all'
		arp_all_targets '2'
		arp_missed_max '0'
		arp_missed_max '256'
		arp_missed_max '3'
	WRITES
	dmesg | sed -n 's/^\[[^]]*\] //p' | grep 'bond0:'
	dmesg -C
	for f in arp_ip_target arp_interval arp_validate arp_all_targets arp_missed_max miimon; do
		printf '%s: %s\n' $f "$(cat $B/$f)"
	done
	grep -E '^(MII|ARP|NS)' /proc/net/bonding/bond0
	ip -d link show bond0 | grep -oE '(arp|miimon|ns_ip6)[a-z_0-9]* [^ ]*'
	# The two monitors exclude each other.
	printf 'miimon 100 -> %s\n' "$("$W" $B/miimon 100)"
	for f in arp_interval arp_validate miimon; do printf '%s: %s\n' $f "$(cat $B/$f)"; done
	printf 'arp_interval 200 -> %s\n' "$("$W" $B/arp_interval 200)"
	for f in arp_interval miimon; do printf '%s: %s\n' $f "$(cat $B/$f)"; done
	# Netlink: the list is replaced; one in the same request as miimon is
	# refused.
	try_ip link set bond0 type bond arp_ip_target 192.0.2.7,192.0.2.8
	cat $B/arp_ip_target
	try_ip link set bond0 type bond miimon 100 arp_interval 100
	try_ip link set bond0 type bond arp_ip_target 192.0.2.9,0.0.0.0,192.0.2.10
	cat $B/arp_ip_target
	try_ip link set bond0 type bond arp_missed_max 0
	dmesg | sed -n 's/^\[[^]]*\] //p' | grep 'bond0:' | grep -v 'link becomes ready'
	dmesg -C
	# The ports, and removing the last target with the monitor on.
	enslave eth0 eth1
	grep -H . /sys/class/net/eth{0,1}/bonding_slave/mii_status
	echo -192.0.2.9 >$B/arp_ip_target
	dmesg | sed -n 's/^\[[^]]*\] //p' | grep -E 'arp|ARP'
	grep -E '^(ARP|NS)' /proc/net/bonding/bond0 || echo "no ARP lines"
}
test_arp_options_match_bonding() {
	differential "ARP options, mode 1" scenario_arp_options mode=1
}
# The same in balance-rr, on Debian's kernel only: the debug kernel took
# about 150 s for each mode, more than CI's time allows.
# kernel: test
test_arp_options_in_balance_rr_match_bonding() {
	differential "ARP options, mode 0" scenario_arp_options mode=0
}

# Module options of the ARP monitor: accepted as bonding.ko accepts them;
# what bonding.ko resets with a warning fails the load.
test_arp_module_options() {
	local B=/sys/class/net/bond0/bonding r
	load_driver rust mode=1 arp_interval=150 arp_ip_target=192.0.2.2,192.0.2.3,192.0.2.2 \
		arp_validate=active arp_all_targets=all
	expect_eq "$(cat $B/arp_interval) | $(cat $B/arp_ip_target) | $(cat $B/arp_validate) | $(cat $B/arp_all_targets) | $(cat $B/miimon)" \
		"150 | 192.0.2.2 192.0.2.3 | active 1 | all 1 | 0" "options read back"
	expect_match "$(dmesg)" 'ARP monitoring set to 150 ms, validate active, with 2 target\(s\)' "summary line"
	expect_match "$(dmesg)" 'duplicate address 192.0.2.2 in arp_ip_target, skipping' "duplicate warning"
	expect_eq "$(modinfo -F parmtype "$KO" | grep arp_ip_target)" "arp_ip_target:array of charp" "modinfo type"
	rmmod rust_bond
	for r in "miimon=100 arp_interval=100 arp_ip_target=192.0.2.2" "arp_interval=100" \
		"arp_interval=100 arp_ip_target=192.0.2.300" "arp_validate=all" \
		"arp_interval=100 arp_ip_target=192.0.2.2 arp_validate=x"; do
		dmesg -C
		# shellcheck disable=SC2086
		expect_eq "$("$VMDIR/modload" "$KO" "$r" || true)" EINVAL "load with $r"
	done
	expect_match "$(dmesg)" 'invalid arp_validate|Invalid arp_validate' "bad arp_validate named"
}

# path_cut PORT: the peer's end of PORT leaves its bridge, at once both
# ways; the carrier stays up (a switch whose uplink died). path_mend puts
# it back. Scenarios that cut call gateway_ports (lib.sh) first: without
# it a port cut off the bridge still answers, and the path is not dead.
path_cut() { ip -n peer link set "p${1#eth}" nomaster; }
path_mend() { ip -n peer link set "p${1#eth}" master br0; }
# fails_from_here PORT...: port_states counts link failures from now on.
fails_from_here() {
	local p
	for p; do FAILS0[$p]=$(cat "/sys/class/net/$p/bonding_slave/link_failure_count"); done
}
declare -A FAILS0
port_states() {
	local p
	for p; do
		printf '%s %s %s fails %s\n' "$p" "$(cat /sys/class/net/$p/bonding_slave/state)" \
			"$(cat /sys/class/net/$p/bonding_slave/mii_status)" \
			$(($(cat /sys/class/net/$p/bonding_slave/link_failure_count) - ${FAILS0[$p]:-0}))
	done
}
# arp_settled MODE: both ports up and, in active-backup, eth0 active, with
# link failures and the log counted from here. How the ARP monitor starts
# is a race in both drivers, not compared: a port whose first reply comes
# later than two intervals after its enslave goes down once (bonding.ko's
# grace period), which happens on the debug kernel in a loaded VM (seen in
# CI: bonding.ko's eth0 down once and eth1 active, rust_bond's not).
arp_settled() {
	sleep 1
	wait_for link_is eth0 up && wait_for link_is eth1 up || echo "ports not up"
	if [ "$1" = 1 ]; then
		echo eth0 >/sys/class/net/bond0/bonding/active_slave
		wait_for active_is eth0 || echo "eth0 not active"
	fi
	sleep 1
	fails_from_here eth0 eth1
	dmesg -C
}
link_is() { [ "$(cat "/sys/class/net/$1/bonding_slave/mii_status")" = "$2" ]; }

# A dead path with the carrier up: the ARP monitor takes the port down and
# fails over; the path back brings it up again.
scenario_dead_path() {
	local mode
	mode=$(cut -d' ' -f2 /sys/class/net/bond0/bonding/mode)
	mk_ports 2
	gateway_ports p0 p1
	# Up first, as ifenslave does: a port's clocks start at enslave, and
	# one enslaved long before the first tick is down at once (in
	# bonding.ko too).
	bond_up_ip
	enslave eth0 eth1
	arp_settled "$mode"
	port_states eth0 eth1
	path_cut eth0
	wait_for link_is eth0 down || echo "eth0 still up"
	[ "$mode" = 1 ] && { wait_for active_is eth1 || echo "no failover"; }
	port_states eth0 eth1
	grep -E '^(Currently|MII Status)' /proc/net/bonding/bond0 | head -2
	path_mend eth0
	wait_for link_is eth0 up || echo "eth0 not back"
	sleep 0.5
	port_states eth0 eth1
	cat /sys/class/net/bond0/bonding/active_slave
	dmesg | sed -n 's/^\[[^]]*\] //p' | grep -E 'bond0.*(slave|interface)' | grep -vE 'Enslaving|Adding|making interface|link becomes'
}
test_arp_monitor_fails_over_on_a_dead_path() {
	differential "dead path, mode 1" scenario_dead_path mode=1 arp_interval=100 arp_ip_target=192.0.2.2
	expect_lines "dead path, mode 1" "eth0 backup down fails 1" "eth1 active up fails 0" \
		"Currently Active Slave: eth1" "eth0 backup up fails 1"
}
# kernel: release
test_arp_monitor_in_balance_rr_on_a_dead_path() {
	differential "dead path, mode 0" scenario_dead_path mode=0 arp_interval=100 arp_ip_target=192.0.2.2
	expect_lines "dead path, mode 0" "eth0 backup down fails 1" "eth0 active up fails 1" \
		"bond0: \(slave eth0\): interface is now down"
}

# Per-port prio (IFLA_BOND_SLAVE_PRIO): the highest-prio port that is up
# is the active one, unless a primary is set.
scenario_prio() {
	local B=/sys/class/net/bond0/bonding
	mk_ports 3
	enslave eth0 eth1 eth2
	bond_up_ip
	wait_for active_is eth0 || echo "eth0 not active"
	settled() { sleep 0.5; echo "$1: active $(cat $B/active_slave)"; }
	try_ip link set eth2 type bond_slave prio 10
	ip -d link show eth2 | grep -o 'prio [0-9-]*'
	settled "eth2 prio 10"
	ip -n peer link set p2 down
	settled "eth2 carrier off"
	try_ip link set eth1 type bond_slave prio 5
	settled "eth1 prio 5"
	ip -n peer link set p2 up
	settled "eth2 carrier on"
	echo eth0 >$B/primary
	settled "primary eth0"
	try_ip link set eth1 type bond_slave prio -3
	ip -d link show eth1 | grep -o 'prio [0-9-]*'
	settled "eth1 prio -3"
	dmesg | sed -n 's/^\[[^]]*\] //p' | grep -E 'prio|making interface|Primary'
}
test_prio_selects_the_active_port_like_bonding() {
	differential "prio, miimon" scenario_prio mode=1 miimon=100
}

# A target reached through a VLAN on the bond: the probes carry its tag
# and its address, and the replies keep the ports up.
scenario_vlan_probes() {
	mk_ports 2
	ip link set bond0 up
	ip link add link bond0 name bond0.10 type vlan id 10
	ip link set bond0.10 up
	ip addr add 192.0.3.1/24 dev bond0.10
	ip -n peer link add link br0 name br0.10 type vlan id 10
	ip -n peer link set br0.10 up
	ip -n peer addr add 192.0.3.2/24 dev br0.10
	# The ports last: their first probes already find the route.
	enslave eth0 eth1
	# Which port is active after the monitor's start is a race in both
	# drivers (arp_settled); the probes are compared from eth0.
	arp_settled 1
	timeout 10 ip netns exec peer tcpdump -tnlei p0 -c 2 'vlan 10 and arp and arp[6:2] = 1' 2>/dev/null |
		sed -E 's/length [0-9]+//g'
	sleep 1
	grep -H . /sys/class/net/eth{0,1}/bonding_slave/mii_status
	cat /sys/class/net/bond0/bonding/active_slave
}
test_arp_probes_through_a_vlan_like_bonding() {
	differential "VLAN-tagged probes" scenario_vlan_probes mode=1 arp_interval=100 arp_ip_target=192.0.3.2
}

# Each arp_validate value in VALIDATE_VALUES: which ports stay up with a
# working path, and what a dead path on the active port does.
scenario_validate() {
	local v
	for v in $VALIDATE_VALUES; do
		echo "== arp_validate $v"
		mk_ports 2
		gateway_ports p0 p1
		ip link set bond0 down
		echo "$v" >/sys/class/net/bond0/bonding/arp_validate
		bond_up_ip
		enslave eth0 eth1
		arp_settled 1
		port_states eth0 eth1
		path_cut eth0
		wait_for active_is eth1 || echo "no failover"
		sleep 1.2
		port_states eth0 eth1
		echo -eth0 >/sys/class/net/bond0/bonding/slaves
		echo -eth1 >/sys/class/net/bond0/bonding/slaves
		ip addr flush dev bond0
		ip netns del peer
		ip link del eth0 2>/dev/null || true
	done
}
# validate_values VALUE...: the differential for those values; each
# fails over from the dead path.
validate_values() {
	VALIDATE_VALUES="$*" differential "arp_validate $*" scenario_validate mode=1 arp_interval=200 \
		arp_ip_target=192.0.2.2
	expect_eq "$(grep -c -x 'eth0 backup down fails 1' <<<"$DIFF_OUT")" $# "failovers, one per value"
}
# The values split between the kernels (all seven took 6 minutes on the
# debug kernel): here no validation, both kinds of port validated, and a
# filter on the active port alone ...
test_arp_validate_values_like_bonding() {
	validate_values none all filter_active
}
# ... and the other four on Debian's kernel.
# kernel: test
test_arp_validate_other_values_like_bonding() {
	validate_values active backup filter filter_backup
}

# ipv6_on: IPv6 back on (mk_ports turns it off), the peer's bridge with
# 2001:db8::2 and learning nothing: the ports' own MLD reports carry the
# bond's MAC and would teach it, now and then, on a backup's port, so that
# which port hears the target's answers would depend on timing.
ipv6_on() {
	local p
	sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0
	ip netns exec peer sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0
	for p in p0 p1; do ip -n peer link set "$p" type bridge_slave learning off; done
	ip -n peer addr add 2001:db8::2/64 dev br0 nodad
}
ns_groups() {
	local p
	for p; do echo "$p groups: $(ip maddr show dev "$p" | grep -o '33:33:ff:00:00:0[0-9a-f]' | sort | tr '\n' ' ')"; done
}

# The NS options over netlink (bonding.ko has no sysfs file for them):
# what each request answers and logs, what /proc and ip show.
scenario_ns_options() {
	mk_ports 2
	enslave eth0 eth1
	try_ip link set bond0 type bond arp_interval 100 ns_ip6_target 2001:db8::2,2001:db8::3
	ip -d link show bond0 | grep -oE 'ns_ip6_target [^ ]*'
	grep -E '^(ARP|NS)' /proc/net/bonding/bond0
	for t in :: ::1 ff02::1 2001:db8::2,2001:db8::2 2001:db8::4,fe80::9; do
		try_ip link set bond0 type bond ns_ip6_target "$t"
		ip -d link show bond0 | grep -oE 'ns_ip6_target [^ ]*' || echo "no targets"
	done
	try_ip link set bond0 type bond ns_ip6_target "$(seq -s, -f '2001:db8::%g' 1 17)"
	grep -E '^NS' /proc/net/bonding/bond0
	dmesg | sed -n 's/^\[[^]]*\] //p' | grep 'bond0:' | grep -vE 'link becomes ready|Enslaving|Adding'
}
# kernel: release
test_ns_options_match_bonding() {
	differential "NS options" scenario_ns_options mode=1
}

# The NS monitor: a dead IPv6 path with the carrier up fails over; with
# validation, backups join the targets' solicited-node groups.
scenario_ns_dead_path() {
	mk_ports 2
	ipv6_on
	try_ip link set bond0 type bond arp_interval 100 ns_ip6_target 2001:db8::2 arp_validate all
	ip link set bond0 up
	ip addr add 2001:db8::1/64 dev bond0 nodad
	enslave eth0 eth1
	arp_settled 1
	port_states eth0 eth1
	ns_groups eth0 eth1
	path_cut eth0
	wait_for active_is eth1 || echo "no failover"
	sleep 0.5
	port_states eth0 eth1
	ns_groups eth0 eth1
	path_mend eth0
	wait_for link_is eth0 up || echo "eth0 not back"
	port_states eth0 eth1
	echo 0 >/sys/class/net/bond0/bonding/arp_validate
	ns_groups eth0 eth1
}
test_ns_monitor_fails_over_on_a_dead_path() {
	differential "NS dead path" scenario_ns_dead_path mode=1
	expect_lines "NS dead path" "eth0 backup down fails 1" "eth1 active up fails 0"
}

# --- rust_bond's path monitor (path_interval, path_policy): no bonding.ko
# to compare with; what a user sees is asserted directly. ---

path_of() { cat "/sys/class/net/$1/bonding_slave/path_status"; }
path_is() { [ "$(path_of "$1")" = "$2" ]; }
probes_of() { cat "/sys/class/net/$1/bonding_slave/path_probes"; }
rx_at_least() { [ "$(cat "/sys/class/net/$1/bonding_slave/rx_packets")" -ge "$2" ]; }
path_log() { dmesg | sed -n 's/^\[[^]]*\] //p' | grep -E 'path' | grep -v 'link becomes ready'; }
# path_pair PARAMS...: rust_bond loaded with PARAMS, bond0 up with eth0 and
# eth1, both paths up.
path_pair() {
	load_driver rust "$@"
	mk_ports 2
	gateway_ports p0 p1
	bond_up_ip
	enslave eth0 eth1
	wait_for path_is eth0 up && wait_for path_is eth1 up || fail "paths not up: $(path_of eth0) $(path_of eth1)"
}

# The options: what each write answers, what sysfs and /proc show with the
# monitor off (as bonding.ko's) and on, the exclusion of the ARP monitor,
# the module options.
# kernel: test
test_path_monitor_options() {
	local B=/sys/class/net/bond0/bonding out r
	load_driver rust mode=1 miimon=100
	mk_ports 2
	enslave eth0 eth1
	expect_eq "$(cat $B/path_interval) | $(cat $B/path_policy) | $(path_of eth0)" "0 | failover 1 | off" "defaults"
	expect_no_match "$(cat /proc/net/bonding/bond0)" 'Path' "/proc with the monitor off"
	out=$(writes_in $B <<-'WRITES'
		path_interval 'x'
		path_interval '-1'
		path_interval '2147483648'
		path_policy 'fail'
		path_policy '2'
		path_policy 'report'
		path_interval '200'
		arp_interval '100'
		path_policy 'failover'
	WRITES
	)
	expect_eq "$out" "path_interval x -> EINVAL
path_interval -1 -> EINVAL
path_interval 2147483648 -> EINVAL
path_policy fail -> EINVAL
path_policy 2 -> EINVAL
path_policy report -> OK
path_interval 200 -> OK
arp_interval 100 -> EINVAL
path_policy failover -> OK" "writes"
	expect_match "$(dmesg)" 'bond0: option path_interval: invalid value \(x\)' "bad value logged"
	expect_match "$(dmesg)" "bond0: option arp_interval: the path monitor \(path_interval 200\) runs; it and the ARP monitor can't be used simultaneously" "exclusion logged"
	expect_eq "$(cat $B/path_interval) | $(cat $B/path_policy) | $(cat $B/arp_interval)" "200 | failover 1 | 0" "read back"
	# No target yet: nothing to judge.
	expect_eq "$(path_of eth0) $(path_of eth1)" "unknown unknown" "no target"
	echo +192.0.2.2 >$B/arp_ip_target
	ip -6 addr flush dev bond0 2>/dev/null || true
	expect_lines_of "$(grep -E '^(Path|ARP)' /proc/net/bonding/bond0)" \
		'Path Monitor Interval \(ms\): 200' 'Path Policy: failover' 'ARP Missed Max: 2' 'Path targets: 192.0.2.2' \
		'Path Status: unknown' 'Path Failure Count: 0'
	r=$(ip link set bond0 type bond arp_interval 100 2>&1) && fail "netlink arp_interval accepted with the path monitor on"
	expect_match "$r" 'invalid option value' "netlink arp_interval answer"
	echo 0 >$B/path_interval
	expect_no_match "$(cat /proc/net/bonding/bond0)" 'Path' "/proc with the monitor off again"
	expect_eq "$(path_of eth0)" off "path_status with the monitor off"
	# The ARP monitor on: the path monitor is refused.
	echo 100 >$B/arp_interval
	expect_eq "$("$VMDIR/sysfs-write" $B/path_interval 100 || true)" EINVAL "path_interval with the ARP monitor on"
	expect_match "$(dmesg)" "option path_interval: the ARP monitor \(arp_interval 100\) runs" "exclusion logged"
	cleanup >/dev/null 2>&1
	# Every bad input of the matrix to the two files leaves the bond as it
	# was (once it settled: up, a port active, both links up).
	load_driver rust mode=1 miimon=100
	mk_ports 2
	bond_up_ip
	enslave eth0 eth1
	wait_for active_is eth0 && wait_for link_is eth1 up || fail "bond not settled"
	sleep 0.5
	out=$(RB_MATRIX_FILES='^path_' "$VMDIR/sysfs-matrix" $B $B /sys/class/net/eth0/bonding_slave /proc/net/bonding/bond0 \
		-- '   ' '\n' 'abc' '-1' '4294967296' '\x00\x01\xff' '\xc3\x28')
	expect_eq "$(grep -c . <<<"$out")" 14 "matrix writes"
	expect_eq "$(grep -v -- '-> EINVAL$' <<<"$out" || true)" "" "matrix answers"
	rmmod rust_bond
	# Module options.
	load_driver rust mode=1 miimon=100 path_interval=150 path_policy=report arp_ip_target=192.0.2.2
	expect_eq "$(cat $B/path_interval) | $(cat $B/path_policy) | $(cat $B/miimon)" "150 | report 0 | 100" "module options read back"
	expect_match "$(dmesg)" 'path monitoring set to 150 ms, policy report, with 1 arp_ip_target\(s\)' "load summary"
	expect_match "$(modinfo -F parm "$KO" | grep '^path_interval:')" 'in milliseconds; 0 for off' "modinfo"
	rmmod rust_bond
	for r in "path_interval=100 arp_interval=100 arp_ip_target=192.0.2.2" "path_interval=-1" "path_policy=bogus"; do
		dmesg -C
		expect_eq "$("$VMDIR/modload" "$KO" "$r" || true)" EINVAL "load with $r"
		expect_match "$(dmesg)" 'path_interval|path_policy' "load with $r: logged"
	done
}

# expect_lines_of TEXT LINE...: each LINE (a grep -E pattern) is a line of TEXT.
expect_lines_of() {
	local text=$1 l
	shift
	for l; do
		grep -qxE -- "$l" <<<"$text" || fail "no line /$l/ in:
$text"
	done
}

# Active-backup with miimon and the path monitor: the backup's probes come
# from its own address and move nothing on the peer; the active port
# sends none while traffic flows, the backup one in 10 intervals; a dead
# path with the carrier up fails over; a carrier loss still fails over on
# the event. (200 ms: on the debug kernel a 100 pings/s stream has gaps
# of more than half of 100 ms now and then, which rightly probe.)
# kernel: test
test_path_monitor_fails_over_with_miimon() {
	local B=/sys/class/net/bond0/bonding T a b fdb
	T=$(mktemp -d)
	load_driver rust mode=1 miimon=100 path_interval=200 arp_ip_target=192.0.2.2
	mk_ports 2
	gateway_ports p0 p1
	bond_up_ip
	enslave eth0 eth1
	wait_for active_is eth0 || fail "eth0 not active"
	wait_for path_is eth0 up && wait_for path_is eth1 up || fail "paths not up: $(path_of eth0) $(path_of eth1)"
	# The backup's probes: RFC 5227, from its permanent address. What the
	# backup sends is what p1 receives (-Q in): the peer's bridge also
	# floods the bond's own ARP requests, sent by the active port, out of
	# p1.
	capture "$T/p1" ip netns exec peer tcpdump -l -n -e -Q in -i p1 arp
	ping -c 3 -i 0.2 -q 192.0.2.2 >/dev/null || fail "no ping through the bond"
	# A backup probes once in 10 intervals.
	sleep 2.4
	kill "$CAPTURE"; wait "$CAPTURE" 2>/dev/null
	expect_match "$(cat "$T/p1")" '02:00:00:00:00:02 > ff:ff:ff:ff:ff:ff, .*Request who-has 192.0.2.2 tell 0.0.0.0' "backup probe"
	expect_no_match "$(cat "$T/p1")" '^[0-9:.]+ 02:00:00:00:00:01 >' "the bond's MAC from the backup's port"
	fdb=$(bridge -n peer fdb show br br0 | grep '^02:00:00:00:00:01 ')
	expect_match "$fdb" 'dev p0 ' "the peer learned the bond's MAC on the active port"
	expect_no_match "$fdb" 'dev p1 ' "the peer learned the bond's MAC on the backup's port"
	expect_match "$(ip -n peer neigh show 192.0.2.1)" 'lladdr 02:00:00:00:00:01' "the peer's neighbour entry"
	# Traffic to and from the gateway (a frame at least every half
	# interval): the active port probes not at all (once it flows: a tick
	# before the first answer may probe).
	local rx0
	rx0=$(cat /sys/class/net/eth0/bonding_slave/rx_packets)
	ping -c 200 -i 0.01 -q 192.0.2.2 >/dev/null &
	# Once the answers flow (starting ping takes a while on the debug
	# kernel).
	wait_for rx_at_least eth0 $((rx0 + 10)) || fail "no answers to the pings"
	sleep 0.2
	a=$(probes_of eth0)
	sleep 1.4
	b=$(probes_of eth0)
	wait $! || fail "ping lost frames"
	expect_eq "$b" "$a" "the active port's probes while traffic flowed"
	a=$(probes_of eth0)
	b=$(probes_of eth1)
	sleep 4
	[ $(($(probes_of eth1) - b)) -le 3 ] || fail "the backup probed $(($(probes_of eth1) - b)) times in 4 s (20 intervals)"
	# Idle: it does.
	sleep 1
	[ "$(probes_of eth0)" -gt "$a" ] || fail "no probe from the idle active port"
	# The gateway path of eth0 dies, its carrier stays up.
	dmesg -C
	path_cut eth0
	wait_for path_is eth0 down || fail "eth0's path still $(path_of eth0)"
	wait_for active_is eth1 || fail "no failover"
	expect_eq "$(cat /sys/class/net/eth0/bonding_slave/mii_status) $(cat /sys/class/net/eth0/bonding_slave/link_failure_count) $(cat /sys/class/net/eth0/bonding_slave/path_failure_count)" \
		"up 0 1" "eth0: link up, no link failure, one path failure: $(path_log)"
	expect_match "$(path_log)" 'bond0: \(slave eth0\): path to the targets is down$' "logged"
	ping -c 3 -i 0.2 -q 192.0.2.2 >/dev/null || fail "no ping after the failover"
	expect_lines_of "$(sed -n '/Slave Interface: eth0/,$p' /proc/net/bonding/bond0)" 'Path Status: down' 'Path Failure Count: 1'
	path_mend eth0
	wait_for path_is eth0 up || fail "eth0's path not back"
	# miimon still acts on the event: the active port loses its carrier.
	ip -n peer link set p1 down
	wait_for active_is eth0 || fail "no failover on a carrier loss"
	expect_eq "$(cat /sys/class/net/eth1/bonding_slave/mii_status)" down "eth1 link"
	ping -c 3 -i 0.2 -q 192.0.2.2 >/dev/null || fail "no ping after the carrier failover"
	rm -rf "$T"
}

# path_policy=report: the verdict is shown and logged, nothing moves.
test_path_monitor_report_only() {
	path_pair mode=1 miimon=100 path_interval=100 path_policy=report arp_ip_target=192.0.2.2
	path_cut eth0
	wait_for path_is eth0 down || fail "eth0's path still $(path_of eth0)"
	sleep 0.5
	active_is eth0 || fail "report only, but the active port changed"
	expect_match "$(path_log)" 'path to the targets is down \(path_policy report: no action\)' "logged"
	# Switching the policy acts at once.
	echo failover >/sys/class/net/bond0/bonding/path_policy
	wait_for active_is eth1 || fail "no failover after path_policy failover"
}

# balance-rr: a port whose path died leaves the transmit set, so nothing
# is lost; back, it rejoins.
# kernel: test
test_path_monitor_in_balance_rr() {
	local tx0 tx1
	path_pair mode=0 miimon=100 path_interval=100 arp_ip_target=192.0.2.2
	path_cut eth0
	wait_for path_is eth0 down || fail "eth0's path still $(path_of eth0)"
	tx0=$(cat /sys/class/net/eth0/bonding_slave/tx_packets)
	tx1=$(cat /sys/class/net/eth1/bonding_slave/tx_packets)
	ping -c 20 -i 0.05 -q 192.0.2.2 >/dev/null || fail "frames lost with eth0's path dead"
	expect_eq "$(cat /sys/class/net/eth0/bonding_slave/tx_packets)" "$tx0" "eth0 transmitted with a dead path"
	[ "$(cat /sys/class/net/eth1/bonding_slave/tx_packets)" -ge $((tx1 + 20)) ] || fail "eth1 did not carry the traffic"
	path_mend eth0
	wait_for path_is eth0 up || fail "eth0's path not back"
	ping -c 20 -i 0.05 -q 192.0.2.2 >/dev/null || fail "frames lost after the path came back"
	[ "$(cat /sys/class/net/eth0/bonding_slave/tx_packets)" -gt "$tx0" ] || fail "eth0 did not rejoin"
}

# IPv6 targets only: solicitations from the link-local address made of
# each port's own MAC; a dead path fails over. The probes are not
# duplicate address detection: a target whose address is still tentative
# keeps it.
# kernel: test
test_path_monitor_ipv6_target() {
	local T
	T=$(mktemp -d)
	load_driver rust mode=1 miimon=100 path_interval=100
	mk_ports 2
	gateway_ports p0 p1
	ipv6_on
	ip link set bond0 type bond ns_ip6_target 2001:db8::2,2001:db8::3
	ip link set bond0 up
	ip addr add 2001:db8::1/64 dev bond0 nodad
	enslave eth0 eth1
	wait_for active_is eth0 || fail "eth0 not active"
	capture "$T/p1" ip netns exec peer tcpdump -l -n -e -i p1 icmp6 and 'ip6[40] == 135'
	wait_for path_is eth0 up && wait_for path_is eth1 up || fail "paths not up: $(path_of eth0) $(path_of eth1)"
	# The second target's address comes up on the peer, with duplicate
	# address detection, while the ports probe for it.
	ip -n peer addr add 2001:db8::3/64 dev br0
	sleep 2.5
	kill "$CAPTURE"; wait "$CAPTURE" 2>/dev/null
	expect_match "$(cat "$T/p1")" '02:00:00:00:00:02 > 33:33:ff:00:00:02, .* fe80::ff:fe00:2 > ff02::1:ff00:2: ICMP6, neighbor solicitation, who has 2001:db8::2' "the backup's probe"
	expect_match "$(cat "$T/p1")" '82:00:00:00:00:01 > 33:33:ff:00:00:03, .* fe80::8000:ff:fe00:1 > ff02::1:ff00:3: ICMP6, neighbor solicitation, who has 2001:db8::3' "the active port's probe"
	expect_eq "$(grep -E ' 02:00:00:00:00:01 > .*who has 2001:db8::[23]' "$T/p1" || true)" "" "a probe from the bond's MAC"
	expect_eq "$(ip -n peer -6 addr show dev br0 | grep -E 'tentative|dadfailed' || true)" "" "the peer's addresses after its DAD"
	path_cut eth0
	wait_for path_is eth0 down || fail "eth0's path still $(path_of eth0)"
	wait_for active_is eth1 || fail "no failover"
	rm -rf "$T"
}

# The gateway gone for every port: both paths die, and the bond stays
# where it is (no failover to a port whose path is as dead).
# kernel: test
test_path_monitor_gateway_gone_for_all() {
	local B=/sys/class/net/bond0/bonding i moved=
	path_pair mode=1 miimon=100 path_interval=100 arp_ip_target=192.0.2.2
	wait_for active_is eth0 || fail "eth0 not active"
	sleep 0.5
	ip -n peer addr del 192.0.2.2/24 dev br0
	for ((i = 0; i < 40; i++)); do
		active_is eth0 || moved="$moved $(cat $B/active_slave)"
		sleep 0.05
	done
	wait_for path_is eth0 down && wait_for path_is eth1 down || fail "paths: $(path_of eth0) $(path_of eth1)"
	active_is eth0 || moved="$moved $(cat $B/active_slave)"
	expect_eq "$moved" "" "active port changes with the gateway gone"
	expect_eq "$(cat /sys/class/net/eth1/bonding_slave/failovers)" 0 "eth1's failovers"
	# The gateway back: both paths up, no move either.
	ip -n peer addr add 192.0.2.2/24 dev br0
	wait_for path_is eth0 up && wait_for path_is eth1 up || fail "paths not back"
	active_is eth0 || fail "the active port moved when the gateway came back"
}

# What must not look like a dead path: a port whose carrier comes up after
# the bond did; a target list that changes (slots move) while the monitor
# runs; a new interval.
# kernel: test
test_path_monitor_no_false_alarms() {
	local B=/sys/class/net/bond0/bonding
	load_driver rust mode=1 miimon=100 path_interval=100 arp_ip_target=192.0.2.9,192.0.2.2
	mk_ports 2
	gateway_ports p0 p1
	ip -n peer link set p1 down
	bond_up_ip
	enslave eth0 eth1
	wait_for path_is eth0 up || fail "eth0's path not up"
	sleep 0.6
	ip -n peer link set p1 up
	wait_for path_is eth1 up || fail "eth1's path not up: $(path_of eth1)"
	# The dead first target leaves: the live one moves to its slot.
	echo -192.0.2.9 >$B/arp_ip_target
	sleep 0.6
	# All targets must answer: a new one that does.
	echo all >$B/arp_all_targets
	ip -n peer addr add 192.0.2.3/24 dev br0
	echo +192.0.2.3 >$B/arp_ip_target
	sleep 0.6
	echo 300 >$B/path_interval
	sleep 1
	echo 100 >$B/path_interval
	sleep 0.6
	expect_eq "$(path_of eth0) $(path_of eth1)" "up up" "paths"
	expect_eq "$(cat /sys/class/net/eth{0,1}/bonding_slave/path_failure_count | tr '\n' ' ')" "0 0 " "path failures"
	expect_eq "$(path_log | grep down || true)" "" "path down logged"
}

# On NICs that filter unicast (virtio-net): a backup's probe is answered
# to the port's own address, not the bond's, which the port's filter
# must pass (the monitor adds it to the port's unicast list, and removes
# it when the port leaves).
# kernel: test
test_path_monitor_on_filtering_nics() {
	[ -n "$HW_PRESENT" ] || fail "the VM has no emulated NICs (scripts/vm-run)"
	load_driver rust mode=1 miimon=100 path_interval=100 arp_ip_target=192.0.2.2
	hw_ports
	gateway_ports hwp0 hwp1
	bond_up_ip
	echo +hw0 >/sys/class/net/bond0/bonding/slaves
	echo +hw1 >/sys/class/net/bond0/bonding/slaves
	hw_active hw0
	wait_for path_is hw0 up && wait_for path_is hw1 up || fail "paths not up: $(path_of hw0) $(path_of hw1)"
	[ "$(probes_of hw1)" -gt 0 ] || fail "the backup did not probe"
	# hw0's permanent address is the bond's: its probes use a locally
	# administered variant.
	expect_match "$(bridge fdb show dev hw1)" '^52:54:00:00:0c:1a self permanent' "hw1's own address in its filter"
	expect_match "$(bridge fdb show dev hw0)" '^d2:54:00:00:0c:0a self permanent' "hw0's probe address in its filter"
	# A dead path, the carrier up: failover.
	ip -n peer link set hwp0 nomaster
	wait_for path_is hw0 down || fail "hw0's path still $(path_of hw0)"
	wait_for active_is hw1 || fail "no failover"
	ping -c 3 -i 0.2 -q 192.0.2.2 >/dev/null || fail "no ping after the failover"
	echo -hw1 >/sys/class/net/bond0/bonding/slaves
	expect_no_match "$(bridge fdb show dev hw1)" '52:54:00:00:0c:1a' "hw1's filter after it left"
	echo 0 >/sys/class/net/bond0/bonding/path_interval
	expect_no_match "$(bridge fdb show dev hw0)" 'd2:54:00:00:0c:0a' "hw0's filter with the monitor off"
}

# A path coming back moves nothing by itself: after a carrier flap of the
# first port the bond stays where miimon put it (no primary), as
# bonding.ko's does. Without miimon, a carrier loss is found by the
# unanswered probes.
test_path_monitor_no_failback_and_no_miimon() {
	path_pair mode=1 miimon=100 path_interval=100 arp_ip_target=192.0.2.2
	wait_for active_is eth0 || fail "eth0 not active"
	ip -n peer link set p0 down
	wait_for active_is eth1 || fail "no failover on the carrier loss"
	ip -n peer link set p0 up
	wait_for path_is eth0 up || fail "eth0's path not back: $(path_of eth0)"
	sleep 0.5
	active_is eth1 || fail "failed back to $(cat /sys/class/net/bond0/bonding/active_slave) when eth0's path came back"
	expect_eq "$(cat /sys/class/net/eth0/bonding_slave/failovers)" 1 "eth0's failovers"
	cleanup >/dev/null 2>&1
	path_pair mode=1 path_interval=100 arp_ip_target=192.0.2.2
	wait_for active_is eth0 || fail "eth0 not active (no miimon)"
	ip -n peer link set p0 down
	wait_for active_is eth1 || fail "no failover on a carrier loss without miimon"
	expect_eq "$(path_of eth0)" down "eth0's path without miimon"
}
