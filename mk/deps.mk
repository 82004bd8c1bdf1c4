# Dependencies come from Debian packages through tools/install-deps.sh, which
# is only run when something is missing (the check is one dpkg-query).
DEPS_STAMP := $(B)/.deps-ok
deps: $(DEPS_STAMP)
# A new pinned onnxruntime-node (the tests' oracle) re-runs it too.
$(DEPS_STAMP): tools/install-deps.sh tests/oracle/package-lock.json
	@tools/install-deps.sh --check 2>/dev/null || tools/install-deps.sh
	@mkdir -p $(B) && touch $@
