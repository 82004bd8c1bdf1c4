/* SPDX-License-Identifier: MIT */
/* eyrie-sim command line. */
#ifndef EYRIE_DAEMON_OPTIONS_H
#define EYRIE_DAEMON_OPTIONS_H

#include "board.h"
#include "log.h"

struct daemon_options {
	const char *socket_path;
	const char *log_path;
	enum daemon_log_level log_level;
	int exit_after_clients;		/* 0: serve forever */
	struct board_options board;
};

enum options_result {
	OPTIONS_RUN = 0,
	OPTIONS_EXIT_OK = 1,		/* --help was printed */
	OPTIONS_EXIT_USAGE = 2,		/* an error was printed */
};

enum options_result options_parse(struct daemon_options *o, int argc,
				  char **argv);

#endif /* EYRIE_DAEMON_OPTIONS_H */
