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
# kernel: test
test_arp_options_match_bonding() {
	differential "ARP options, mode 1" scenario_arp_options mode=1
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
# it back.
path_cut() { ip -n peer link set "p${1#eth}" nomaster; }
path_mend() { ip -n peer link set "p${1#eth}" master br0; }
port_states() {
	local p
	for p; do
		printf '%s %s %s fails %s\n' "$p" "$(cat /sys/class/net/$p/bonding_slave/state)" \
			"$(cat /sys/class/net/$p/bonding_slave/mii_status)" \
			"$(cat /sys/class/net/$p/bonding_slave/link_failure_count)"
	done
}
link_is() { [ "$(cat "/sys/class/net/$1/bonding_slave/mii_status")" = "$2" ]; }

# A dead path with the carrier up: the ARP monitor takes the port down and
# fails over; the path back brings it up again.
scenario_dead_path() {
	local mode
	mode=$(cut -d' ' -f2 /sys/class/net/bond0/bonding/mode)
	mk_ports 2
	# Up first, as ifenslave does: a port's clocks start at enslave, and
	# one enslaved long before the first tick is down at once (in
	# bonding.ko too).
	bond_up_ip
	enslave eth0 eth1
	wait_for link_is eth0 up && wait_for link_is eth1 up || echo "ports not up"
	[ "$mode" = 1 ] && { wait_for active_is eth0 || echo "eth0 not active"; }
	sleep 1
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
}
# kernel: test
test_arp_monitor_in_balance_rr_on_a_dead_path() {
	differential "dead path, mode 0" scenario_dead_path mode=0 arp_interval=100 arp_ip_target=192.0.2.2
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
	timeout 10 ip netns exec peer tcpdump -tnlei p0 -c 2 'vlan 10 and arp and arp[6:2] = 1' 2>/dev/null |
		sed -E 's/length [0-9]+//g'
	sleep 1
	grep -H . /sys/class/net/eth{0,1}/bonding_slave/mii_status
	cat /sys/class/net/bond0/bonding/active_slave
}
test_arp_probes_through_a_vlan_like_bonding() {
	differential "VLAN-tagged probes" scenario_vlan_probes mode=1 arp_interval=100 arp_ip_target=192.0.3.2
}

# Each arp_validate value: which ports stay up with a working path, and
# what a dead path on the active port does.
scenario_validate() {
	local v
	for v in none active backup all filter filter_active filter_backup; do
		echo "== arp_validate $v"
		mk_ports 2
		ip link set bond0 down
		echo "$v" >/sys/class/net/bond0/bonding/arp_validate
		bond_up_ip
		enslave eth0 eth1
		wait_for active_is eth0 || echo "eth0 not active"
		sleep 1.2
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
# kernel: test
test_arp_validate_values_like_bonding() {
	differential "arp_validate" scenario_validate mode=1 arp_interval=100 arp_ip_target=192.0.2.2
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
# kernel: test
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
	wait_for link_is eth0 up && wait_for link_is eth1 up || echo "ports not up"
	wait_for active_is eth0 || echo "eth0 not active"
	sleep 1
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
}
