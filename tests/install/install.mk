# tests/install: make install into a DESTDIR, the file list, a program built
# from the installed libaccel.pc (shared and static) run on emu, the DKMS
# tree building the module, and make uninstall leaving nothing behind.
.PHONY: test-install
test-install:
	@tests/install/test_install.sh
CHECK_SUITES += install:tests/install/test_install.sh
