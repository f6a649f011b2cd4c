/*
 * /init of the Linux guest in bench/net.sh: loads the kernel modules the
 * network needs from /modules (virtio core, the virtio-mmio or virtio-pci
 * transport, failover, net_failover and virtio_net, in the order of their
 * file names), brings lo and eth0 up with a static address, and execs the
 * server or client under test.
 *
 *   netinit ADDR PREFIXLEN PROGRAM [ARGS...]
 *
 * (the kernel passes what follows "--" on its command line). Prints
 * "netinit: up" on the console once eth0 is up; any failure ends init, so
 * the kernel panics and QEMU (-no-reboot, panic=-1) exits.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "netinit: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every /modules/NN-name.ko, in name order (dependencies first). */
static void load_modules(void)
{
	struct dirent **list;
	int n = scandir("/modules", &list, NULL, by_name);
	if (n < 0)
		die("/modules");
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		size_t len = strlen(name);
		if (len < 4 || strcmp(name + len - 3, ".ko") != 0)
			continue;
		char path[512];
		snprintf(path, sizeof path, "/modules/%s", name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(path);
		if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
			die(path);
		close(fd);
	}
}

static void set_addr(int s, const char *ifname, unsigned long req, in_addr_t addr)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
	if (ioctl(s, req, &ifr) != 0)
		die(req == SIOCSIFADDR ? "SIOCSIFADDR" : "SIOCSIFNETMASK");
}

static void set_up(int s, const char *ifname)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		die(ifname);
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		die("SIOCSIFFLAGS");
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: netinit ADDR PREFIXLEN PROGRAM [ARGS...]\n");
		return 2;
	}
	struct in_addr addr;
	if (inet_pton(AF_INET, argv[1], &addr) != 1) {
		fprintf(stderr, "netinit: bad address %s\n", argv[1]);
		return 2;
	}
	int prefix = atoi(argv[2]);
	in_addr_t mask = prefix ? htonl(~0u << (32 - prefix)) : 0;

	/* Redis and the servers read nothing from these, but a real init has them. */
	mkdir("/proc", 0755);
	mount("proc", "/proc", "proc", 0, NULL);
	mkdir("/tmp", 01777);
	mount("tmpfs", "/tmp", "tmpfs", 0, NULL);

	load_modules();
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("socket");
	set_up(s, "lo");
	set_addr(s, "eth0", SIOCSIFADDR, addr.s_addr);
	set_addr(s, "eth0", SIOCSIFNETMASK, mask);
	set_up(s, "eth0");
	close(s);
	printf("netinit: up\n");
	fflush(stdout);
	if (chdir("/tmp") != 0)
		die("/tmp");
	execv(argv[3], argv + 3);
	die(argv[3]);
}
