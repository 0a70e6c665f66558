# balance-tlb (mode 5): every port transmits, each with its own MAC as
# the frames' source, the active one alone receives; compared with
# bonding.ko, on balance-xor's network (xor_net and flows, lib.sh).
# shellcheck shell=bash

B=/sys/class/net/bond0/bonding

# tlb_state WHAT: the active port, the bond's and each port's address and
# state, and where the peer's bridge last saw each of those addresses.
tlb_state() {
	local p
	echo "$1: active $(cat $B/active_slave) bond0 $(cat /sys/class/net/bond0/address)"
	for p in eth0 eth1 eth2; do
		echo "$1: $p $(cat /sys/class/net/$p/address) $(cat /sys/class/net/$p/bonding_slave/state 2>/dev/null || echo released)"
	done
	bridge -n peer fdb show br br0 | grep -E '^02:00:00:00:00:0[1-3] dev p[0-2] master br0' |
		grep -v permanent | awk -v w="$1" '{print w ": fdb " $1 " " $3}' | sort
}

# lp_seen WHAT: 3 s of the peer's ports: which learning packets (type
# 0x9000) came in on each, by source, tag and destination.
lp_seen() {
	local p
	for p in p0 p1 p2; do
		ip netns exec peer timeout 3 tcpdump -l -n -e -i "$p" 'ether proto 0x9000 or (vlan and ether proto 0x9000)' \
			2>/dev/null >/tmp/lp.$p &
	done
	wait
	for p in p0 p1 p2; do
		sed -E '/^$/d; s/^[0-9:.]+ //; s/, length [0-9]+//g; s/^/'"$1: $p: "'/' /tmp/lp.$p | sort -u
	done
}

# Hashed (tlb_dynamic_lb 0): flows by xmit_hash_policy over the ports that
# can transmit, through a failover, a port's return and a release.
scenario_tlb_hash() {
	local p
	echo 0 >$B/tlb_dynamic_lb
	xor_net
	# The peer answers here (xor_net's neighbours have MACs of their own).
	ip -n peer addr add 192.0.2.254/24 dev br0
	grep -E '^(Bonding Mode|Transmit Hash|Primary|Currently)' /proc/net/bonding/bond0
	echo "tlb_dynamic_lb $(cat $B/tlb_dynamic_lb)"
	ip -d link show bond0 | grep -o 'tlb_dynamic_lb [^ ]*'
	tlb_state start
	for p in layer2 layer3+4 encap3+4; do
		echo "$p" >$B/xmit_hash_policy
		flows "$p"
	done
	tlb_state "after flows"
	ping -c 2 -W 2 192.0.2.254 >/dev/null && echo "ping through eth0"
	ip -n peer link set p0 down
	wait_for sh -c "! grep -qx eth0 $B/active_slave" || echo "eth0 stayed active"
	tlb_state "eth0 down"
	flows "eth0 down"
	ping -c 2 -W 2 192.0.2.254 >/dev/null && echo "ping after failover"
	ip -n peer link set p0 up
	wait_for grep -qx up /sys/class/net/eth0/bonding_slave/mii_status || echo "eth0 never back"
	tlb_state "eth0 back"
	flows "eth0 back"
	echo -eth1 >$B/slaves
	tlb_state "eth1 released"
	flows "eth1 released"
	ping -c 2 -W 2 192.0.2.254 >/dev/null && echo "ping after release"
}
# kernel: release
test_balance_tlb_hashed_like_bonding() {
	differential "balance-tlb, hashed" scenario_tlb_hash mode=balance-tlb miimon=100
	expect_no_match "$DIFF_OUT" ' none$' "a flow that no port carried"
	local p
	for p in layer3+4 encap3+4 'eth0 back'; do
		[ "$(grep "^$p: " <<<"$DIFF_OUT" | awk '{print $NF}' | sort -u | wc -l)" -ge 2 ] ||
			fail "$p: the flows all left by one port"
	done
	expect_no_match "$(grep '^eth0 down: ' <<<"$DIFF_OUT")" ' eth0$' "a flow on eth0 while its link was down"
	expect_lines "balance-tlb" 'Bonding Mode: transmit load balancing' \
		'Transmit Hash Policy: layer2 \(0\)' 'tlb_dynamic_lb 0' 'ping through eth0' 'ping after failover' \
		'ping after release' 'start: active eth0 bond0 02:00:00:00:00:01' \
		'start: eth1 02:00:00:00:00:02 active' 'eth0 down: active eth1 bond0 02:00:00:00:00:01' \
		'eth0 down: eth1 02:00:00:00:00:01 active' 'eth1 released: eth1 02:00:00:00:00:02 released'
}

