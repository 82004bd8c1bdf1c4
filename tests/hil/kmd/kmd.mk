# tests/hil/kmd: HIL cases of libaccel's kmd shim and of accelctl on the
# real driver (docs/install.md, "Tests"). Included last (mk/install.mk),
# since it links accelctl's objects and the static libaccel.
#
#   hil_kmd_shim      the public API on /dev/accel/accel0 (C, TAP)
#   hil_kmd_accelctl  accelctl list/info/fw/reset and `run --check` on the
#                     generated networks, output hashes against the host's
#                     emu run of the same model and input (sh, TAP)
# Both land in build/tests/hil/bin/, which the harness runs in the VM; what
# they need goes to build/tests/hil/helpers/ (programs: accelctl, linked
# with the static libaccel so the guest needs no build tree) and
# build/tests/hil/data/kmd/ (models, inputs, expected hashes).
HIL_KMD_BIN := $(B)/tests/hil/bin
HIL_KMD_HELPERS := $(B)/tests/hil/helpers
HIL_KMD_DATA := $(B)/tests/hil/data/kmd
# ResNet-18 at reduced resolution (the issue's floor) and MobileNetV2
# (depthwise layers); the others take minutes under TCG.
HIL_KMD_MODELS := resnet18-reduced mobilenetv2-reduced

$(B)/tests/hil/kmd/%.o: CPPFLAGS_EXTRA += -Ilibaccel/include -Itests/hil/src
$(HIL_KMD_BIN)/hil_kmd_shim: $(B)/tests/hil/kmd/hil_kmd_shim.o $(B)/tests/hil/src/tap.o $(LIBACCEL_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $(B)/tests/hil/kmd/hil_kmd_shim.o \
		$(B)/tests/hil/src/tap.o $(LIBACCEL_STATIC_LINK)

$(HIL_KMD_BIN)/hil_kmd_accelctl: tests/hil/kmd/hil_kmd_accelctl.sh
	@mkdir -p $(dir $@)
	install -m 755 $< $@

$(HIL_KMD_HELPERS)/accelctl: $(ACCELCTL_OBJS) $(LIBACCEL_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $(ACCELCTL_OBJS) $(LIBACCEL_STATIC_LINK) \
		$(ACCELCTL_LIBS) -lm

# The host's half of the comparison: the same model and input on emu.
$(HIL_KMD_DATA)/%.sha256: $(MODEL_DIR)/%.onnx $(ACCELCTL) $(LIBACCEL_SO) $(FW_IMAGE) \
		tests/hil/kmd/host-ref.sh
	tests/hil/kmd/host-ref.sh $(ACCELCTL) $(MODEL_DIR) $* $(HIL_KMD_DATA)

$(HIL_KMD_DATA)/models.list: $(HIL_KMD_MODELS:%=$(HIL_KMD_DATA)/%.sha256)
	printf '%s\n' $(HIL_KMD_MODELS) >$@

HIL_KMD_TARGETS := $(HIL_KMD_BIN)/hil_kmd_shim $(HIL_KMD_BIN)/hil_kmd_accelctl \
	$(HIL_KMD_HELPERS)/accelctl $(HIL_KMD_DATA)/models.list
.PHONY: hil-kmd
hil-kmd: $(HIL_KMD_TARGETS)
ALL_TARGETS += $(HIL_KMD_TARGETS)
