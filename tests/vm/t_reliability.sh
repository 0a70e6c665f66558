# Reliability: every bad input to every writable bonding/ file, compared
# with bonding.ko (errno, log line, and the whole state read back), and
# every module option's bad values.
# shellcheck shell=bash

B=/sys/class/net/bond0/bonding

# The bad inputs: empty, blanks, a lone newline, overlong (> PAGE_SIZE,
# digits and letters), non-numeric, negative, out of range (32 and 64
# bits), an unknown name, missing devices, binary bytes.
bad_inputs() {
	local long_digits long_letters
	long_digits=$(printf '1%.0s' {1..5000})
	long_letters=$(printf 'x%.0s' {1..5000})
	printf '%s\n' '' '   ' '\n' "$long_digits" "$long_letters" 'abc' '-1' '4294967296' \
		'99999999999999999999' 'nosuchname' '+nosuchdev' '-nosuchdev' 'nosuchdev:1' \
		'\x00\x01\xff' 'eth0\x00x' '\xc3\x28'
}
# What a write shows of the input (long ones by length).
shown() { [ ${#1} -gt 40 ] && echo "<${#1} bytes>" || echo "'$1'"; }
# All of the bond's state a user can read, hashed.
state() { { grep -r . $B/ /sys/class/net/eth*/bonding_slave/ 2>&1; tail -n +2 /proc/net/bonding/bond0; } | md5sum | cut -c1-8; }

matrix() {
	local f v before after r
	for f in $B/*; do
		[ -w "$f" ] || continue
		while IFS= read -r v; do
			before=$(state)
			r=$("$VMDIR/sysfs-write" "$f" "$v")
			after=$(state)
			[ "$r" = OK ] || [ "$before" = "$after" ] || r="$r, and the state changed"
			echo "${f##*/} $(shown "$v") -> $r"
		done < <(bad_inputs)
	done
	# The log lines that name the problems, without timestamps and MACs.
	dmesg | grep -oE 'bond0: .*' | sed -E 's/[0-9a-f]{2}(:[0-9a-f]{2}){5}/MAC/g'
	dmesg -C
}

# Twice: a bond with two ports, up; the same bond down with no ports
# (some options may only change then).
scenario_bad_input_matrix() {
	mk_ports 2
	enslave eth0 eth1
	bond_up_ip
	wait_for active_is eth0
	echo "== up, two ports"
	matrix
	ip link set bond0 down
	echo -eth0 >$B/slaves
	echo -eth1 >$B/slaves
	echo "== down, no ports"
	matrix
}
test_bad_input_matrix_matches_bonding() {
	local out
	out=$(differential "bad inputs" scenario_bad_input_matrix mode=1 miimon=100)
	echo "$out"
}

# Module options: every bad value fails the load with EINVAL and a log
# line naming the option (bonding.ko resets some to defaults instead; see
# Documentation), and leaves nothing behind.
test_bad_module_options_fail_cleanly() {
	local opt v r n=0
	for opt in mode miimon updelay downdelay use_carrier primary_reselect fail_over_mac max_bonds \
		num_grat_arp num_unsol_na all_slaves_active resend_igmp tx_queues packets_per_slave; do
		for v in abc -1 4294967296 99999999999999999999 ' ' nosuchname; do
			dmesg -C
			r=$("$VMDIR/modload" "$KO" "$opt=$v" || true)
			[ "$r" = EINVAL ] || [ "$r" = ERANGE ] || fail "$opt=$v: got $r, expected EINVAL"
			module_loaded rust_bond && fail "$opt=$v: the module stayed loaded"
			[ -z "$(bond_devs)" ] || fail "$opt=$v: left $(bond_devs) behind"
			dmesg | grep -qiE "$opt|bonding mode|invalid|not implemented" ||
				fail "$opt=$v: no log line names the problem: $(dmesg | tail -3)"
			n=$((n + 1))
		done
	done
	echo "$n bad module options refused"
}