# By load (tlb_dynamic_lb 1, the default): the learning packets each port
# sends for itself (the active one for the VLAN and the macvlan above the
# bond too), and flows that spread once a rebalance has seen them.
scenario_tlb_dynamic() {
	local p
	xor_net
	echo layer3+4 >$B/xmit_hash_policy
	grep -E '^(Bonding Mode|Transmit Hash|Currently)' /proc/net/bonding/bond0
	echo "tlb_dynamic_lb $(cat $B/tlb_dynamic_lb)"
	lp_seen start
	"$VMDIR/xorflows" eth0 eth1 eth2 >/dev/null
	# The next rebalance (every 10 s) hands the flows out by their load.
	sleep 11
	"$VMDIR/xorflows" eth0 eth1 eth2 >/tmp/flows2
	grep -c ' none$' /tmp/flows2 | sed 's/^/flows no port carried: /'
	echo "ports after a rebalance: $(awk '{print $NF}' /tmp/flows2 | sort -u | wc -l)"
	ip -n peer link set p0 down
	wait_for sh -c "! grep -qx eth0 $B/active_slave" || echo "eth0 stayed active"
	tlb_state "eth0 down"
	lp_seen "eth0 down"
}
# kernel: test
test_balance_tlb_by_load_like_bonding() {
	differential "balance-tlb, by load" scenario_tlb_dynamic mode=balance-tlb miimon=100
	expect_lines "balance-tlb, by load" 'tlb_dynamic_lb 1' 'flows no port carried: 0' \
		'ports after a rebalance: [23]' 'eth0 down: active eth1 bond0 02:00:00:00:00:01'
	expect_no_match "$DIFF_OUT" 'Transmit Hash Policy' "a hash policy shown with tlb_dynamic_lb 1"
	# Each port's for itself, untagged and on the VLAN; the active one's
	# for the macvlan too, and after the failover from the new active one.
	local lp='02:00:00:00:0([0-9:]+) > 02:00:00:00:0\1, ethertype'
	expect_lines "learning packets" "start: p0: $lp Loopback.*" "start: p1: $lp 802.1Q.*vlan 10.*Loopback.*" \
		"start: p0: 02:00:00:00:02:01 > 02:00:00:00:02:01, ethertype Loopback.*" \
		"eth0 down: p1: 02:00:00:00:02:01 > 02:00:00:00:02:01, ethertype Loopback.*" \
		'eth0 down: fdb 02:00:00:00:00:01 p1'
	expect_no_match "$DIFF_OUT" 'start: p[12]: 02:00:00:00:02:01' "a macvlan learning packet from a port not active"
}

# Options: tlb_dynamic_lb only in balance-tlb and while down, lp_interval,
# miimon forced on by the mode, as bonding.ko.
scenario_tlb_options() {
	local r
	ip link add bond1 type bond mode active-backup arp_interval 100 arp_ip_target 192.0.2.2
	echo "tlb_dynamic_lb in active-backup: $("$W" /sys/class/net/bond1/bonding/tlb_dynamic_lb 0)"
	echo "mode 5: $("$W" /sys/class/net/bond1/bonding/mode balance-tlb)"
	echo "miimon $(cat /sys/class/net/bond1/bonding/miimon) arp_interval $(cat /sys/class/net/bond1/bonding/arp_interval)"
	echo "tlb_dynamic_lb 0: $("$W" /sys/class/net/bond1/bonding/tlb_dynamic_lb 0)"
	ip link set bond1 up
	echo "tlb_dynamic_lb 1 while up: $("$W" /sys/class/net/bond1/bonding/tlb_dynamic_lb 1)"
	echo "lp_interval 5 while up: $("$W" /sys/class/net/bond1/bonding/lp_interval 5)"
	echo "lp_interval 0: $("$W" /sys/class/net/bond1/bonding/lp_interval 0)"
	cat /sys/class/net/bond1/bonding/tlb_dynamic_lb /sys/class/net/bond1/bonding/lp_interval
	r=$(ip link set bond1 type bond arp_interval 100 2>&1) && echo "arp_interval in balance-tlb: ok" ||
		echo "arp_interval in balance-tlb: $r"
	ip link del bond1
}
# kernel: test
test_balance_tlb_options_like_bonding() {
	differential "balance-tlb options" scenario_tlb_options max_bonds=0
}
