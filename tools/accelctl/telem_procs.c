// SPDX-License-Identifier: MIT
/*
 * DRM fdinfo scanner for accelctl top (kmd devices): which processes use
 * an eyrie device, and how much (busy time, energy, jobs).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "telem_procs.h"

static uint64_t number_after(const char *value)
{
	return strtoull(value, NULL, 10);
}

int telem_fdinfo_parse(FILE *f, struct telem_client *c)
{
	char line[256];
	bool eyrie = false, has_client = false;

	c->pdev[0] = '\0';
	c->client_id = 0;
	c->engine_ns = c->energy_fj = c->jobs_completed = 0;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		char *value;

		if (!colon)
			continue;
		*colon = '\0';
		value = colon + 1;
		while (*value == ' ' || *value == '\t')
			value++;
		value[strcspn(value, "\n")] = '\0';
		if (!strcmp(line, "drm-driver")) {
			eyrie = !strcmp(value, "eyrie");
		} else if (!strcmp(line, "drm-client-id")) {
			c->client_id = number_after(value);
			has_client = true;
		} else if (!strcmp(line, "drm-pdev")) {
			snprintf(c->pdev, sizeof(c->pdev), "%s", value);
		} else if (!strncmp(line, "drm-engine-", 11) &&
			   strncmp(line, "drm-engine-capacity-", 20) != 0) {
			c->engine_ns += number_after(value);
		} else if (!strcmp(line, "eyrie-energy")) {
			c->energy_fj = number_after(value);
		} else if (!strcmp(line, "eyrie-jobs-completed")) {
			c->jobs_completed = number_after(value);
		}
	}
	return eyrie && has_client;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void read_comm(const char *proc_root, const char *pid, char *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/comm", proc_root, pid);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static bool seen(const struct telem_client *list, size_t n,
		 const struct telem_client *c)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].pid == c->pid && list[i].client_id == c->client_id &&
		    !strcmp(list[i].pdev, c->pdev))
			return true;
	return false;
}

static int scan_pid(const char *proc_root, const char *pid,
		    struct telem_client **list, size_t *n, size_t *cap)
{
	char dir[512];
	struct dirent *fd_ent;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s/fdinfo", proc_root, pid);
	d = opendir(dir);
	if (!d)
		return 0;	/* gone, or not ours to read */
	while ((fd_ent = readdir(d))) {
		struct telem_client c = { .pid = atoi(pid) };
		char path[1024];
		FILE *f;
		int is_client;

		if (!all_digits(fd_ent->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, fd_ent->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		is_client = telem_fdinfo_parse(f, &c);
		fclose(f);
		if (!is_client || seen(*list, *n, &c))
			continue;
		read_comm(proc_root, pid, c.comm, sizeof(c.comm));
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 16;
			struct telem_client *grown = realloc(*list, ncap * sizeof(**list));

			if (!grown) {
				closedir(d);
				return -ENOMEM;
			}
			*list = grown;
			*cap = ncap;
		}
		(*list)[(*n)++] = c;
	}
	closedir(d);
	return 0;
}

int telem_clients_scan(const char *proc_root, struct telem_client **out)
{
	struct telem_client *list = NULL;
	size_t n = 0, cap = 0;
	struct dirent *ent;
	DIR *proc = opendir(proc_root);

	*out = NULL;
	if (!proc)
		return -errno;
	while ((ent = readdir(proc))) {
		int err;

		if (!all_digits(ent->d_name))
			continue;
		err = scan_pid(proc_root, ent->d_name, &list, &n, &cap);
		if (err) {
			closedir(proc);
			free(list);
			return err;
		}
	}
	closedir(proc);
	*out = list;
	return (int)n;
}
