// /init of the Linux guest in bench/apps.sh: runs the program named by its
// arguments (the words after -- on the kernel's command line), prints its
// exit status and powers the VM off, so QEMU ends as soon as it is done.
// Without arguments it powers off at once.
#include <stdio.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	// With no program the VM only boots and powers off: the kernel's own
	// share of a run.
	if (argc < 2) {
		reboot(RB_POWER_OFF);
		return 0;
	}
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[1], argv + 1);
		perror("apps_init: execv");
		_exit(127);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		perror("apps_init");
	printf("apps: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
