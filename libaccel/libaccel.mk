# libaccel: the userspace library (see docs/libaccel.md).
#
# Each part of the library lives in libaccel/src/<part>/ with a module.mk that
# appends its sources to LIBACCEL_SRCS (and its tests to CHECK_SUITES), so the
# parts build into one library without editing this file.
LIBACCEL_SRCS :=
LIBACCEL_CPPFLAGS := -Ilibaccel/include -Ilibaccel/src -Isim/include
include $(sort $(wildcard libaccel/src/*/module.mk))
