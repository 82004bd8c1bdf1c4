# sim/daemon: eyrie-sim, the emulated board behind QEMU's ivshmem-doorbell.
# Included from tests/hil/hil.mk (after sim/sim.mk, which defines SIM_LIB).
#
#   make build/sim/eyrie-sim           the daemon
#   build/sim/eyrie-sim --help
#
# Its unit test (sim-daemon) drives the daemon as QEMU would: it connects to
# the socket, takes the BAR2 fd and eventfds, rings doorbells and waits for
# interrupts. The sanitizer flavour runs the daemon built with ASan/UBSan.

SIM_DAEMON_SRCS := sim/daemon/main.c sim/daemon/options.c sim/daemon/log.c \
	sim/daemon/board.c sim/daemon/guest_ram.c sim/daemon/ivshmem_proto.c
SIM_DAEMON := $(B)/sim/eyrie-sim
SIM_DAEMON_ASAN := $(B)/asan/sim/eyrie-sim
SIM_DAEMON_LIB := $(or $(SIM_LIB),$(B)/sim/libeyriesim.a)
SIM_DAEMON_LIB_ASAN := $(or $(SIM_LIB_ASAN),$(SIM_DAEMON_LIB))
SIM_DAEMON_LDLIBS := $(or $(SIM_LDLIBS),-lm)

SIM_DAEMON_OBJS := $(SIM_DAEMON_SRCS:%.c=$(B)/%.o)
SIM_DAEMON_ASAN_OBJS := $(SIM_DAEMON_SRCS:%.c=$(B)/asan/%.o)
$(SIM_DAEMON_OBJS) $(SIM_DAEMON_ASAN_OBJS): CPPFLAGS_EXTRA += -Isim/include

$(SIM_DAEMON): $(SIM_DAEMON_OBJS) $(SIM_DAEMON_LIB)
	$(CC) $(LDFLAGS_COMMON) -o $@ $^ $(SIM_DAEMON_LDLIBS)

$(SIM_DAEMON_ASAN): $(SIM_DAEMON_ASAN_OBJS) $(SIM_DAEMON_LIB_ASAN)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -fsanitize=address,undefined -o $@ $^ $(SIM_DAEMON_LDLIBS)

SIM_DAEMON_TEST := $(B)/tests/sim-daemon/test_daemon
SIM_DAEMON_TEST_OBJS := $(B)/sim/daemon/tests/test_daemon.o \
	$(B)/sim/daemon/ivshmem_proto.o
$(B)/sim/daemon/tests/test_daemon.o: CPPFLAGS_EXTRA += -Isim/include -Isim/daemon
$(SIM_DAEMON_TEST): $(SIM_DAEMON_TEST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $^ -lcmocka

# Guest RAM bounds arithmetic, plain and sanitized.
SIM_DAEMON_RAM_TEST := $(B)/tests/sim-daemon/test_guest_ram
SIM_DAEMON_RAM_TEST_ASAN := $(B)/asan/tests/sim-daemon/test_guest_ram
$(B)/sim/daemon/tests/test_guest_ram.o $(B)/asan/sim/daemon/tests/test_guest_ram.o: \
	CPPFLAGS_EXTRA += -Isim/daemon
$(SIM_DAEMON_RAM_TEST): $(B)/sim/daemon/tests/test_guest_ram.o \
		$(B)/sim/daemon/guest_ram.o $(B)/sim/daemon/log.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $^ -lcmocka
$(SIM_DAEMON_RAM_TEST_ASAN): $(B)/asan/sim/daemon/tests/test_guest_ram.o \
		$(B)/asan/sim/daemon/guest_ram.o $(B)/asan/sim/daemon/log.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -fsanitize=address,undefined -o $@ $^ -lcmocka

ALL_TARGETS += $(SIM_DAEMON) $(SIM_DAEMON_ASAN) $(SIM_DAEMON_TEST) \
	$(SIM_DAEMON_RAM_TEST) $(SIM_DAEMON_RAM_TEST_ASAN)
CHECK_SUITES += sim-daemon-guest-ram:$(SIM_DAEMON_RAM_TEST)
CHECK_SUITES += sim-daemon-guest-ram-asan:$(SIM_DAEMON_RAM_TEST_ASAN)
CHECK_SUITES += sim-daemon:$(SIM_DAEMON_TEST)~$(SIM_DAEMON)
CHECK_SUITES += sim-daemon-asan:$(SIM_DAEMON_TEST)~$(SIM_DAEMON_ASAN)
