# A bond in the stacks real hosts build: a bond as a port of another bond,
# a bridge and VLANs over a bond, what ethtool and udev see of it. Each
# scenario runs against bonding.ko and rust_bond and must print the same.
# shellcheck shell=bash

# bond1 (eth0) is a port of bond0, beside eth1; module options mode=1
# miimon=100 max_bonds=2.
nested_topology() {
	mk_ports 2
	echo +eth0 >/sys/class/net/bond1/bonding/slaves
	echo +bond1 >/sys/class/net/bond0/bonding/slaves
	echo +eth1 >/sys/class/net/bond0/bonding/slaves
	bond_up_ip
	wait_for active_is bond1 || echo "bond0: bond1 did not become the active port"
}

flags_of() { ip -o link show "$1" | grep -o '<[^>]*>'; }
master_of() { ip -o link show "$1" | grep -o 'master [^ ]*' || echo "no master"; }

nested_scenario() {
	local B=/sys/class/net/bond0/bonding
	nested_topology
	ping -c 1 -W 5 192.0.2.2 >/dev/null && echo "ping through the inner bond: ok"
	echo "bond0 slaves: $(cat $B/slaves)"
	echo "bond1 in bond0: $(cat /sys/class/net/bond1/bonding_slave/state) $(cat /sys/class/net/bond1/bonding_slave/mii_status)"
	echo "bond1: $(flags_of bond1) $(master_of bond1)"
	echo "eth0: $(flags_of eth0) $(master_of eth0)"
	# The inner bond's only port loses its link: the inner bond loses its
	# carrier and the outer one fails over to eth1.
	ip -n peer link set p0 down
	wait_for active_is eth1 || echo "bond0 did not fail over to eth1"
	wait_for grep -qx down /sys/class/net/bond1/bonding_slave/mii_status ||
		echo "bond1 is not down as a port"
	echo "after the inner link died: active $(cat $B/active_slave), bond1 $(cat /sys/class/net/bond1/bonding_slave/mii_status)"
	ping -c 1 -W 5 192.0.2.2 >/dev/null && echo "ping through eth1: ok"
	ip -n peer link set p0 up
	wait_for grep -qx up /sys/class/net/bond1/bonding_slave/mii_status ||
		echo "bond1 did not come back as a port"
	# Deleting the inner bond releases it from the outer one.
	ip link del bond1
	echo "after deleting bond1: bond0 slaves '$(cat $B/slaves)', active $(cat $B/active_slave)"
	echo "eth0: $(flags_of eth0) $(master_of eth0)"
	ping -c 1 -W 5 192.0.2.2 >/dev/null && echo "ping after deleting bond1: ok"
	ip link del bond0
	bond_devs
}

test_nested_bond_inner_deleted_matches_bonding() {
	differential nested nested_scenario mode=1 miimon=100 max_bonds=2
	expect_lines nested "ping through the inner bond: ok" "ping through eth1: ok" \
		"after deleting bond1: bond0 slaves 'eth1', active eth1" "ping after deleting bond1: ok"
}

# The outer bond goes first; the inner one is released, closed, and can
# be deleted after.
nested_outer_first() {
	nested_topology
	ip link del bond0
	echo "bond1: $(flags_of bond1) $(master_of bond1) slaves $(cat /sys/class/net/bond1/bonding/slaves)"
	ip link set bond1 up
	ip addr add 192.0.2.1/24 dev bond1
	ping -c 1 -W 5 192.0.2.2 >/dev/null && echo "ping through bond1 alone: ok"
	ip link del bond1
	bond_devs
}

test_nested_bond_outer_deleted_matches_bonding() {
	differential nested_outer nested_outer_first mode=1 miimon=100 max_bonds=2
	expect_lines nested_outer "bond1: <BROADCAST,MULTICAST,MASTER> no master slaves eth0" \
		"ping through bond1 alone: ok"
}

# The kernel's selftest bond-eth-type-change.sh, by hand: bonds in bonds,
# enslaved with iproute2, deleted in creation order.
nested_iproute2() {
	ip link add name rbA type bond
	ip link add name rbB type bond
	ip link add name rbC type bond
	ip link set dev rbA master rbB
	ip link set dev rbC master rbA
	echo "rbA: $(flags_of rbA) $(master_of rbA)"
	# A bond cannot be enslaved below itself.
	ip link set dev rbB master rbC 2>&1 | sed 's/^/rbB master rbC: /'
	ip link del dev rbA
	echo "rbC: $(flags_of rbC) $(master_of rbC)"
	ip link del dev rbB
	ip link del dev rbC
	ip -o link show | grep -c 'rb[ABC]' || true
	# Unloading the module with a bond in a bond and a port in it.
	ip link add name rbD type bond
	ip link add name rbE type bond
	ip link add eth9 type veth peer name p9
	ip link set dev eth9 master rbD
	ip link set dev rbD master rbE
	ip link set rbE up
	unload_driver "$1"
	ip -o link show | grep -c 'rb[DE]' || true
	ip -o link show eth9 | grep -o 'master [^ ]*' || echo "eth9 has no master"
}

