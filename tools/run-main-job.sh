#!/bin/sh
# The main job behind `make run`: the generated ResNet-18 (full size, int8,
# seeded weights, build/models/resnet18.onnx) end to end on the emulated
# device, checked bit for bit against the CPU reference, with its per-layer
# and total cycles and energy breakdown.
set -e
cd "$(dirname "$0")/.."
B=${B:-build}
model=$B/models/resnet18.onnx
input=$B/models/resnet18.input.pb
if [ ! -f "$model" ] || [ ! -f "$input" ]; then
	make --no-print-directory "$model"
fi
echo "make run: ResNet-18 ($model) on the emulated device, --check against the CPU reference"
echo "(compiling schedules every layer; the check runs the reference on the CPU)"
exec "$B/bin/accelctl" -d emu run "$model" --input "$input" --check
