# Shared build conventions for every userspace fragment (*/*.mk).
#
# Objects go under $(B)/ mirroring the source tree; the sanitizer flavour of
# the same source goes under $(B)/asan/. A fragment lists its sources and
# links them; these pattern rules compile them. Fragments add to:
#   ALL_TARGETS    built by plain `make`
#   CHECK_SUITES   run by `make check`: each entry is NAME:COMMAND (the
#                  command prints TAP, see tests/run-suites.sh); use '~'
#                  for spaces inside COMMAND
#   FULL_SUITES    extra suites for `make check-full`
#   BENCH_TARGETS  phony targets run by `make bench`

B ?= build
CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif
AR ?= ar
PKG_CONFIG ?= pkg-config

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-missing-field-initializers
CSTD := -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE
OPT ?= -O2 -g
CPPFLAGS_COMMON := -Iuapi $(shell $(PKG_CONFIG) --cflags libdrm 2>/dev/null)
CFLAGS_COMMON := $(CSTD) $(OPT) $(WARN) -fPIC -pthread
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDFLAGS_COMMON := -pthread

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_COMMON) $(CPPFLAGS_EXTRA) $(CFLAGS_COMMON) $(CFLAGS_EXTRA) \
		-MMD -MP -c $< -o $@

$(B)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_COMMON) $(CPPFLAGS_EXTRA) $(CSTD) $(WARN) -pthread $(SAN_FLAGS) \
		$(CFLAGS_EXTRA) -MMD -MP -c $< -o $@

# Generated sources live under $(B)/gen/ and compile with the same rules.
$(B)/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_COMMON) $(CPPFLAGS_EXTRA) $(CFLAGS_COMMON) $(CFLAGS_EXTRA) \
		-Wno-shadow -MMD -MP -c $< -o $@
