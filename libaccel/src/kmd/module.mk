# libaccel kmd part: the kernel-driver shim (libaccel/src/shim/kmd*.c,
# found by discovery through its weak symbol eyr_shim_kmd_ops) and the
# board API of accel/board.h (libaccel/src/kmd/board.c). Links libdrm and
# libpci. Tests: tests/unit/kmd/ (no device needed), tests/hil/kmd/ (VM).
LIBACCEL_SRCS += $(addprefix libaccel/src/shim/, kmd.c kmd_error.c kmd_pci.c) \
	libaccel/src/kmd/board.c
KMD_PCI_CFLAGS := $(shell $(PKG_CONFIG) --cflags libpci 2>/dev/null)
KMD_PCI_LIBS := $(or $(shell $(PKG_CONFIG) --libs libpci 2>/dev/null),-lpci)
LIBACCEL_CPPFLAGS += $(KMD_PCI_CFLAGS)
LIBACCEL_LIBS += $(KMD_PCI_LIBS)
# Discovery refers to eyr_shim_kmd_ops weakly, which does not pull kmd.o out
# of the static archive: a static program asks for it by name.
LIBACCEL_LIBS += -Wl,-u,eyr_shim_kmd_ops

include $(wildcard tests/unit/kmd/kmd.mk)
