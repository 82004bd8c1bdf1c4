// SPDX-License-Identifier: MIT
/*
 * Writes the float model and calibration folders accelctl adapt's
 * command-line tests use (tests/cli/test_adapt.sh):
 *   DIR/chain.onnx            the residual chain of fixture.h
 *   DIR/calib/sNN.pb          16 samples, one file each
 *   DIR/calib-dirs/NN/x.pb    4 samples, a subfolder each
 *   DIR/calib-bad/s00.pb      a sample of the wrong shape
 *   DIR/empty/                no sample at all
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fixture.h"

static int sample(const char *path, int64_t h)
{
	int64_t d[4] = { 1, 3, h, h };
	float v[3 * 8 * 8];

	fixture_fill(v, (size_t)(3 * h * h), 1.0f);
	return mg_write_tensor(path, "x", FIXTURE_FLOAT, 4, d, v, (size_t)(3 * h * h) * sizeof(float));
}

int main(int argc, char **argv)
{
	char path[4096];
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: make_fixture DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/chain.onnx", argv[1]);
	rc |= fixture_chain(path, false);
	snprintf(path, sizeof(path), "%s/calib", argv[1]);
	mkdir(path, 0755);
	for (int s = 0; s < 16; s++) {
		snprintf(path, sizeof(path), "%s/calib/s%02d.pb", argv[1], s);
		rc |= sample(path, 8);
	}
	snprintf(path, sizeof(path), "%s/calib-dirs", argv[1]);
	mkdir(path, 0755);
	for (int s = 0; s < 4; s++) {
		snprintf(path, sizeof(path), "%s/calib-dirs/%02d", argv[1], s);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/calib-dirs/%02d/x.pb", argv[1], s);
		rc |= sample(path, 8);
	}
	snprintf(path, sizeof(path), "%s/calib-bad", argv[1]);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/calib-bad/s00.pb", argv[1]);
	rc |= sample(path, 4);
	snprintf(path, sizeof(path), "%s/empty", argv[1]);
	mkdir(path, 0755);
	if (rc)
		fprintf(stderr, "make_fixture: cannot write into %s\n", argv[1]);
	return rc ? 1 : 0;
}
