/* Median wall time of whole commands, run interleaved (A B C A B C ...) so
 * that a machine getting busier or quieter during the run (other builds on
 * the same two cores) affects every command alike, which hyperfine's one
 * command after another cannot promise. Each run is one posix_spawn and
 * one wait; stdin, stdout and stderr are /dev/null.
 *
 * usage: timeit RUNS WARMUP COMMAND...   (each COMMAND one string whose
 * words are separated by the ASCII unit separator, 0x1f)
 *
 * Prints one median in milliseconds per command, in order. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static char **split(char *command)
{
	size_t n = 0;
	char **argv = calloc(strlen(command) / 2 + 2, sizeof *argv);
	for (char *word = strtok(command, "\x1f"); word; word = strtok(NULL, "\x1f"))
		argv[n++] = word;
	return argv;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: timeit RUNS WARMUP COMMAND...\n");
		return 2;
	}
	int runs = atoi(argv[1]), warmup = atoi(argv[2]), ncmd = argc - 3;
	char ***cmds = calloc(ncmd, sizeof *cmds);
	double *times = calloc((size_t)ncmd * runs, sizeof *times);
	for (int c = 0; c < ncmd; c++)
		cmds[c] = split(argv[c + 3]);

	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	for (int fd = 0; fd <= 2; fd++)
		posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd ? O_WRONLY : O_RDONLY, 0);

	for (int i = 0; i < warmup + runs; i++) {
		for (int c = 0; c < ncmd; c++) {
			double start = now_ms();
			pid_t pid;
			if (posix_spawnp(&pid, cmds[c][0], &actions, NULL, cmds[c], environ) != 0) {
				fprintf(stderr, "timeit: cannot run %s\n", cmds[c][0]);
				return 1;
			}
			int status;
			waitpid(pid, &status, 0);
			if (i >= warmup)
				times[(size_t)c * runs + (i - warmup)] = now_ms() - start;
		}
	}
	for (int c = 0; c < ncmd; c++) {
		double *t = times + (size_t)c * runs;
		qsort(t, runs, sizeof *t, compare);
		printf("%.2f\n", runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2);
	}
	return 0;
}
