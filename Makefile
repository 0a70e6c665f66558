# SPDX-License-Identifier: GPL-2.0
#
# rust_bond: build, test and try the module.
#
#   make            build rust_bond.ko against KDIR (default: the test kernel)
#   make demo       set everything up, boot a VM and show rust_bond at work
#   make check      set everything up, run every test; last line: N passed, N failed
#                   (the VM tests on the 6.12 debug kernel: KASAN, lockdep, kmemleak
#                   ...; and on Debian's own 7.3 kernel: scripts/debian-kernel)
#   make selftests  the kernel's bonding selftests (unmodified) against rust_bond
#   make bench      rust_bond against bonding.ko: throughput, failover, scaling
#                   (results also in out/bench.json)
#   make setup      install packages and build the cached test kernel only
#   make install    install rust_bond.ko for KDIR's kernel (+ depmod), and
#                   scripts/ifenslave as $(PREFIX)/sbin/ifenslave
#   make debian-install   the same for Debian's own Rust-enabled kernel (the
#                   running one): builds what Debian's headers lack first
#   make clean
#
# Kbuild does the actual module build (see Kbuild; kbuild reads it in
# preference to this file); this file only drives it.

SHELL := /bin/bash
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
CACHE ?= $(or $(RUST_BOND_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/rust_bond)

# The kernel to build against; the project's test kernel unless given.
KDIR ?= $(shell $(TOP)/scripts/build-kernel --print 2>/dev/null)
# Debian's rustc-web (the kernel needs its rust-src); bindgen as set up.
RUSTC ?= /usr/bin/rustc
BINDGEN ?= $(shell . $(TOP)/scripts/lib.sh && echo $$RB_BINDGEN)
# A module must be built with the compiler of its kernel: LLVM=1 for a
# clang-built kernel (the debug kernel, for KASAN).
LLVM ?= $(if $(shell grep -sx 'CONFIG_CC_IS_CLANG=y' $(KDIR)/.config),1)
KMAKE = $(MAKE) -C $(KDIR) M=$(TOP) RUSTC=$(RUSTC) HOSTRUSTC=$(RUSTC) \
	BINDGEN=$(BINDGEN) CLIPPY_DRIVER=/usr/bin/clippy-driver RUSTFMT=/usr/bin/rustfmt \
	$(if $(LLVM),LLVM=$(LLVM))

PREFIX ?= /usr/local

.PHONY: all modules setup demo check selftests bench clean install debian-modules debian-install

all: modules

modules:
	@test -f $(KDIR)/Makefile || { echo "error: no kernel build at KDIR='$(KDIR)'"; \
		echo "  fix: run 'make setup' for the test kernel, or pass KDIR=<Rust-enabled kernel build>"; exit 1; }
	$(KMAKE) modules

setup:
	@$(TOP)/scripts/setup-host
	@$(TOP)/scripts/build-kernel >/dev/null

demo: setup
	@$(MAKE) --no-print-directory -s modules
	@$(TOP)/scripts/vm-run -- $(TOP)/scripts/demo

# (tests/run builds or fetches the kernels it runs on: the debug kernel and
# Debian's, not the test kernel.)
check:
	@$(TOP)/scripts/setup-host
	@$(TOP)/tests/run

# The kernel's own bonding selftests against rust_bond, every script in
# full, one VM boot each (make check runs a selection); about half an hour.
selftests: setup
	@$(MAKE) --no-print-directory -s modules
	@$(TOP)/tests/selftests/run --kernel $(KDIR)

bench: setup
	@$(MAKE) --no-print-directory -s modules
	@$(TOP)/scripts/vm-run --timeout 5400 --mem 2048 -- $(TOP)/tests/bench/run

# modules_install puts the module under lib/modules/<KDIR's release>/updates
# of INSTALL_MOD_PATH (default /) and runs depmod there, so that modprobe
# and "options rust_bond ..." in modprobe.d work. For the running kernel:
# make install KDIR=/lib/modules/$$(uname -r)/build
install: modules
	$(KMAKE) INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) modules_install
	install -D -m 0755 $(TOP)/scripts/ifenslave $(DESTDIR)$(PREFIX)/sbin/ifenslave

# Debian 13 with trixie-backports' Rust-enabled kernel (DEBIAN_KREL, the
# running one by default): make the Rust build artifacts Debian does not
# ship and build rust_bond in that kernel's own toolchain
# (scripts/debian-kernel, cached), then install it under
# lib/modules/<release>/updates of INSTALL_MOD_PATH (default /), depmod.
# (debian-modules only builds: DKMS runs it, see dkms.conf.)
DEBIAN_KREL ?= $(shell uname -r)
debian-modules:
	@RB_DEB_KREL=$(DEBIAN_KREL) $(TOP)/scripts/debian-kernel >/dev/null
	@RB_DEB_KREL=$(DEBIAN_KREL) $(TOP)/scripts/debian-kernel --make --no-print-directory -s -C $(TOP) modules \
		$(if $(CLIPPY),CLIPPY=$(CLIPPY))

debian-install: debian-modules
	install -D -m 0644 $(TOP)/rust_bond.ko $(INSTALL_MOD_PATH)/lib/modules/$(DEBIAN_KREL)/updates/rust_bond.ko
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(DEBIAN_KREL)
	install -D -m 0755 $(TOP)/scripts/ifenslave $(DESTDIR)$(PREFIX)/sbin/ifenslave

clean:
	@if [ -f "$(KDIR)/Makefile" ]; then $(KMAKE) clean; fi
	rm -rf $(TOP)/rust_bond/core/target $(TOP)/out
