# Reliability: every bad input to every writable bonding/ file, compared
# with bonding.ko (errno, log line, and the whole state read back), and
# every module option's bad values.
# shellcheck shell=bash

B=/sys/class/net/bond0/bonding

# The bad inputs: empty, blanks, a lone newline, overlong (> PAGE_SIZE,
# digits and letters), non-numeric, negative, out of range (32 and 64
# bits), an unknown name, missing devices, binary bytes, invalid UTF-8.
matrix() {
	local long_digits long_letters
	long_digits=$(printf '1%.0s' {1..5000})
	long_letters=$(printf 'x%.0s' {1..5000})
	# Everything a user can read of the bond, before and after each write.
	"$VMDIR/sysfs-matrix" $B $B /sys/class/net/eth0/bonding_slave /sys/class/net/eth1/bonding_slave \
		/proc/net/bonding/bond0 -- '' '   ' '\n' "$long_digits" "$long_letters" 'abc' '-1' \
		'4294967296' '99999999999999999999' 'nosuchname' '+nosuchdev' '-nosuchdev' 'nosuchdev:1' \
		'\x00\x01\xff' 'eth0\x00x' '\xc3\x28'
	# Where the accepted writes left the bond.
	every_bond_file
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
# kernel: test
test_bad_input_matrix_matches_bonding() {
	differential "bad inputs" scenario_bad_input_matrix mode=1 miimon=100
}

# Module options: every bad value fails the load with EINVAL and a log
# line naming the option (bonding.ko resets some to defaults instead; see
# Documentation), and leaves nothing behind.
# kernel: test
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

# The stress test: for RB_STRESS_SECS (default 60) seconds, workers hit
# two to five bonds at once with random sysfs writes (valid and invalid)
# to every bond and port file, netlink changes, enslave/release, link
# flaps, ports deleted while enslaved, bonds created and deleted, mode
# switches, and traffic both ways; then rmmod with the traffic still
# running. Seeded by RB_SEED (printed, so a failure can be replayed).
# Afterwards every port has its own MAC, MTU and flags back and bonding.ko
# can enslave it; no bug report, no leak.
stress_worker() { # KIND SEED DEADLINE: prints how many operations it did
	# Most operations are meant to fail: no errexit, no ERR trap here.
	set +eE
	trap - ERR
	local kind=$1 deadline=$3 b p f v n=0
	RANDOM=$2
	local bonds=(bond0 bond1 bond2 bond3 bond4)
	local values=(0 1 2 100 200 -1 abc '' active-backup balance-rr 802.3ad +eth0 +eth1 +eth2 +eth3
		+eth4 +eth5 -eth0 -eth1 -eth3 -eth5 eth0 eth2 eth4 none always better failure active follow
		4294967296 '\x00\xff' 65535 +bond1 +lo)
	while [ "$(date +%s)" -lt "$deadline" ]; do
		b=${bonds[RANDOM % 5]}
		p=eth$((RANDOM % 6))
		case $kind in
		sysfs)
			local files=(/sys/class/net/$b/bonding/*)
			f=${files[RANDOM % ${#files[@]}]}
			[ -e "$f" ] && "$VMDIR/sysfs-write" "$f" "${values[RANDOM % ${#values[@]}]}"
			;;
		read)
			cat /sys/class/net/$b/bonding/* /sys/class/net/$p/bonding_slave/* /proc/net/bonding/* 2>/dev/null
			ip -d link show $b 2>/dev/null
			ip -d -j link show $p 2>/dev/null
			;;
		ports)
			case $((RANDOM % 4)) in
			0) ip link set $p master $b ;;
			1) ip link set $p nomaster ;;
			2) ip link set $b type bond miimon $((RANDOM % 3 * 50)) primary $p ;;
			3) ip link set $b type bond active_slave $p ;;
			esac
			;;
		flaps)
			case $((RANDOM % 3)) in
			0) ip -n peer link set p${p#eth} down; ip -n peer link set p${p#eth} up ;;
			1) ip link set $p down; ip link set $p up ;;
			2) ip link set $b down; ip link set $b up ;;
			esac
			;;
		delete)
			# Only eth4 and eth5 come and go, with their MACs.
			p=eth$((4 + RANDOM % 2))
			if [ -e /sys/class/net/$p ]; then
				ip link del $p
			else
				ip link add $p address "$(printf '02:00:00:00:00:%02x' $((${p#eth} + 1)))" type veth \
					peer name p${p#eth} netns peer
				ip -n peer link set p${p#eth} master br0 up
			fi
			;;
		bonds)
			case $((RANDOM % 4)) in
			0) echo +bond2 >/sys/class/net/bonding_masters ;;
			1) echo -bond2 >/sys/class/net/bonding_masters ;;
			2) ip link add bond3 type bond mode $((RANDOM % 2)) miimon 100 ;;
			3) ip link del bond3 ;;
			esac
			;;
		modes)
			ip link set $b down
			echo $((RANDOM % 2)) >/sys/class/net/$b/bonding/mode
			ip link set $b up
			;;
		esac
		sleep 0.0$((RANDOM % 10))
		n=$((n + 1))
	done >/dev/null 2>&1
	echo $n
}

test_stress_seeded() {
	local seed=${RB_SEED:-$(date +%s)} secs=${RB_STRESS_SECS:-60} deadline i k n pids=() traffic=()
	echo "stress seed: $seed (replay: RB_SEED=$seed), $secs s"
	mk_ports 6
	local -A before
	for i in 0 1 2 3 4 5; do
		before[eth$i]=$(ip -o link show eth$i | grep -oE '<[^>]*>|mtu [0-9]+|link/ether [0-9a-f:]+' | tr '\n' ' ')
	done
	load_driver rust mode=1 miimon=50 max_bonds=2
	enslave eth0 eth1
	echo +eth2 >/sys/class/net/bond1/bonding/slaves
	bond_up_ip
	ip link set bond1 up
	deadline=$(($(date +%s) + secs))
	k=0
	local workers=(sysfs sysfs read ports ports flaps delete bonds modes)
	for w in "${workers[@]}"; do
		stress_worker $w $((seed + k)) "$deadline" >/tmp/stress.$k &
		pids+=($!)
		k=$((k + 1))
	done
	# Traffic both ways, until after rmmod (failures once the bond is
	# gone are expected).
	(set +eE; trap - ERR; while :; do "$VMDIR/udpstream" 192.0.2.2 200; sleep 0.1; done) >/dev/null 2>&1 &
	traffic+=($!)
	(set +eE; trap - ERR; while :; do ip netns exec peer ping -q -c 20 -i 0.01 -W 1 192.0.2.1; done) >/dev/null 2>&1 &
	traffic+=($!)
	(set +eE; trap - ERR; while :; do for i in 0 1 2 3; do ip netns exec peer "$VMDIR/sendframes" p$i 20; done; done) \
		>/dev/null 2>&1 &
	traffic+=($!)
	wait "${pids[@]}" || true
	local ops=0 few=""
	for ((k = 0; k < ${#workers[@]}; k++)); do
		n=$(cat /tmp/stress.$k)
		ops=$((ops + n))
		# (Emulated, with nine workers on two CPUs, an operation takes
		# a few hundred ms.)
		[ "$n" -ge 5 ] || few+=" ${workers[k]}($n)"
	done
	echo "workers done: $ops operations; bonds: $(bond_devs)"
	[ -z "$few" ] || fail "workers that did almost nothing:$few"
	rmmod rust_bond || fail "rmmod failed with traffic running"
	kill "${traffic[@]}" 2>/dev/null || true
	wait "${traffic[@]}" 2>/dev/null || true
	[ -z "$(bond_devs)" ] || fail "bonds left after rmmod: $(bond_devs)"
	local now
	for i in 0 1 2 3 4 5; do
		[ -e /sys/class/net/eth$i ] || continue
		ip link set eth$i down
		now=$(ip -o link show eth$i | grep -oE '<[^>]*>|mtu [0-9]+|link/ether [0-9a-f:]+' | tr '\n' ' ')
		expect_eq "$now" "${before[eth$i]}" "eth$i's flags, MTU and MAC after the stress"
	done
	load_driver bonding mode=1 miimon=100
	for i in 0 1 2 3 4 5; do
		[ -e /sys/class/net/eth$i ] || continue
		echo +eth$i >/sys/class/net/bond0/bonding/slaves || fail "bonding.ko cannot enslave eth$i"
	done
	echo "bonding.ko enslaved: $(cat /sys/class/net/bond0/bonding/slaves)"
	rmmod bonding
	local leaks
	leaks=$(kmemleak_scan)
	[ -z "$leaks" ] || fail "kmemleak: $leaks"
}
