// SPDX-License-Identifier: MIT
/*
 * accelctl exporter: the device's telemetry as Prometheus metrics over
 * HTTP (libmicrohttpd). Each scrape of /metrics reads the telemetry block
 * once; nothing is cached, so the counters are as fresh as the device's
 * last publication.
 *
 * We bind the listening socket ourselves and hand it to libmicrohttpd, so
 * that a busy port is reported with its errno and a fix rather than as a
 * bare start-up failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "telem_common.h"
#include "telem_load.h"
#include "telem_prom.h"

#define EXPORTER_DEFAULT_LISTEN	"127.0.0.1:9475"
#define METRICS_PATH		"/metrics"

struct exporter {
	struct accel_device *dev;
	const char *device_name;
};

ACCELCTL_COMMAND(exporter);

const char cmd_exporter_usage[] =
	"Usage: accelctl [-d DEVICE] exporter [--listen ADDR:PORT] [--load]\n"
	"\n"
	"Serves the device's telemetry in the Prometheus text format at\n"
	"http://ADDR:PORT/metrics (other paths: 404) until SIGINT or SIGTERM:\n"
	"  eyrie_energy_joules_total{device,domain}  counter, domains dram, glb,\n"
	"                                            noc, rf, mac, static\n"
	"  eyrie_power_watts{device}                 gauge\n"
	"  eyrie_temperature_celsius{device}         gauge\n"
	"  eyrie_utilization_ratio{device}           gauge\n"
	"  and eyrie_throttled, eyrie_clock_hertz, eyrie_throttle_events_total,\n"
	"  eyrie_jobs_completed_total, eyrie_busy_seconds_total.\n"
	"\n"
	"  -l, --listen ADDR:PORT  address to serve on (default " EXPORTER_DEFAULT_LISTEN ";\n"
	"                          [v6addr]:PORT for IPv6; port 0 picks a free one)\n"
	"      --load              run a synthetic workload on the device (emu test\n"
	"                          hook: power, temperature and utilization rise)\n"
	"\n"
	"On the emu device the board lives inside the exporter's own process:\n"
	"idle, it draws its static power, so the static energy counter rises\n"
	"between scrapes; other processes' work is visible only on kmd devices.\n"
	"The address actually served is printed on stderr at start.\n"
	"Exit: 0 stopped by a signal, 2 usage, 3 device or socket error.\n";

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned int status,
				 const char *type, char *body, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_message(struct MHD_Connection *conn,
				    unsigned int status, const char *msg)
{
	return send_text(conn, status, "text/plain; charset=utf-8", (char *)msg,
			 strlen(msg));
}

static enum MHD_Result serve_metrics(struct exporter *ex, struct MHD_Connection *conn)
{
	struct prom_device pd = { .name = ex->device_name };
	enum MHD_Result ret;
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	pd.sample.sz = sizeof(pd.sample);
	if (accel_telemetry_sample_read(ex->dev, &pd.sample)) {
		char msg[768];

		snprintf(msg, sizeof(msg), "telemetry read failed: %s\n",
			 accel_last_error());
		return send_message(conn, MHD_HTTP_SERVICE_UNAVAILABLE, msg);
	}
	f = open_memstream(&body, &len);
	if (!f)
		return send_message(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "out of memory\n");
	if (prom_render(f, &pd, 1) || fclose(f)) {
		free(body);
		return send_message(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "cannot format the metrics\n");
	}
	ret = send_text(conn, MHD_HTTP_OK, PROM_CONTENT_TYPE, body, len);
	free(body);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct exporter *ex = cls;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return send_message(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				    "only GET and HEAD are served\n");
	if (strcmp(url, METRICS_PATH) != 0)
		return send_message(conn, MHD_HTTP_NOT_FOUND,
				    "not found: the metrics are at " METRICS_PATH "\n");
	return serve_metrics(ex, conn);
}

/* Splits "ADDR:PORT" or "[V6]:PORT" into host and port strings. */
static int split_listen(const char *text, char *host, size_t hlen, char *port,
			size_t plen)
{
	const char *colon;
	size_t n;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':')
			return -1;
		n = (size_t)(close - text - 1);
		if (n == 0 || n >= hlen)
			return -1;
		memcpy(host, text + 1, n);
		host[n] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon || colon == text || memchr(text, ':', (size_t)(colon - text)))
			return -1;
		n = (size_t)(colon - text);
		if (n >= hlen)
			return -1;
		memcpy(host, text, n);
		host[n] = '\0';
	}
	if (strlen(colon + 1) >= plen)
		return -1;
	strcpy(port, colon + 1);
	return 0;
}