test_nested_bonds_iproute2_match_bonding() {
	differential nested_iproute2 nested_iproute2 max_bonds=0
	expect_lines nested_iproute2 "rbA: <[A-Z,_]*MASTER,SLAVE[A-Z,_]*> master rbB" "rbB master rbC: .*busy" 0 \
		"eth9 has no master"
}

# A bridge over an active-backup bond, and a VLAN on the bond, through a
# failover: what a hypervisor host runs.
bridge_vlan_scenario() {
	mk_ports 2
	ip -n peer link add link br0 name br0.100 type vlan id 100
	ip -n peer addr add 198.51.100.2/24 dev br0.100
	ip -n peer link set br0.100 up
	enslave eth0 eth1
	ip link set bond0 up
	ip link add link bond0 name bond0.100 type vlan id 100
	ip addr add 198.51.100.1/24 dev bond0.100
	ip link set bond0.100 up
	ip link add rbbr type bridge
	ip link set rbbr type bridge forward_delay 0
	ip link set bond0 master rbbr
	ip addr add 192.0.2.1/24 dev rbbr
	ip link set rbbr up
	wait_for active_is eth0 || echo "no active port"
	echo "bond0: $(flags_of bond0) $(master_of bond0)"
	ethtool -k bond0 | grep -E '^rx-vlan-filter|^tx-vlan-offload|^rx-vlan-offload'
	wait_for ping -c 1 -W 2 192.0.2.2 >/dev/null && echo "ping over the bridge: ok"
	ping -c 1 -W 5 198.51.100.2 >/dev/null && echo "ping over the VLAN: ok"
	ip -n peer link set p0 down
	wait_for active_is eth1 || echo "no failover"
	echo "active: $(cat /sys/class/net/bond0/bonding/active_slave)"
	wait_for ping -c 1 -W 2 192.0.2.2 >/dev/null && echo "ping over the bridge after failover: ok"
	wait_for ping -c 1 -W 2 198.51.100.2 >/dev/null && echo "ping over the VLAN after failover: ok"
	ip link del bond0.100
	ip link set bond0 nomaster
	ip link del rbbr
	echo "bond0: $(flags_of bond0) $(master_of bond0)"
}

test_bridge_and_vlan_over_bond_match_bonding() {
	differential bridge_vlan bridge_vlan_scenario mode=1 miimon=100
	expect_lines bridge_vlan "rx-vlan-filter: on" "ping over the bridge after failover: ok" \
		"ping over the VLAN after failover: ok"
}

# ethtool's view of the bond, and udev's (the uevent file).
ethtool_scenario() {
	local mode
	mk_ports 3
	for mode in balance-rr active-backup; do
		ip link set bond0 down
		echo "$mode" >/sys/class/net/bond0/bonding/mode
		echo "== $mode, no port"
		ethtool bond0 | grep -E 'Speed|Duplex|Port:|Link detected'
		enslave eth0 eth1 eth2
		ip link set bond0 up
		wait_for grep -q up /sys/class/net/bond0/operstate || echo "bond0 not up"
		echo "== $mode, three ports"
		ethtool bond0 | grep -E 'Speed|Duplex|Port:|Link detected'
		ip -n peer link set p1 down
		wait_for grep -qx down /sys/class/net/eth1/bonding_slave/mii_status ||
			echo "eth1 is not down"
		echo "== $mode, one port's link down"
		ethtool bond0 | grep -E 'Speed|Duplex|Port:|Link detected'
		ip -n peer link set p1 up
		wait_for grep -qx up /sys/class/net/eth1/bonding_slave/mii_status ||
			echo "eth1 is not up"
		ethtool -i bond0 | grep -E '^(driver|version|firmware-version|bus-info)'
		ethtool -T bond0
		for p in eth0 eth1 eth2; do echo "-$p" >/sys/class/net/bond0/bonding/slaves; done
	done
	grep DEVTYPE /sys/class/net/bond0/uevent
}

# kernel: release
test_ethtool_and_uevent_match_bonding() {
	differential ethtool ethtool_scenario miimon=100
	expect_lines ethtool "	Speed: 30000Mb/s" "	Speed: 20000Mb/s" "	Speed: 10000Mb/s" \
		"driver: bonding" DEVTYPE=bond
}

