# accelctl run: ONNX models on the device (libaccel's model runner).
ACCELCTL_SRCS += tools/accelctl/cmd_run.c
