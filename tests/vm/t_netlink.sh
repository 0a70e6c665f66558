# Netlink: "ip link add/set/del ... type bond", "ip -d link show", compared
# with bonding.ko wherever the two should agree.
# shellcheck shell=bash

# The bond's IFLA_INFO_DATA as "ip -d link show" prints it (without the
# random MAC and the generic attributes after the bond's own).
bond_info() {
	ip -d link show "$1" | sed -n 's/^ *\(bond .*\) addrgenmode.*/\1/p'
}
# A port's IFLA_INFO_SLAVE_DATA (JSON), without the random MAC.
slave_info() {
	ip -j -d link show "$1" | grep -o '"info_slave_data":{[^}]*}' | sed 's/"perm_hwaddr":"[^"]*",//'
}
# Runs "ip ARGS..." and prints the command with its outcome.
try_ip() {
	local out
	out=$(ip "$@" 2>&1) && out="OK${out:+ $out}"
	echo "ip $*: $out"
}
# The option errors the last commands logged, without timestamps.
option_log() {
	dmesg | sed -n 's/^\[[^]]*\] //p' | grep -E 'option|delay|Unable' || true
	dmesg -C
}

scenario_netlink() {
	try_ip link add bond1 type bond mode active-backup miimon 100 updelay 200 downdelay 100 \
		primary_reselect better fail_over_mac active num_grat_arp 2 all_slaves_active 1 resend_igmp 3
	bond_info bond1
	cat /sys/class/net/bond1/bonding/{mode,miimon,updelay,downdelay,primary_reselect,fail_over_mac,num_grat_arp,all_slaves_active,resend_igmp}
	tail -n +2 /proc/net/bonding/bond1
	mk_ports 3
	ip link add rb_dummy type dummy
	try_ip link set eth0 master bond1
	try_ip link set eth1 master bond1
	ip link set bond1 up
	wait_for grep -q 'Currently Active Slave: eth0' /proc/net/bonding/bond1
	bond_info bond1 | sed 's/active_slave eth0/active_slave (eth0)/'
	slave_info eth0
	slave_info eth1
	option_log
	# Changes, good and bad, each alone.
	for args in "primary eth1" "active_slave eth0" "active_slave rb_dummy" "miimon 200" \
		"updelay 150" "downdelay 100000000" "mode balance-rr" "mode 802.3ad" "lacp_rate fast" \
		"ad_select count" "xmit_hash_policy layer3+4" "arp_validate all" "arp_interval 100 miimon 100" \
		"packets_per_slave 70000" "primary_reselect 3" "fail_over_mac follow" "use_carrier 0" \
		"num_grat_arp 255" "resend_igmp 255" "min_links 2" "lp_interval 0" "tlb_dynamic_lb 0" \
		"peer_notify_delay 400" "peer_notify_delay 300001" "clear_active_slave"; do
		# shellcheck disable=SC2086
		try_ip link set bond1 type bond $args
		option_log
	done
	bond_info bond1
	cat /sys/class/net/bond1/bonding/active_slave
	try_ip link set eth0 type bond_slave queue_id 0
	slave_info eth0
	try_ip link set bond1 down
	try_ip link set bond1 type bond mode balance-rr
	option_log
	# A failed "ip link add" leaves no bond behind.
	try_ip link add bond2 type bond miimon 100 updelay 250 primary_reselect 7
	option_log
	ip -o link show bond2 2>&1 | head -1
	# Deleting a bond with ports releases them: no master, own MAC back.
	try_ip link del bond1
	ip -o link show eth0 | grep -o 'master bond1' || echo "eth0 has no master"
	cat /sys/class/net/eth0/address /sys/class/net/eth1/address
	bond_devs
	cat /sys/class/net/bonding_masters
	# A bond from sysfs is deleted by netlink as well.
	echo +bond3 >/sys/class/net/bonding_masters
	bond_info bond3
	try_ip link del bond3
	cat /sys/class/net/bonding_masters
}
# kernel: test
test_netlink_matches_bonding() {
	differential "ip link type bond" scenario_netlink
}

