// SPDX-License-Identifier: MIT
#include "guest_ram.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

void guest_ram_init(struct guest_ram *ram, const char *path)
{
	memset(ram, 0, sizeof(*ram));
	ram->path = path;
	pthread_mutex_init(&ram->lock, NULL);
}

static int map_locked(struct guest_ram *ram, const char **why)
{
	struct stat st;
	void *p;
	int fd, err;

	if (ram->base)
		return 0;
	fd = open(ram->path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		*why = err == -ENOENT ?
			"guest RAM file does not exist (start QEMU with -object memory-backend-file,mem-path=<this file>,share=on and -machine memory-backend=<its id>)" :
			"guest RAM file cannot be opened read-write";
		return err;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		close(fd);
		*why = "guest RAM path is not a non-empty regular file";
		return -EINVAL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	err = errno;
	close(fd);
	if (p == MAP_FAILED) {
		*why = "guest RAM file cannot be mapped shared";
		return -err;
	}
	ram->size = (size_t)st.st_size;
	__atomic_store_n(&ram->base, p, __ATOMIC_RELEASE);
	return 0;
}

int guest_ram_map(struct guest_ram *ram, const char **why)
{
	int err;

	pthread_mutex_lock(&ram->lock);
	err = map_locked(ram, why);
	pthread_mutex_unlock(&ram->lock);
	return err;
}

void guest_ram_destroy(struct guest_ram *ram)
{
	if (ram->base)
		munmap(ram->base, ram->size);
	ram->base = NULL;
	ram->size = 0;
	pthread_mutex_destroy(&ram->lock);
}

void *guest_ram_translate(struct guest_ram *ram, uint64_t bus_addr,
			  uint64_t len)
{
	char *base = __atomic_load_n(&ram->base, __ATOMIC_ACQUIRE);

	if (!base) {
		const char *why = NULL;
		int err;

		pthread_mutex_lock(&ram->lock);
		err = map_locked(ram, &why);
		if (err && !ram->reported) {
			ram->reported = 1;
			log_error("device DMA failed: %s: %s (%s)", ram->path, why,
				  strerror(-err));
		}
		pthread_mutex_unlock(&ram->lock);
		if (err)
			return NULL;
		base = ram->base;
	}
	/* Written so that no sum can wrap around. */
	if (len > ram->size || bus_addr > ram->size - len)
		return NULL;
	return base + bus_addr;
}
