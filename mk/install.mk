# Packaging: make install / make uninstall (docs/install.md).
#
#   make install   [PREFIX=/usr/local] [DESTDIR=] [DKMS_INSTALL=1]
#   make uninstall [same variables]: removes exactly what install put there
#
# Under PREFIX: the library (shared with its soname links, static), the
# public headers, libaccel.pc (its prefix is PREFIX), accelctl, its man
# page. Outside PREFIX, where the system looks for them: the firmware in
# FIRMWAREDIR/eyrie/ (request_firmware's /lib/firmware), the udev rule in
# UDEVRULESDIR; with DKMS_INSTALL=1 the module's DKMS source tree in
# /usr/src/eyrie-VERSION (then `dkms install eyrie/VERSION`). DESTDIR
# prefixes every path (staging, packaging, the install test).
#
# Included last by the top Makefile: it installs what the other fragments
# build (LIBACCEL_*, ACCELCTL, FW_IMAGE), and it includes the fragments of
# tests that need them all (tests/install, tests/hil/kmd).
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
FIRMWAREDIR ?= /lib/firmware
UDEVRULESDIR ?= /etc/udev/rules.d
DKMS_SRCDIR ?= /usr/src
DKMS_INSTALL ?= 0
INSTALL ?= install

EYRIE_VERSION := $(shell sed -n 's/^\#define ACCEL_VERSION_\(MAJOR\|MINOR\|PATCH\)[[:space:]]*\([0-9]*\).*/\2/p' \
	libaccel/include/accel/libaccel.h | paste -sd.)
LIBACCEL_REAL := libaccel.so.$(EYRIE_VERSION)
INSTALL_HEADERS := $(wildcard libaccel/include/accel/*.h)
ACCELCTL_MAN := docs/accelctl.8
UDEV_RULE := tools/udev/70-eyrie.rules
DKMS_DIR := $(DKMS_SRCDIR)/eyrie-$(EYRIE_VERSION)
# The module's sources as Kbuild sees them (no build outputs, no tests).
DKMS_FILES := Kbuild driver/Kbuild $(sort $(wildcard driver/eyrie_*.c driver/eyrie_*.h)) \
	$(sort $(wildcard uapi/*.h uapi/drm/*.h))

# Every path install creates (under DESTDIR), one per line: uninstall removes
# these, the install test compares them with what it finds.
define INSTALL_MANIFEST
$(BINDIR)/accelctl
$(LIBDIR)/$(LIBACCEL_REAL)
$(LIBDIR)/libaccel.so.1
$(LIBDIR)/libaccel.so
$(LIBDIR)/libaccel.a
$(PKGCONFIGDIR)/libaccel.pc
$(INSTALL_HEADERS:libaccel/include/%=$(INCLUDEDIR)/%)
$(MANDIR)/man8/accelctl.8
$(FIRMWAREDIR)/eyrie/eyrie_fw.bin
$(UDEVRULESDIR)/70-eyrie.rules
$(if $(filter 1,$(DKMS_INSTALL)),$(DKMS_DIR)/dkms.conf $(DKMS_DIR)/Makefile $(DKMS_FILES:%=$(DKMS_DIR)/%))
endef
# Directories that are ours alone (removed when empty after uninstall).
INSTALL_OWN_DIRS := $(INCLUDEDIR)/accel $(FIRMWAREDIR)/eyrie \
	$(if $(filter 1,$(DKMS_INSTALL)),$(DKMS_DIR)/uapi/drm $(DKMS_DIR)/uapi $(DKMS_DIR)/driver $(DKMS_DIR))

.PHONY: install uninstall install-manifest
install: $(LIBACCEL_SO) $(LIBACCEL_A) $(ACCELCTL) $(FW_IMAGE)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/accel $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(FIRMWAREDIR)/eyrie $(DESTDIR)$(UDEVRULESDIR)
	$(INSTALL) -m 755 $(LIBACCEL_SO) $(DESTDIR)$(LIBDIR)/$(LIBACCEL_REAL)
	ln -sfn $(LIBACCEL_REAL) $(DESTDIR)$(LIBDIR)/libaccel.so.1
	ln -sfn libaccel.so.1 $(DESTDIR)$(LIBDIR)/libaccel.so
	$(INSTALL) -m 644 $(LIBACCEL_A) $(DESTDIR)$(LIBDIR)/libaccel.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(EYRIE_VERSION)|' \
		-e 's|@LIBS_PRIVATE@|$(LIBACCEL_LIBS)|' \
		-e 's|^libdir=.*|libdir=$(patsubst $(PREFIX)%,$${exec_prefix}%,$(LIBDIR))|' \
		-e 's|^includedir=.*|includedir=$(patsubst $(PREFIX)%,$${prefix}%,$(INCLUDEDIR))|' \
		libaccel/libaccel.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/libaccel.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/libaccel.pc
	$(INSTALL) -m 644 $(INSTALL_HEADERS) $(DESTDIR)$(INCLUDEDIR)/accel/
	$(INSTALL) -m 755 $(ACCELCTL) $(DESTDIR)$(BINDIR)/accelctl
	$(INSTALL) -m 644 $(ACCELCTL_MAN) $(DESTDIR)$(MANDIR)/man8/accelctl.8
	$(INSTALL) -m 644 $(FW_IMAGE) $(DESTDIR)$(FIRMWAREDIR)/eyrie/eyrie_fw.bin
	$(INSTALL) -m 644 $(UDEV_RULE) $(DESTDIR)$(UDEVRULESDIR)/70-eyrie.rules
ifeq ($(DKMS_INSTALL),1)
	$(INSTALL) -d $(DESTDIR)$(DKMS_DIR)/driver $(DESTDIR)$(DKMS_DIR)/uapi/drm
	for f in $(DKMS_FILES); do $(INSTALL) -m 644 $$f $(DESTDIR)$(DKMS_DIR)/$$f || exit 1; done
	$(INSTALL) -m 644 tools/dkms/Makefile $(DESTDIR)$(DKMS_DIR)/Makefile
	sed 's|@VERSION@|$(EYRIE_VERSION)|g' tools/dkms/dkms.conf >$(DESTDIR)$(DKMS_DIR)/dkms.conf
	chmod 644 $(DESTDIR)$(DKMS_DIR)/dkms.conf
	@echo "DKMS sources in $(DESTDIR)$(DKMS_DIR): dkms install eyrie/$(EYRIE_VERSION)"
endif
	@echo "installed under $(DESTDIR)$(PREFIX); run ldconfig and 'udevadm control --reload' when installing for real (docs/install.md)"

uninstall:
	rm -f $(addprefix $(DESTDIR),$(strip $(INSTALL_MANIFEST)))
	for d in $(addprefix $(DESTDIR),$(INSTALL_OWN_DIRS)); do \
		[ ! -d "$$d" ] || rmdir "$$d" 2>/dev/null || true; done

# The manifest as a file list (for the install test).
install-manifest:
	@printf '%s\n' $(strip $(INSTALL_MANIFEST))

include $(wildcard tests/install/install.mk tests/hil/kmd/kmd.mk)