/* Binds and listens; prints the error and returns its exit code on failure. */
static int listen_on(const struct accelctl *ctx, const char *listen_text,
		     const char *host, const char *port, int *out_fd)
{
	struct addrinfo hints = { 0 }, *ai;
	int fd, one = 1, err;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	err = getaddrinfo(host, port, &hints, &ai);
	if (err) {
		return accelctl_usage_error(ctx,
					    "--listen %s: '%s' is not a numeric address (%s); use e.g. 127.0.0.1:9475 or [::1]:9475",
					    listen_text, host, gai_strerror(err));
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(ai);
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE,
				     "cannot create a socket: %s", strerror(errno));
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64)) {
		err = errno;
		if (err == EADDRINUSE)
			accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE,
				      "cannot listen on %s: port %s is already in use (another exporter?); stop the process that holds it (see: ss -ltnp 'sport = :%s') or pick another port with --listen ADDR:PORT",
				      listen_text, port, port);
		else if (err == EADDRNOTAVAIL)
			accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE,
				      "cannot listen on %s: %s is not an address of this machine; use 127.0.0.1, 0.0.0.0 or one of `ip addr`'s addresses",
				      listen_text, host);
		else if (err == EACCES)
			accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE,
				      "cannot listen on %s: permission denied (ports below 1024 need root); pick a port >= 1024 with --listen",
				      listen_text);
		else
			accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "cannot listen on %s: %s",
				      listen_text, strerror(err));
		close(fd);
		freeaddrinfo(ai);
		return ACCELCTL_EXIT_DEVICE;
	}
	freeaddrinfo(ai);
	*out_fd = fd;
	return 0;
}

/* The port actually bound (port 0 asks the kernel for a free one). */
static unsigned int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int cmd_exporter(struct accelctl *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "load", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen_text = EXPORTER_DEFAULT_LISTEN;
	struct exporter ex = { 0 };
	struct telem_load *load = NULL;
	struct MHD_Daemon *daemon;
	char host[128], port[16];
	bool want_load = false;
	int opt, fd = -1, rc;

	while ((opt = accelctl_getopt(argc, argv, "l:h", longopts)) != -1) {
		switch (opt) {
		case 'l':
			listen_text = optarg;
			break;
		case 'L':
			want_load = true;
			break;
		case 'h':
			fputs(cmd_exporter_usage, stdout);
			return ACCELCTL_EXIT_OK;
		default:
			return accelctl_bad_option(ctx, argv);
		}
	}
	if (optind < argc)
		return accelctl_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (split_listen(listen_text, host, sizeof(host), port, sizeof(port))) {
		return accelctl_usage_error(ctx,
					    "--listen takes ADDR:PORT (e.g. 127.0.0.1:9475 or [::1]:9475), not '%s'",
					    listen_text);
	}
	{
		uint64_t p;

		if (accelctl_parse_u64(port, 0, 65535, &p))
			return accelctl_usage_error(ctx,
						    "--listen %s: the port must be a number from 0 to 65535",
						    listen_text);
	}
	/* The socket first: a busy port fails fast, before a device boots. */
	rc = listen_on(ctx, listen_text, host, port, &fd);
	if (rc)
		return rc;
	rc = telem_open_device(ctx, 0, &ex.dev);
	if (rc) {
		close(fd);
		return rc;
	}
	ex.device_name = accel_device_name(ex.dev);
	/* No scrape before the device has a full sample period to report. */
	if (telem_wait_first_period(ex.dev)) {
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
		close(fd);
		accel_device_close(ex.dev);
		return rc;
	}
	daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
				  0, NULL, NULL, on_request, &ex,
				  MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				  MHD_OPTION_END);
	if (!daemon) {
		close(fd);
		accel_device_close(ex.dev);
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE,
				     "libmicrohttpd could not start serving on %s; see its message above",
				     listen_text);
	}
	if (want_load) {
		rc = telem_load_start(ex.dev, &load);
		if (rc) {
			MHD_stop_daemon(daemon);
			close(fd);
			accel_device_close(ex.dev);
			return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE,
					     "cannot start the synthetic load: %s",
					     accel_last_error());
		}
	}
	telem_catch_stop_signals();
	fprintf(stderr, "accelctl exporter: serving http://%s%s%s:%u" METRICS_PATH
		" for device %s (%s)%s\n",
		strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
		bound_port(fd), ex.device_name, accel_device_shim(ex.dev),
		want_load ? " with a synthetic load" : "");
	while (!telem_stop_requested) {
		struct timespec nap = { 0, 100000000 };	/* 0.1 s */

		nanosleep(&nap, NULL);
		if (load && telem_load_failed(load)) {
			rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE,
					   "the synthetic load failed: %s",
					   telem_load_error(load));
			telem_load_stop(load);
			MHD_stop_daemon(daemon);
			close(fd);
			accel_device_close(ex.dev);
			return rc;
		}
	}
	fprintf(stderr, "accelctl exporter: stopping\n");
	telem_load_stop(load);
	MHD_stop_daemon(daemon);
	close(fd);
	accel_device_close(ex.dev);
	return ACCELCTL_EXIT_OK;
}
