# The kernel module, built with Kbuild (top-level Kbuild: obj-m += driver/).
#
# KDIR defaults to the newest installed Debian 6.12 headers: Debian bumps the
# ABI number (6.12.N+deb12), so it is found, never hard-coded. KVER is the
# matching release; the test VM boots /boot/vmlinuz-$(KVER).
KVER ?= $(shell ls -1 /lib/modules 2>/dev/null | grep -E '^6\.12\.[0-9]+.*-amd64$$' | sort -V | tail -n 1)
KDIR ?= $(if $(KVER),/lib/modules/$(KVER)/build,)
# The release the headers in KDIR were built for (works for any KDIR).
KDIR_RELEASE = $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)

.PHONY: module module-check module-clean
module: module-check
	$(MAKE) -C $(KDIR) M=$(TOP) modules

module-check:
	@if [ -z "$(KDIR)" ] || [ ! -d "$(KDIR)" ]; then \
		echo "error: no kernel headers found (KDIR='$(KDIR)')." >&2; \
		echo "  fix: run 'tools/install-deps.sh' as root (installs linux-headers-6.12-amd64)," >&2; \
		echo "       or pass KDIR=/path/to/kernel/build for another 6.12 kernel build tree." >&2; \
		exit 1; fi
	@rel="$(KDIR_RELEASE)"; maj=$${rel%%.*}; rest=$${rel#*.}; min=$${rest%%.*}; \
	if [ -z "$$rel" ]; then \
		echo "error: $(KDIR) is not a configured kernel build tree (no include/config/kernel.release)." >&2; exit 1; fi; \
	if [ "$$maj" -lt 6 ] || { [ "$$maj" -eq 6 ] && [ "$$min" -lt 2 ]; }; then \
		echo "error: kernel $$rel in $(KDIR) is too old: the DRM accel subsystem needs Linux 6.2 or later." >&2; \
		echo "  fix: build against Debian's 6.12 headers (the default KDIR; 'tools/install-deps.sh' installs them)." >&2; \
		exit 1; fi; \
	if [ "$$maj" -ne 6 ] || [ "$$min" -ne 12 ]; then \
		echo "error: kernel $$rel in $(KDIR) is not 6.12: the driver is written against Debian's 6.12 (its DRM scheduler API differs between releases, driver/eyrie_drv.h)." >&2; \
		echo "  fix: build against Debian's 6.12 headers (the default KDIR; 'tools/install-deps.sh' installs them)." >&2; \
		exit 1; fi

module-clean:
	@[ -z "$(KDIR)" ] || [ ! -d "$(KDIR)" ] || $(MAKE) -C $(KDIR) M=$(TOP) clean >/dev/null 2>&1 || true
