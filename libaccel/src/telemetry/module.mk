# libaccel telemetry: samples with derived values, subscriptions from the
# in-process device (emu) or the eyrie driver's generic netlink family (kmd,
# libnl-genl). See docs/telemetry.md. Tests: tests/telemetry/.
LIBACCEL_SRCS += $(addprefix libaccel/src/telemetry/, \
	sample.c subscribe.c source_emu.c source_kmd.c)
TELEM_NL_CFLAGS := $(shell $(PKG_CONFIG) --cflags libnl-genl-3.0 2>/dev/null)
TELEM_NL_LIBS := $(or $(shell $(PKG_CONFIG) --libs libnl-genl-3.0 2>/dev/null),-lnl-genl-3 -lnl-3)
LIBACCEL_CPPFLAGS += $(TELEM_NL_CFLAGS)
LIBACCEL_LIBS += $(TELEM_NL_LIBS)
