# Every path of the driver once, in one go: on the debug kernel this is
# the test that lockdep, the RCU checker, atomic-sleep checks, debug
# objects, refcount tracking and kmemleak watch.
# shellcheck shell=bash

B=/sys/class/net/bond0/bonding

# kernel: release
test_every_path_once() {
	kmemleak_scan >/dev/null
	echo clear 2>/dev/null >/sys/kernel/debug/kmemleak || true
	load_driver rust mode=1 miimon=100 downdelay=200 updelay=100 max_bonds=2
	mk_ports 4
	# Enslave through sysfs and through netlink.
	enslave eth0
	ip link set eth1 master bond0
	echo +eth2 >$B/slaves
	bond_up_ip
	wait_for active_is eth0 || fail "no active port"
	ping -c 2 -W 2 192.0.2.2 >/dev/null || fail "no ping"
	# Bond-level changes that touch the ports.
	ip link set bond0 mtu 1400
	expect_eq "$(cat /sys/class/net/eth1/mtu)" 1400 "port MTU after bond MTU change"
	ip link set bond0 promisc on
	ip link set bond0 allmulticast on
	ip maddr add 01:00:5e:01:02:03 dev bond0
	ip link set bond0 address 02:00:00:00:00:aa
	# Failover by event, by tick with delays, by hand, by primary.
	ip -n peer link set p0 down
	wait_for sh -c "! grep -qx eth0 $B/active_slave" || fail "no failover"
	ip -n peer link set p0 up
	echo eth0 >$B/primary
	wait_for active_is eth0 || fail "primary not reselected"
	echo eth2 >$B/active_slave
	echo always >$B/primary_reselect
	echo 3 >$B/num_grat_arp
	echo 1 >$B/all_slaves_active
	echo 0 >$B/all_slaves_active
	echo 200 >$B/miimon
	echo 0 >$B/miimon
	echo 100 >$B/miimon
	ping -c 2 -W 2 192.0.2.2 >/dev/null || fail "no ping after the changes"
	# Ports leave in every way.
	echo -eth2 >$B/slaves
	ip link set eth1 nomaster
	ip link del eth3
	ip link set eth3 master bond0 2>/dev/null || true
	# A second bond with fail_over_mac=follow, in balance-rr too.
	echo follow >/sys/class/net/bond1/bonding/fail_over_mac
	echo 1 >/sys/class/net/bond1/bonding/mode
	echo +eth1 >/sys/class/net/bond1/bonding/slaves
	echo +eth2 >/sys/class/net/bond1/bonding/slaves
	ip link set bond1 up
	ip link set bond1 down
	echo -eth1 >/sys/class/net/bond1/bonding/slaves
	echo -eth2 >/sys/class/net/bond1/bonding/slaves
	echo 0 >/sys/class/net/bond1/bonding/mode
	echo +eth1 >/sys/class/net/bond1/bonding/slaves
	ip link set bond1 up
	"$VMDIR/sendframes" bond1 10
	# balance-xor: ICMP and UDP through every hash policy's header walk
	# (the flows themselves are compared with bonding.ko's on Debian's
	# kernel: t_balance_xor.sh).
	ip link set bond1 down
	echo -eth1 >/sys/class/net/bond1/bonding/slaves
	echo 2 >/sys/class/net/bond1/bonding/mode
	echo +eth1 >/sys/class/net/bond1/bonding/slaves
	ip link set bond1 up
	ip addr add 198.18.0.1/24 dev bond1
	ip neigh replace 198.18.0.2 lladdr 02:00:00:00:09:09 dev bond1 nud permanent
	wait_for grep -qx up /sys/class/net/eth1/bonding_slave/mii_status || fail "eth1 not up in bond1"
	local policy tx
	tx=$(cat /sys/class/net/eth1/statistics/tx_packets)
	for policy in layer2 layer2+3 layer3+4 encap2+3 encap3+4 vlan+srcmac; do
		echo $policy >/sys/class/net/bond1/bonding/xmit_hash_policy
		ping -c 1 -W 0.1 198.18.0.2 >/dev/null || true
		echo x >/dev/udp/198.18.0.2/9
	done
	[ "$(cat /sys/class/net/eth1/statistics/tx_packets)" -ge $((tx + 12)) ] || fail "balance-xor sent too little"
	# Bonds come and go with ports still in them.
	echo +bond5 >/sys/class/net/bonding_masters
	echo +eth2 >/sys/class/net/bond5/bonding/slaves
	echo -bond5 >/sys/class/net/bonding_masters
	cat /proc/net/bonding/bond0 /proc/net/bonding/bond1 >/dev/null
	# Netlink: a bond made, changed, shown (with its ports) and deleted,
	# and one left for the unload, in another namespace.
	ip link add bond7 type bond mode active-backup miimon 100 updelay 200
	ip link add eth9 type veth peer name rbp9
	ip link set eth9 master bond7
	ip link set bond7 type bond primary eth9 num_grat_arp 2
	ip link set eth9 type bond_slave queue_id 0
	ip link set bond7 type bond mode balance-rr 2>/dev/null && fail "mode change with a port"
	local shown
	shown=$(ip -d link show bond7)
	expect_match "$shown" 'bond mode active-backup .*miimon 100 updelay 200 .*num_grat_arp 2 ' "ip -d link show bond7"
	expect_match "$(ip -d link show eth9)" 'bond_slave state (ACTIVE|BACKUP) mii_status' "ip -d link show eth9"
	ip link del bond7
	ip netns add rbns
	ip -n rbns link add bond8 type bond mode 1 miimon 100
	ip -n rbns link set bond8 up
	# Unload with ports enslaved and the bonds up.
	rmmod rust_bond
	expect_eq "$(bond_devs)" "" "bonds after rmmod"
	expect_eq "$(ip -n rbns -o link show type bond)" "" "bonds in namespace rbns after rmmod"
	ip netns del rbns
	local m
	for m in eth0 eth1 eth2; do
		expect_no_match "$(ip -o link show $m)" 'master' "$m after rmmod"
	done
	# No leak the scanner can see (it needs a moment to age objects).
	sleep 6
	local leaks
	leaks=$(kmemleak_scan)
	[ -z "$leaks" ] || fail "kmemleak: $(echo "$leaks" | head -n 30)"
}
