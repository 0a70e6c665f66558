# Tests of the module skeleton: load, parameters, bring up/down, unload.
# shellcheck shell=bash

test_insmod_creates_bond0() {
	load_rust_bond
	expect_eq "$(bond_devs)" "bond0" "bonds after a plain insmod (max_bonds defaults to 1)"
	expect_match "$(ip -o link show bond0)" '<[^>]*MASTER[^>]*>' "bond0 flags"
	expect_eq "$(cat /sys/class/net/bond0/type)" 1 "bond0 is Ethernet (ARPHRD_ETHER)"
	# A random, locally administered unicast MAC until a port gives its own.
	expect_match "$(cat /sys/class/net/bond0/address)" '^.[26ae]:' "bond0 MAC is locally administered"
	expect_eq "$(cat /sys/class/net/bond0/bonding/mode)" "balance-rr 0" "mode of the new bond"
	rmmod rust_bond
	expect_eq "$(bond_devs)" "" "bonds after rmmod"
	! module_loaded rust_bond || fail "rust_bond still loaded after rmmod"
}

test_max_bonds_3_creates_three() {
	load_rust_bond max_bonds=3
	expect_eq "$(bond_devs)" "bond0 bond1 bond2" "bonds with max_bonds=3"
	rmmod rust_bond
	expect_eq "$(bond_devs)" "" "bonds after rmmod"
}

test_max_bonds_0_creates_none() {
	load_rust_bond max_bonds=0
	module_loaded rust_bond || fail "module not loaded"
	expect_eq "$(bond_devs)" "" "bonds with max_bonds=0"
	rmmod rust_bond
}

test_next_free_name_is_used() {
	# As bonding: bond%d picks the first free number.
	ip link add bond0 type dummy
	load_rust_bond max_bonds=2
	expect_eq "$(bond_devs)" "bond0 bond1 bond2" "devices named bond*"
	[ -e /sys/class/net/bond0/bonding ] && fail "the dummy bond0 was taken over"
	expect_match "$(ip -o link show bond2)" 'MASTER' "bond2 is ours"
	rmmod rust_bond
	expect_eq "$(bond_devs)" "bond0" "the dummy stays after rmmod"
	ip link del bond0
}

test_up_and_down() {
	load_rust_bond
	ip link set bond0 up
	expect_match "$(ip -o link show bond0)" '<[^>]*,UP[,>]' "flags after up"
	# No port, no carrier: the bond is up but has no link, like bonding.
	expect_match "$(ip -o link show bond0)" 'NO-CARRIER' "carrier without ports"
	expect_eq "$(cat /sys/class/net/bond0/operstate)" "down" "operstate without ports"
	ip link set bond0 down
	expect_no_match "$(ip -o link show bond0)" '[<,]UP[,>]' "flags after down"
	ip link set bond0 up
	rmmod rust_bond # while up
	expect_eq "$(bond_devs)" "" "bonds after rmmod of an up bond"
}

test_transmit_without_ports_drops_and_counts() {
	load_rust_bond
	ip link set bond0 up
	local before after
	before=$(cat /sys/class/net/bond0/statistics/tx_dropped)
	"$VMDIR/sendframes" bond0 5
	after=$(cat /sys/class/net/bond0/statistics/tx_dropped)
	expect_eq "$((after - before))" 5 "tx_dropped after 5 frames with no port"
	expect_eq "$(cat /sys/class/net/bond0/statistics/tx_packets)" 0 "tx_packets"
}