# netconsole over the bond: the peer receives the kernel's log lines, and
# keeps receiving them after a failover. On the emulated NICs: veth cannot
# do netpoll (IFF_DISABLE_NETPOLL).
netconsole_scenario() {
	local cap=/tmp/netconsole.$1
	hw_ports
	echo +hw0 >/sys/class/net/bond0/bonding/slaves
	echo +hw1 >/sys/class/net/bond0/bonding/slaves
	bond_up_ip
	hw_active hw0
	capture "$cap" ip netns exec peer tcpdump -l -n -A -i br0 udp port 6666
	# The path to the peer works before the first line (in a CI rehearsal
	# line one was lost with both drivers alike; the cause was not found,
	# a path not yet forwarding is the suspect this rules out).
	wait_for ping -c 1 -W 1 -q 192.0.2.2 >/dev/null || echo "no ping to the peer"
	modprobe netconsole netconsole=6665@192.0.2.1/bond0,6666@192.0.2.2/02:00:00:00:00:fe ||
		echo "netconsole did not load"
	echo "<3>rb-netconsole: line one" >/dev/kmsg
	wait_for grep -q 'rb-netconsole: line one' "$cap" && echo "the peer got line one"
	"$VMDIR/cable" 0 down
	wait_for active_is hw1 || echo "no failover"
	echo "<3>rb-netconsole: line two" >/dev/kmsg
	wait_for grep -q 'rb-netconsole: line two' "$cap" && echo "the peer got line two, after the failover"
	# A port that joins while netconsole runs gets netpoll too.
	"$VMDIR/cable" 0 up
	echo -hw0 >/sys/class/net/bond0/bonding/slaves
	echo +hw0 >/sys/class/net/bond0/bonding/slaves
	echo hw0 >/sys/class/net/bond0/bonding/active_slave
	wait_for active_is hw0 || echo "hw0 not active again"
	echo "<3>rb-netconsole: line three" >/dev/kmsg
	wait_for grep -q 'rb-netconsole: line three' "$cap" && echo "the peer got line three, through a port that joined later"
	rmmod netconsole
	kill "$CAPTURE"
	wait "$CAPTURE" 2>/dev/null || true
}

# kernel: release
test_netconsole_over_bond_matches_bonding() {
	[ -n "$HW_PRESENT" ] || fail "the VM has no emulated NICs (scripts/vm-run)"
	differential netconsole netconsole_scenario mode=1 miimon=100
	expect_lines netconsole "the peer got line one" "the peer got line two, after the failover" \
		"the peer got line three, through a port that joined later"
}

# A VLAN over a bond of NICs that filter VLANs in hardware (virtio-net):
# the bond must hand its VLAN ids to its ports, or they drop the tagged
# frames. Through a failover, and after a port leaves and comes back.
hw_vlan_scenario() {
	hw_ports
	ip -n peer link add link br0 name br0.100 type vlan id 100
	ip -n peer addr add 198.51.100.2/24 dev br0.100
	ip -n peer link set br0.100 up
	echo +hw0 >/sys/class/net/bond0/bonding/slaves
	ip link set bond0 up
	ip link add link bond0 name bond0.100 type vlan id 100
	ip addr add 198.51.100.1/24 dev bond0.100
	ip link set bond0.100 up
	# Enslaved after the VLAN exists: it gets the id at enslave.
	echo +hw1 >/sys/class/net/bond0/bonding/slaves
	hw_active hw0
	ethtool -k hw0 | grep -E '^rx-vlan-filter'
	ethtool -k bond0 | grep -E '^rx-vlan-filter'
	ethtool bond0 | grep -E 'Speed|Duplex'
	wait_for ping -c 1 -W 2 198.51.100.2 >/dev/null && echo "ping over the VLAN through hw0: ok"
	# The cable of hw0 is pulled: its driver sees the carrier go.
	"$VMDIR/cable" 0 down
	wait_for active_is hw1 || echo "no failover"
	echo "active: $(cat /sys/class/net/bond0/bonding/active_slave); hw0 $(cat /sys/class/net/hw0/bonding_slave/mii_status)"
	wait_for ping -c 1 -W 2 198.51.100.2 >/dev/null && echo "ping over the VLAN through hw1: ok"
	"$VMDIR/cable" 0 up
	wait_for grep -qx up /sys/class/net/hw0/bonding_slave/mii_status || echo "hw0 did not come back"
	# hw0 leaves, and comes back as the only port.
	echo -hw0 >/sys/class/net/bond0/bonding/slaves
	echo -hw1 >/sys/class/net/bond0/bonding/slaves
	echo +hw0 >/sys/class/net/bond0/bonding/slaves
	wait_for active_is hw0 || echo "hw0 not active"
	wait_for ping -c 1 -W 2 198.51.100.2 >/dev/null && echo "ping over the VLAN through hw0 again: ok"
	ip link del bond0.100
}

