# Unit tests of the kmd part that need no board (cmocka, plain and
# ASan/UBSan, against the static library so internals are reachable):
# open errors and their messages, errno advice, argument checks before any
# ioctl, the firmware log ring, libpci on this machine's PCI functions, the
# board API on emu. Included from libaccel/src/kmd/module.mk.
KMD_UNIT := $(B)/tests/unit/kmd/test_kmd
KMD_UNIT_ASAN := $(B)/asan/tests/unit/kmd/test_kmd
$(KMD_UNIT).o $(KMD_UNIT_ASAN).o: CPPFLAGS_EXTRA += -Ilibaccel/include -Ilibaccel/src \
	$(KMD_PCI_CFLAGS)
$(KMD_UNIT): $(KMD_UNIT).o $(LIBACCEL_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -o $@ $< $(LIBACCEL_STATIC_LINK) -lcmocka
$(KMD_UNIT_ASAN): $(KMD_UNIT_ASAN).o $(LIBACCEL_ASAN_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -fsanitize=address,undefined -o $@ $< \
		$(LIBACCEL_ASAN_LINK) -lcmocka
ALL_TARGETS += $(KMD_UNIT) $(KMD_UNIT_ASAN)
CHECK_SUITES += libaccel-kmd:$(KMD_UNIT) libaccel-kmd-asan:$(KMD_UNIT_ASAN)
