# Telemetry tests (included by tools/accelctl/telemetry.mk, after libaccel.mk):
#   telemetry-unit        sample conversion, power arithmetic, Prometheus
#                         rendering, fdinfo scanning (cmocka; + ASan flavour)
#   telemetry-emu         counters, idle = static power, subscriptions,
#                         load -> heat -> throttle on the emu board (cmocka;
#                         + ASan flavour)
#   telemetry-netlink     the kmd source's reading of the eyrie netlink
#                         family's SAMPLE messages (cmocka; + ASan)
#   telemetry-power-cli   accelctl power/top: JSON/CSV contract, bad input (TAP)
#   telemetry-exporter    HTTP, 404, promtool check metrics, busy port,
#                         SIGTERM (TAP)
#   telemetry-prometheus  a real Prometheus server scraping the exporter (TAP)
TELEM_TEST_CPPFLAGS := -Ilibaccel/include -Itools/accelctl
TELEM_TOOL_SRCS := $(addprefix tools/accelctl/, telem_prom.c telem_procs.c telem_load.c)
TELEM_TOOL_OBJS := $(TELEM_TOOL_SRCS:%.c=$(B)/%.o)
TELEM_TOOL_ASAN_OBJS := $(TELEM_TOOL_SRCS:%.c=$(B)/asan/%.o)

TELEM_UNIT := $(B)/tests/telemetry/test_telemetry_unit
TELEM_EMU := $(B)/tests/telemetry/test_telemetry_emu
TELEM_NL := $(B)/tests/telemetry/test_telemetry_netlink
TELEM_UNIT_ASAN := $(B)/asan/tests/telemetry/test_telemetry_unit
TELEM_EMU_ASAN := $(B)/asan/tests/telemetry/test_telemetry_emu
TELEM_NL_ASAN := $(B)/asan/tests/telemetry/test_telemetry_netlink

$(B)/tests/telemetry/%.o $(B)/asan/tests/telemetry/%.o: CPPFLAGS_EXTRA += $(TELEM_TEST_CPPFLAGS)
$(TELEM_TOOL_ASAN_OBJS): CPPFLAGS_EXTRA += $(TELEM_TEST_CPPFLAGS)
# The netlink test reads the kmd source's parser (libaccel internal).
$(B)/tests/telemetry/test_telemetry_netlink.o $(B)/asan/tests/telemetry/test_telemetry_netlink.o: \
	CPPFLAGS_EXTRA += -Ilibaccel/src $(TELEM_NL_CFLAGS)

$(B)/tests/telemetry/test_%: $(B)/tests/telemetry/test_%.o $(TELEM_TOOL_OBJS) $(LIBACCEL_A)
	$(CC) $(LDFLAGS_COMMON) -o $@ $< $(TELEM_TOOL_OBJS) $(LIBACCEL_STATIC_LINK) -lcmocka

$(B)/asan/tests/telemetry/test_%: $(B)/asan/tests/telemetry/test_%.o $(TELEM_TOOL_ASAN_OBJS) $(LIBACCEL_ASAN_A)
	$(CC) $(LDFLAGS_COMMON) -fsanitize=address,undefined -o $@ $< \
		$(TELEM_TOOL_ASAN_OBJS) $(LIBACCEL_ASAN_LINK) -lcmocka

.PHONY: telemetry-tests
telemetry-tests: $(TELEM_UNIT) $(TELEM_EMU) $(TELEM_NL) $(TELEM_UNIT_ASAN) \
	$(TELEM_EMU_ASAN) $(TELEM_NL_ASAN)
ALL_TARGETS += $(TELEM_UNIT) $(TELEM_EMU) $(TELEM_NL) $(TELEM_UNIT_ASAN) \
	$(TELEM_EMU_ASAN) $(TELEM_NL_ASAN)

CHECK_SUITES += telemetry-unit:$(TELEM_UNIT) \
	telemetry-unit-asan:$(TELEM_UNIT_ASAN) \
	telemetry-emu:$(TELEM_EMU) \
	telemetry-emu-asan:$(TELEM_EMU_ASAN) \
	telemetry-netlink:$(TELEM_NL) \
	telemetry-netlink-asan:$(TELEM_NL_ASAN) \
	telemetry-power-cli:tests/telemetry/power_cli.sh~$(B)/bin/accelctl \
	telemetry-exporter:tests/telemetry/exporter.sh~$(B)/bin/accelctl \
	telemetry-prometheus:tests/telemetry/prometheus.sh~$(B)/bin/accelctl

# The HIL case (tests/hil runs every $(B)/tests/hil/bin/hil_* in the VM or
# on a board): power, a stream next to `accelctl run`, top, the exporter.
HIL_TELEMETRY := $(B)/tests/hil/bin/hil_telemetry
$(HIL_TELEMETRY): tests/telemetry/hil_telemetry.sh
	@mkdir -p $(dir $@)
	install -m 755 $< $@
ALL_TARGETS += $(HIL_TELEMETRY)

# The HIL case's hang injector (a helper the case calls, not a case):
# linked with the static libaccel so the guest needs no build tree.
TELEM_HANG := $(B)/tests/hil/helpers/telem_hang
$(TELEM_HANG): $(B)/tests/telemetry/telem_hang.o $(LIBACCEL_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $< $(LIBACCEL_STATIC_LINK)
ALL_TARGETS += $(TELEM_HANG)