# kernel: release
test_vlan_over_filtering_nics_matches_bonding() {
	[ -n "$HW_PRESENT" ] || fail "the VM has no emulated NICs (scripts/vm-run)"
	differential hw_vlan hw_vlan_scenario mode=1 miimon=100
	expect_lines hw_vlan "rx-vlan-filter: on \[fixed\]" "ping over the VLAN through hw1: ok" \
		"active: hw1; hw0 down" "ping over the VLAN through hw0 again: ok"
}

# bonding's ioctls, as old tools (the C ifenslave of ifenslave 1.x) call
# them: enslave, query, change the active port, take a port's MAC,
# release; and what each refuses.
ioctl_scenario() {
	io() { "$VMDIR/bondioctl" "$@" || true; }
	mk_ports 3
	io bond0 enslave eth0
	io bond0 enslave eth1
	io bond0 enslave eth1
	io bond0 enslave nosuchdev
	ip link set eth2 up
	io bond0 enslave eth2
	ip link set eth2 down
	ip link set bond0 up
	wait_for active_is eth0 || echo "no active port"
	io bond0 info
	io bond0 slaveinfo 0
	io bond0 slaveinfo 1
	io bond0 slaveinfo 2
	io bond0 slaveinfo -1
	io bond0 changeactive eth1
	echo "active: $(cat /sys/class/net/bond0/bonding/active_slave)"
	io bond0 changeactive eth2
	io bond0 sethwaddr eth2
	echo "bond0 address: $(cat /sys/class/net/bond0/address)"
	io bond0 release eth2
	io bond0 release eth0
	io bond0 info
	io eth1 info
	# Without CAP_NET_ADMIN: the changes are refused, the queries answer.
	setpriv --inh-caps=-net_admin --bounding-set=-net_admin sh -c \
		"$VMDIR/bondioctl bond0 release eth1; $VMDIR/bondioctl bond0 info"
	echo "slaves: $(cat /sys/class/net/bond0/bonding/slaves)"
}

# kernel: release
test_ioctls_match_bonding() {
	differential ioctl ioctl_scenario mode=1 miimon=100
	expect_lines ioctl "OK mode 1 slaves 2 miimon 100" "active: eth1" \
		"OK id 1 name eth1 link 0 state 1 link_failure_count 0" "EPERM" "slaves: eth1"
}

# A change of the active port is announced for both ports
# (NETDEV_CHANGELOWERSTATE, which ip monitor shows as a link message of
# each), as bonding.ko does.
stack_events_scenario() {
	local mon=/tmp/monitor.$1
	mk_ports 2
	bond_up_ip
	enslave eth0 eth1
	wait_for active_is eth0 || echo "no active port"
	ping -c 1 -W 5 192.0.2.2 >/dev/null && echo "ping with a port: ok"
	# A change of the active port by hand: both ports change state.
	ip -o monitor link >"$mon" 2>&1 &
	local pid=$!
	sleep 1
	echo eth1 >/sys/class/net/bond0/bonding/active_slave
	sleep 1
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	for p in eth0 eth1; do
		grep -q ": $p[:@]" "$mon" && echo "ip monitor saw $p change" || echo "ip monitor did not see $p"
	done
}

test_stack_events_match_bonding() {
	differential stack_events stack_events_scenario mode=1 miimon=100
	expect_lines stack_events "ping with a port: ok" \
		"ip monitor saw eth0 change" "ip monitor saw eth1 change"
}

# netconsole on a NIC lets go of it when the NIC joins a bond.
netconsole_join_scenario() {
	hw_ports
	ip link set hw0 up
	modprobe netconsole netconsole=6665@192.0.2.1/hw0,6666@192.0.2.2/02:00:00:00:00:fe ||
		echo "netconsole did not load"
	ip link set hw0 down
	echo +hw0 >/sys/class/net/bond0/bonding/slaves
	dmesg | grep -o 'netconsole: network logging stopped on interface hw0.*' || echo "netconsole did not let go"
	rmmod netconsole
}

test_netconsole_lets_go_of_a_joining_nic_like_bonding() {
	[ -n "$HW_PRESENT" ] || fail "the VM has no emulated NICs (scripts/vm-run)"
	differential netconsole_join netconsole_join_scenario mode=1 miimon=100
	expect_lines netconsole_join "netconsole: network logging stopped on interface hw0.*"
}
