# libaccel: the userspace library (see docs/libaccel.md).
#
# Each part of the library lives in libaccel/src/<part>/ with a module.mk that
# appends its sources to LIBACCEL_SRCS (and its tests to CHECK_SUITES), so the
# parts build into one library without editing this file. A part that needs a
# system library appends its link flags to LIBACCEL_LIBS (e.g. -lprotobuf-c);
# a part with generated sources lists them as $(B)/gen/....c.
#
# Outputs:
#   $(B)/lib/libaccel.so.1   shared (soname libaccel.so.1; libaccel.so links to it)
#   $(B)/lib/libaccel.a      static, with the device model (SIM_LIB) merged in
#   $(B)/asan/lib/libaccel.a the same sources built with ASan/UBSan
#   $(B)/lib/pkgconfig/libaccel.pc
# Only accel_* symbols are exported (libaccel/libaccel.map); internal
# functions use the eyr_ prefix.
LIBACCEL_SRCS :=
LIBACCEL_CPPFLAGS := -Ilibaccel/include -Ilibaccel/src -Isim/include
LIBACCEL_LIBS := -ldrm -lm -pthread

SIM_LIB ?= $(B)/sim/libeyriesim.a
# The sanitizer flavour links the sim's own ASan build when it has one.
SIM_ASAN_LIB ?= $(or $(SIM_LIB_ASAN),$(SIM_LIB))

# Outputs, named before the parts are included so their test rules can
# depend on them (rule prerequisites expand when read).
LIBACCEL_SO := $(B)/lib/libaccel.so.1
LIBACCEL_A := $(B)/lib/libaccel.a
LIBACCEL_ASAN_A := $(B)/asan/lib/libaccel.a
LIBACCEL_PC := $(B)/lib/pkgconfig/libaccel.pc
LIBACCEL_MAP := libaccel/libaccel.map
# What a test links with to use the static library (internals visible).
LIBACCEL_STATIC_LINK = $(LIBACCEL_A) $(LIBACCEL_LIBS)
LIBACCEL_ASAN_LINK = $(LIBACCEL_ASAN_A) $(LIBACCEL_LIBS)

include $(sort $(wildcard libaccel/src/*/module.mk))

# Sources under $(B)/ (generated) keep their path; others mirror into $(B)/.
libaccel_obj = $(foreach s,$(1),$(if $(filter $(B)/%,$(s)),$(2)$(patsubst $(B)/%,%,$(s:.c=.o)),$(2)$(s:.c=.o)))
LIBACCEL_OBJS := $(call libaccel_obj,$(LIBACCEL_SRCS),$(B)/)
LIBACCEL_ASAN_OBJS := $(call libaccel_obj,$(filter-out $(B)/%,$(LIBACCEL_SRCS)),$(B)/asan/) \
	$(patsubst $(B)/%.c,$(B)/asan/%.o,$(filter $(B)/%,$(LIBACCEL_SRCS)))

$(LIBACCEL_OBJS) $(LIBACCEL_ASAN_OBJS): CPPFLAGS_EXTRA += $(LIBACCEL_CPPFLAGS)
# Generated sources compile from $(B)/gen; their ASan flavour too.
$(B)/asan/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_COMMON) $(CPPFLAGS_EXTRA) $(CSTD) $(WARN) -pthread $(SAN_FLAGS) \
		$(CFLAGS_EXTRA) -Wno-shadow -MMD -MP -c $< -o $@

$(LIBACCEL_SO): $(LIBACCEL_OBJS) $(SIM_LIB) $(LIBACCEL_MAP)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libaccel.so.1 -Wl,--version-script=$(LIBACCEL_MAP) \
		-Wl,--no-undefined $(LDFLAGS_COMMON) -o $@ $(LIBACCEL_OBJS) $(SIM_LIB) $(LIBACCEL_LIBS)
	ln -sf libaccel.so.1 $(B)/lib/libaccel.so

# The static archive carries the device model, so users need no sim library.
define libaccel_archive
	@mkdir -p $(dir $(1))
	rm -f $(1) $(1).tmp.a
	$(AR) rcs $(1).tmp.a $(2)
	printf 'CREATE %s\nADDLIB %s\nADDLIB %s\nSAVE\nEND\n' $(1) $(1).tmp.a $(3) | $(AR) -M
	rm -f $(1).tmp.a
endef

$(LIBACCEL_A): $(LIBACCEL_OBJS) $(SIM_LIB)
	$(call libaccel_archive,$@,$(LIBACCEL_OBJS),$(SIM_LIB))

$(LIBACCEL_ASAN_A): $(LIBACCEL_ASAN_OBJS) $(SIM_ASAN_LIB)
	$(call libaccel_archive,$@,$(LIBACCEL_ASAN_OBJS),$(SIM_ASAN_LIB))

$(LIBACCEL_PC): libaccel/libaccel.pc.in libaccel/include/accel/libaccel.h
	@mkdir -p $(dir $@)
	v=$$(sed -n 's/^#define ACCEL_VERSION_\(MAJOR\|MINOR\|PATCH\)[[:space:]]*\([0-9]*\).*/\2/p' \
		libaccel/include/accel/libaccel.h | paste -sd.); \
	sed -e "s|@PREFIX@|$(or $(PREFIX),/usr/local)|" -e "s|@VERSION@|$$v|" \
		-e "s|@LIBS_PRIVATE@|$(LIBACCEL_LIBS)|" $< > $@

.PHONY: libaccel
libaccel: $(LIBACCEL_SO) $(LIBACCEL_A) $(LIBACCEL_PC)
ALL_TARGETS += $(LIBACCEL_SO) $(LIBACCEL_A) $(LIBACCEL_PC)