# Each bad value fails the load with EINVAL, leaves no device behind, and
# logs a line that names the option.
test_bad_parameters_fail_the_load() {
	local case param want_log r
	while IFS='|' read -r param want_log; do
		[ -n "$param" ] || continue
		dmesg -C
		r=$("$VMDIR/modload" "$KO" "$param") && fail "insmod with $param succeeded"
		expect_eq "$r" EINVAL "errno of insmod $param"
		! module_loaded rust_bond || fail "module loaded despite $param"
		expect_eq "$(bond_devs)" "" "bonds after a refused $param"
		expect_match "$(dmesg)" "$want_log" "kernel log for $param"
	done <<-'CASES'
		max_bonds=-5|rust_bond: Error: max_bonds \(-5\) not in range 0-2147483647
		max_bonds=abc|`abc' invalid for parameter `max_bonds'
		mode=nonsense|rust_bond: Error: Invalid bonding mode "nonsense" \(mode accepts balance-rr, active-backup, balance-xor
		mode=7|Invalid bonding mode "7"
		mode=|Invalid bonding mode ""
		mode=-1|Invalid bonding mode "-1"
		mode=broadcast|rust_bond: Error: mode broadcast \(3\) is not implemented by rust_bond \(mode accepts balance-rr, active-backup, balance-xor, balance-tlb\)
		mode=4|mode 802.3ad \(4\) is not implemented
		tx_queues=0|rust_bond: Error: tx_queues \(0\) not in range 1-255
		tx_queues=256|tx_queues \(256\) not in range 1-255
	CASES
}

test_good_mode_values_load() {
	local param want
	while read -r param want; do
		load_rust_bond "$param"
		expect_eq "$(cat /sys/class/net/bond0/bonding/mode | cut -d' ' -f1)" "$want" "mode after $param"
		rmmod rust_bond
	done <<-'CASES'
		mode=0 balance-rr
		mode=1 active-backup
		mode=balance-rr balance-rr
		mode=active-backup active-backup
		mode=default balance-rr
	CASES
}

test_modinfo_lists_the_parameters() {
	local info
	info=$(modinfo -p "$KO")
	expect_match "$info" 'max_bonds:Max number of bonded devices \(int\)' "max_bonds"
	expect_match "$info" 'mode:Mode of operation; 0 for balance-rr, 1 for active-backup, 2 for balance-xor, 5 for balance-tlb \(charp\)' "mode"
	expect_match "$info" 'tx_queues:Max number of transmit queues \(default = 16\) \(int\)' "tx_queues"
	expect_eq "$(modinfo -F license "$KO")" GPL "license"
}

# Load and unload in a row (8 cycles: every other test loads and unloads
# the module too; 20 took 2 minutes on the debug kernel).
test_load_unload_8_times() {
	local i
	for i in $(seq 8); do
		load_rust_bond max_bonds=2
		ip link set bond0 up
		"$VMDIR/sendframes" bond0 1
		rmmod rust_bond
	done
	expect_eq "$(bond_devs)" "" "bonds after 8 cycles"
	# Nothing left that would stop the C driver from taking the names.
	load_bonding max_bonds=1
	expect_eq "$(bond_devs)" "bond0" "bonding.ko creates bond0 afterwards"
	[ -d /sys/class/net/bond0/bonding ] || fail "bond0 is not bonding.ko's"
}

# The device as `ip` shows it, with what differs per device (index, MAC)
# taken out.
bond0_view() {
	ip -o link show bond0 | sed -E 's/^[0-9]+: //; s/link\/ether [0-9a-f:]+/link\/ether MAC/'
	ip -o -d link show bond0 | grep -oE 'minmtu [0-9]+ maxmtu [0-9]+'
}

# Differential: what `ip` shows of a new, an up and a transmitting bond is
# the same with bonding.ko as with rust_bond.
# kernel: release
test_device_matches_bonding_ko() {
	local c rust
	scenario() {
		bond0_view
		ip link set bond0 up
		bond0_view
		"$VMDIR/sendframes" bond0 3
		echo "tx_dropped $(cat /sys/class/net/bond0/statistics/tx_dropped)"
		ip link set bond0 down
		bond0_view
	}
	load_bonding max_bonds=1
	c=$(scenario)
	rmmod bonding
	load_rust_bond
	rust=$(scenario)
	echo "bonding.ko:"; echo "$c"
	[ "$c" = "$rust" ] || fail "rust_bond differs from bonding.ko: $(diff <(echo "$c") <(echo "$rust"))"
}