# What rust_bond does not implement is refused over netlink with a
# message, where bonding.ko accepts it; the bond is left as it was.
test_netlink_refuses_what_is_not_implemented() {
	load_driver rust
	ip link add bond1 type bond mode active-backup miimon 100
	local before r
	before=$(bond_info bond1)
	for args in "mode broadcast" "mode 802.3ad"; do
		# shellcheck disable=SC2086
		r=$(ip link set bond1 type bond $args 2>&1) && fail "ip link set bond1 type bond $args succeeded"
		expect_eq "$r" "Error: option not supported by rust_bond." "extack of $args"
		expect_eq "$(bond_info bond1)" "$before" "bond1 after $args"
	done
	expect_match "$(dmesg)" 'bond1: option mode: mode broadcast \(3\) is not implemented by rust_bond' "log line"
	# The same through sysfs, which used to take it.
	r=$("$VMDIR/sysfs-write" /sys/class/net/bond1/bonding/mode 802.3ad || true)
	expect_eq "$r" EOPNOTSUPP "sysfs mode 802.3ad"
	r=$(ip link add bond2 type bond mode balance-alb 2>&1) && fail "ip link add with balance-alb succeeded"
	expect_eq "$r" "Error: option not supported by rust_bond." "extack of ip link add"
	[ ! -e /sys/class/net/bond2 ] || fail "the failed ip link add left bond2 behind"
	mk_ports 1
	ip link set eth0 master bond1
	r=$(ip link set eth0 type bond_slave queue_id 2 2>&1) && fail "queue_id 2 succeeded"
	expect_eq "$r" "Error: option not supported by rust_bond." "extack of queue_id"
}

# Bonds in other network namespaces work (the upstream selftests put
# theirs in one): ports by name and index are looked up there, /proc has
# no file for them, and deleting the namespace deletes the bond cleanly.
scenario_netns() {
	ip netns add rbns
	ip link add eth0 netns rbns type veth peer name p0
	ip link add eth1 netns rbns type veth peer name p1
	ip link set p0 up
	ip link set p1 up
	try_ip -n rbns link add bond0 type bond mode active-backup miimon 100
	ip netns exec rbns sh -c 'echo +eth0 > /sys/class/net/bond0/bonding/slaves'
	try_ip -n rbns link set eth1 master bond0
	try_ip -n rbns link set bond0 up
	ip netns exec rbns cat /sys/class/net/bond0/bonding/slaves
	try_ip -n rbns link set bond0 type bond active_slave eth1
	ip netns exec rbns cat /sys/class/net/bond0/bonding/active_slave
	ip -n rbns -d link show bond0 | grep -o 'active_slave [a-z0-9]*'
	[ -e /proc/net/bonding/bond0 ] && echo "init's /proc has bond0" || echo "init's /proc has no bond0"
	ip netns del rbns
	sleep 1
	ip -o link show p0 2>&1 | grep -c p0 || true
}
test_bond_in_a_namespace_like_bonding() {
	differential "netns" scenario_netns max_bonds=0
}

# The kind "bond" is one driver's at a time: rust_bond does not load next
# to bonding.ko, and says why.
test_kind_bond_is_exclusive() {
	local r want=EEXIST src=${RB_KDIR:-}
	# The errno is the kernel's: rtnl_link_register's EEXIST, which later
	# module loaders turn into EBUSY (EEXIST means "already loaded" there).
	# (Loading bonding.ko with rust_bond in place instead would show it,
	# but bonding.ko WARNs at its /proc/net/bonding taken.)
	[ -f "$src/source/kernel/module/main.c" ] && src=$src/source
	[ -f "$src/kernel/module/main.c" ] || fail "no kernel source at RB_KDIR ($RB_KDIR)"
	if grep -q 'EEXIST is reserved by \[f\]init_module' "$src/kernel/module/main.c"; then want=EBUSY; fi
	load_driver bonding max_bonds=0
	r=$("$VMDIR/modload" "$KO" "" || true)
	expect_eq "$r" "$want" "insmod rust_bond with bonding.ko loaded"
	expect_match "$(dmesg)" 'rust_bond: the link kind "bond" is taken: unload bonding first' "log line"
	rmmod bonding
	load_driver rust max_bonds=0
	# "ip link add" now creates a rust_bond bond.
	ip link add bond7 type bond
	expect_eq "$(cat /proc/net/bonding/bond7 | head -1)" "$(head -1 /proc/net/bonding/bond7)" "bond7 /proc file"
	expect_match "$(head -1 /proc/net/bonding/bond7)" "rust_bond" "bond7 is rust_bond's"
	# Unloading deletes bonds created over netlink, ports and all.
	mk_ports 1
	ip link set eth0 master bond7
	rmmod rust_bond
	[ ! -e /sys/class/net/bond7 ] || fail "bond7 outlived the module"
	expect_eq "$(cat /sys/class/net/eth0/address)" 02:00:00:00:00:01 "eth0's MAC after rmmod"
}

# IFLA_BOND_SLAVE_PRIO on a port of a balance-rr bond: the mode check
# comes first (EACCES), as in bonding.ko.
scenario_prio_rr() {
	mk_ports 1
	ip link set eth0 master bond0
	ip link set eth0 type bond_slave prio 5 2>&1 || true
	dmesg | grep -o 'option prio.*' || echo "no log line"
}
test_prio_in_balance_rr_like_bonding() {
	differential prio_rr scenario_prio_rr mode=0
	expect_lines prio_rr ".*not supported in mode balance-rr\(0\)"
}
