# The tools people drive bonding with: an ifenslave-style script, and
# make install + modprobe with options from modprobe.d.
# shellcheck shell=bash

IFENSLAVE=$RB_TOP/scripts/ifenslave

test_ifenslave_with_both_drivers() {
	local drv out
	for drv in bonding rust; do
		load_driver $drv mode=1 miimon=100
		mk_ports 3
		ip link set eth0 up
		"$IFENSLAVE" bond0 eth0 eth1 || fail "$drv: ifenslave bond0 eth0 eth1"
		expect_eq "$(cat /sys/class/net/bond0/bonding/slaves)" "eth0 eth1" "$drv: ports"
		expect_match "$(ip -o link show bond0)" '[<,]UP[,>]' "$drv: bond0 brought up"
		wait_for active_is eth0 || fail "$drv: no active port"
		"$IFENSLAVE" -c bond0 eth1 || fail "$drv: ifenslave -c"
		expect_eq "$(cat /sys/class/net/bond0/bonding/active_slave)" eth1 "$drv: active after -c"
		out=$("$IFENSLAVE" bond0)
		expect_match "$out" 'Currently Active Slave: eth1' "$drv: ifenslave bond0 shows the state"
		"$IFENSLAVE" -d bond0 eth1 || fail "$drv: ifenslave -d"
		expect_eq "$(cat /sys/class/net/bond0/bonding/slaves)" "eth0" "$drv: ports after -d"
		# Errors: non-zero, and say what is wrong.
		out=$("$IFENSLAVE" bond7 eth2 2>&1) && fail "$drv: missing bond accepted"
		expect_match "$out" 'bond7: no such interface' "$drv: missing bond"
		out=$("$IFENSLAVE" bond0 eth9 2>&1) && fail "$drv: missing port accepted"
		expect_match "$out" 'eth9: no such interface' "$drv: missing port"
		echo +bond1 >/sys/class/net/bonding_masters
		"$IFENSLAVE" bond1 eth2 || fail "$drv: enslave into bond1"
		out=$("$IFENSLAVE" bond0 eth2 2>&1) && fail "$drv: port of another bond accepted"
		expect_match "$out" 'eth2: already a port of bond1' "$drv: port of another bond"
		out=$("$IFENSLAVE" -d bond0 eth2 2>&1) && fail "$drv: releasing another bond's port accepted"
		expect_match "$out" 'eth2: not a port of bond0' "$drv: release a port of another bond"
		"$IFENSLAVE" -h | grep -q '^Usage:' || fail "$drv: -h"
		echo -bond1 >/sys/class/net/bonding_masters
		cleanup
	done
}

# make install into a scratch root, then modprobe from it with options in
# a modprobe.d file: the options take effect.
# kernel: release
test_make_install_and_modprobe_options() {
	local root=/tmp/root conf=/tmp/modprobe.d rel ko
	rel=$(uname -r)
	if [ -n "${RB_INSTALL_ROOT:-}" ]; then
		# Installed before the boot (tests/run): by the kernel's own
		# toolchain for Debian's kernel (`make debian-install`, which the
		# guest cannot run), and on the host for the others (the same
		# build under emulation takes minutes).
		root=$RB_INSTALL_ROOT
	else
		make -s -C "$RB_BUILD" install ${RB_KDIR:+KDIR=$RB_KDIR} INSTALL_MOD_PATH=$root DESTDIR=$root \
			>/tmp/install.log 2>&1 ||
			fail "make install: $(tail -n 5 /tmp/install.log)"
	fi
	ko=$(find $root/lib/modules/"$rel" -name rust_bond.ko)
	[ -n "$ko" ] || fail "rust_bond.ko not installed under $root/lib/modules/$rel"
	grep -q 'rust_bond.ko:' $root/lib/modules/"$rel"/modules.dep || fail "depmod did not list rust_bond"
	[ -x $root/usr/local/sbin/ifenslave ] || fail "ifenslave not installed"
	mkdir -p $conf
	echo "options rust_bond mode=active-backup miimon=100 max_bonds=2" >$conf/rust_bond.conf
	modprobe -d $root -C $conf rust_bond || fail "modprobe rust_bond"
	expect_eq "$(bond_devs)" "bond0 bond1" "bonds from the modprobe.d options"
	expect_eq "$(cat /sys/class/net/bond1/bonding/mode)" "active-backup 1" "mode from modprobe.d"
	expect_eq "$(cat /sys/class/net/bond0/bonding/miimon)" 100 "miimon from modprobe.d"
	modprobe -r -d $root -C $conf rust_bond || fail "modprobe -r"
	! module_loaded rust_bond || fail "still loaded after modprobe -r"
	# The opt-in of Documentation/rust_bond.rst: with the alias, "ip link
	# add ... type bond" loads rust_bond. The kernel runs the modprobe that
	# /proc/sys/kernel/modprobe names: one that looks in the scratch root.
	echo "alias rtnl-link-bond rust_bond" >$conf/rust_bond-as-bonding.conf
	printf '#!/bin/sh\nexec %s -d %s -C %s "$@"\n' "$(command -v modprobe)" $root $conf >/tmp/rb-modprobe
	chmod +x /tmp/rb-modprobe
	local old r=0
	old=$(cat /proc/sys/kernel/modprobe)
	echo /tmp/rb-modprobe >/proc/sys/kernel/modprobe
	ip link add bond5 type bond mode active-backup miimon 100 || r=$?
	echo "$old" >/proc/sys/kernel/modprobe
	[ $r = 0 ] || fail "ip link add bond5 type bond with the alias: status $r"
	module_loaded rust_bond || fail "ip link add did not load rust_bond"
	! module_loaded bonding || fail "ip link add loaded bonding.ko despite the alias"
	expect_match "$(head -n 1 /proc/net/bonding/bond5)" rust_bond "bond5 is rust_bond's"
	ip link del bond5
	modprobe -r -d $root -C $conf rust_bond || fail "modprobe -r after ip link add"
}
