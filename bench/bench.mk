# bench: build fragment (see mk/common.mk for the conventions).
