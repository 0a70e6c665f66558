# balance-xor (mode 2): which port each flow leaves by, for every
# xmit_hash_policy and as ports come and go, compared with bonding.ko.
# shellcheck shell=bash

B=/sys/class/net/bond0/bonding

# Every policy; then, with layer3+4, a port's carrier goes and comes back.
scenario_xor_flows() {
	local p
	xor_net
	grep -E '^(Bonding Mode|Transmit Hash)' /proc/net/bonding/bond0
	for p in layer2 layer2+3 layer3+4 encap2+3 encap3+4 vlan+srcmac; do
		echo "$p" >$B/xmit_hash_policy
		flows "$p"
	done
	ip link set bond0 type bond xmit_hash_policy layer3+4
	ip -d link show bond0 | grep -o 'xmit_hash_policy [^ ]*'
	grep '^Transmit Hash' /proc/net/bonding/bond0
	ip -n peer link set p1 down
	wait_for grep -qx down /sys/class/net/eth1/bonding_slave/mii_status || echo "eth1 never down"
	flows "eth1 down"
	ip -n peer link set p1 up
	wait_for grep -qx up /sys/class/net/eth1/bonding_slave/mii_status || echo "eth1 never back"
	flows "eth1 back"
	echo -eth0 >$B/slaves
	flows "eth0 released"
}
# kernel: test
test_xor_flows_like_bonding() {
	differential "balance-xor flows" scenario_xor_flows mode=balance-xor miimon=100
	# What bonding.ko did, which rust_bond did too: every flow left by one
	# port, and the flows spread.
	expect_no_match "$DIFF_OUT" ' none$' "a flow that no port carried"
	local p
	for p in layer2 layer2+3 layer3+4 encap3+4 'eth1 down' 'eth1 back'; do
		[ "$(grep "^$p: " <<<"$DIFF_OUT" | awk '{print $NF}' | sort -u | wc -l)" -ge 2 ] ||
			fail "$p: the flows all left by one port"
	done
	expect_no_match "$(grep '^eth1 down: ' <<<"$DIFF_OUT")" ' eth1$' "a flow on eth1 while its carrier was off"
	expect_lines "transmit hash policy" 'Transmit Hash Policy: layer2 \(0\)' 'Transmit Hash Policy: layer3\+4 \(1\)' \
		'xmit_hash_policy layer3\+4'
}

# Without a link monitor the ports' carrier still decides: bonding.ko
# rebuilds its slave array on each carrier event.
scenario_xor_no_miimon() {
	xor_net
	echo layer2+3 >$B/xmit_hash_policy
	ip -n peer link set p2 down
	# The event comes with the operational state (linkwatch).
	wait_for grep -qx down /sys/class/net/eth2/operstate || echo "eth2 never down"
	grep -H . /sys/class/net/eth2/bonding_slave/mii_status
	flows "eth2 carrier off"
	ip -n peer link set p2 up
	wait_for grep -qx up /sys/class/net/eth2/operstate || echo "eth2 never up"
	flows "eth2 carrier on"
}
# kernel: test
test_xor_without_miimon_follows_the_carrier_like_bonding() {
	differential "balance-xor, no miimon" scenario_xor_no_miimon mode=balance-xor
	expect_no_match "$(grep '^eth2 carrier off: ' <<<"$DIFF_OUT")" ' eth2$' "a flow on eth2 without carrier"
	grep -q ' eth2$' <<<"$DIFF_OUT" || fail "eth2 carried nothing once its carrier was back"
}

# The module option: used in balance-xor, ignored with bonding.ko's line
# in the modes that do not hash.
scenario_xor_module_option() {
	cat $B/mode $B/xmit_hash_policy
	grep '^Transmit Hash' /proc/net/bonding/bond0 || echo "no hash policy line"
	dmesg | grep -o 'xmit_hash_policy param.*' || true
}
# kernel: test
test_xor_module_option_like_bonding() {
	differential "mode 2, layer3+4" scenario_xor_module_option mode=2 xmit_hash_policy=layer3+4
	expect_lines "mode 2" 'layer3\+4 1' 'Transmit Hash Policy: layer3\+4 \(1\)'
	differential "mode 1, layer3+4" scenario_xor_module_option mode=1 xmit_hash_policy=layer3+4
	expect_lines "mode 1" 'layer2 0' 'xmit_hash_policy param is irrelevant in mode fault-tolerance \(active-backup\)'
}
