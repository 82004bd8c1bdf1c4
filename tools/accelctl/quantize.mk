# accelctl quantize: post-training quantization (libaccel's accel/quantize.h).
ACCELCTL_SRCS += tools/accelctl/cmd_quantize.c
