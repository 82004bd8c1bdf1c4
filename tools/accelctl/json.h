/* SPDX-License-Identifier: MIT */
/*
 * A small streaming JSON writer for accelctl's --json output: it tracks
 * nesting and commas, escapes strings, and prints NaN/inf as null, so every
 * command's output parses. Pretty (indented) or compact (one line: for
 * one-object-per-line streams).
 */
#ifndef ACCELCTL_JSON_H
#define ACCELCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
	FILE *f;
	bool pretty;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool in_array[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f, bool pretty);
/* key is the member name inside an object; NULL inside an array or at top. */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *value);
void json_u64(struct json *j, const char *key, uint64_t value);
void json_i64(struct json *j, const char *key, int64_t value);
void json_double(struct json *j, const char *key, double value);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);
/* Ends the document with a newline (after the top-level value). */
void json_finish(struct json *j);

#endif /* ACCELCTL_JSON_H */
