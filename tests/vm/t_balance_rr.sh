# balance-rr (mode 0): how a stream is spread over the ports, counted on
# the peer side, compared with bonding.ko.
# shellcheck shell=bash

B=/sys/class/net/bond0/bonding

# Bond up with 192.0.2.1, each side's MAC known to the other: no ARP in
# the counts (the peer answers the stream with ICMP, which needs ours).
rr_ip() {
	bond_up_ip
	ip neigh replace 192.0.2.2 lladdr 02:00:00:00:00:fe dev bond0 nud permanent
	ip -n peer neigh replace 192.0.2.1 lladdr "$(cat /sys/class/net/bond0/address)" dev br0 nud permanent
}

# rr_counts N: send a stream of 240 UDP datagrams from one CPU through
# bond0 to the peer (192.0.2.2) and print how many frames each peer port
# received. 240 is a multiple of every ports x packets_per_slave used
# here, so each port's share is exact wherever the round-robin counter
# starts.
rr_counts() {
	local n=$1 i before=() line=""
	for ((i = 0; i < n; i++)); do before[i]=$(peer_rx p$i); done
	taskset -c 0 "$VMDIR/udpstream" 192.0.2.2 240
	sleep 0.3
	for ((i = 0; i < n; i++)); do line+="p$i=$(($(peer_rx p$i) - before[i])) "; done
	echo "$line"
}

# scenario_rr N PPS: N ports, packets_per_slave PPS; then one port pulled.
scenario_rr() {
	local n=$1 pps=$2 i ports=()
	mk_ports "$n"
	for ((i = 0; i < n; i++)); do ports+=(eth$i); done
	echo "$pps" >$B/packets_per_slave
	enslave "${ports[@]}"
	rr_ip
	wait_for sh -c "[ \$(grep -c '^MII Status: up' /proc/net/bonding/bond0) -eq $((n + 1)) ]" ||
		echo "ports not all up"
	echo "$n ports, packets_per_slave $pps: $(rr_counts "$n")"
	ip -n peer link set p1 down
	wait_for grep -qx down /sys/class/net/eth1/bonding_slave/mii_status || echo "eth1 never down"
	# How the pulled port's share is spread differs on purpose (see
	# test_rr_pulled_port_share_is_even); what must agree is that it
	# carries nothing and the others everything.
	local counts total=0 c
	counts=$(rr_counts "$n")
	for c in $counts; do total=$((total + ${c#*=})); done
	echo "eth1 pulled: $(echo "$counts" | grep -o 'p1=[0-9]*'), all ports: $total"
	ip -n peer link set p1 up
	wait_for grep -qx up /sys/class/net/eth1/bonding_slave/mii_status || echo "eth1 never back"
	echo "eth1 back: $(rr_counts "$n")"
	echo "packets_per_slave: $(cat $B/packets_per_slave)"
}
# kernel: test
test_rr_spreads_like_bonding() {
	local n pps
	for n in 2 4; do
		for pps in 1 3; do
			scenario() { scenario_rr "$n" "$pps"; }
			differential "balance-rr $n ports pps $pps" scenario mode=balance-rr miimon=100
		done
	done
}

# packets_per_slave=0: a random port per packet; every port gets some.
test_rr_random() {
	load_driver rust mode=0 miimon=100
	mk_ports 4
	echo 0 >$B/packets_per_slave
	enslave eth0 eth1 eth2 eth3
	rr_ip
	wait_for sh -c "[ \$(grep -c '^MII Status: up' /proc/net/bonding/bond0) -eq 5 ]"
	local counts total=0 c
	counts=$(rr_counts 4)
	echo "random: $counts"
	for c in $counts; do
		c=${c#*=}
		[ "$c" -gt 10 ] || fail "a port got only $c of 240 random picks: $counts"
		total=$((total + c))
	done
	expect_eq $total 240 "frames sent in all"
}

# Every port of a balance-rr bond delivers to the bond.
test_rr_every_port_delivers() {
	load_driver rust mode=0 miimon=100
	mk_ports 2
	enslave eth0 eth1
	ip link set bond0 up
	local mac i
	mac=$(cat /sys/class/net/bond0/address)
	local b0 b1
	b0=$(cat /sys/class/net/eth0/bonding_slave/rx_packets)
	b1=$(cat /sys/class/net/eth1/bonding_slave/rx_packets)
	for i in 0 1; do
		ip netns exec peer "$VMDIR/sendframes" p$i 5 "$mac"
	done
	sleep 0.2
	# (At least: the peer's bridge may add a frame of its own.)
	[ $(($(cat /sys/class/net/eth0/bonding_slave/rx_packets) - b0)) -ge 5 ] || fail "eth0 did not deliver"
	[ $(($(cat /sys/class/net/eth1/bonding_slave/rx_packets) - b1)) -ge 5 ] || fail "eth1 did not deliver"
	expect_eq "$(cat /sys/class/net/eth1/bonding_slave/state)" active "eth1 state in balance-rr"
}

# With a port down, rust_bond spreads its share evenly over the others.
# (bonding.ko gives it all to the next port in the list, which then
# carries twice the others' load.)
test_rr_pulled_port_share_is_even() {
	load_driver rust mode=0 miimon=100
	mk_ports 4
	enslave eth0 eth1 eth2 eth3
	rr_ip
	wait_for sh -c "[ \$(grep -c '^MII Status: up' /proc/net/bonding/bond0) -eq 5 ]"
	ip -n peer link set p1 down
	wait_for grep -qx down /sys/class/net/eth1/bonding_slave/mii_status || fail "eth1 never down"
	expect_eq "$(rr_counts 4)" "p0=80 p1=0 p2=80 p3=80 " "240 frames over 3 of 4 ports"
}

# IGMP reports all leave through one port (bonding's "current active"),
# so the switch sees the membership on one port only.
scenario_igmp() {
	local i
	mk_ports 2
	enslave eth0 eth1
	rr_ip
	wait_for sh -c "[ \$(grep -c '^MII Status: up' /proc/net/bonding/bond0) -eq 3 ]"
	for i in 0 1; do
		capture /tmp/igmp.$i ip netns exec peer timeout 5 tcpdump -l -n -Q in -i p$i igmp
	done
	"$VMDIR/mcjoin" 239.1.2.3 192.0.2.1 3
	wait
	local a b
	a=$(grep -c igmp /tmp/igmp.0 || true)
	b=$(grep -c igmp /tmp/igmp.1 || true)
	# Which ports carry reports (their number depends on the IGMP
	# stack's retransmission timing, not on the bond).
	echo "IGMP reports on p0: $([ "$a" -gt 0 ] && echo yes || echo no), on p1: $([ "$b" -gt 0 ] && echo yes || echo no)"
	if [ $((a + b)) -gt 0 ] && { [ "$a" = 0 ] || [ "$b" = 0 ]; }; then
		echo "all on one port: yes"
	else
		echo "all on one port: no"
	fi
}
# kernel: test
test_rr_igmp_on_one_port_like_bonding() {
	differential "balance-rr IGMP" scenario_igmp mode=0 miimon=100
	load_driver rust mode=0 miimon=100
	expect_match "$(scenario_igmp)" 'all on one port: yes' "IGMP reports of rust_bond"
}
