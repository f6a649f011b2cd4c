/* Preemption is invisible to the app: a timer interrupt arriving while a
 * thread keeps data in its red zone below %rsp or in SSE/AVX registers
 * leaves both intact. Two threads compete for the CPU for a while so the
 * timer preempts each many times. */
//! run: --
//! status: 0
//! expect: red zone intact
//! expect: simd intact
//! expect: preemptions seen
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static atomic_int stop;
static atomic_long switches;

static long long now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Writes a pattern into the 128 bytes below %rsp, spins, and checks it;
 * returns how many checks failed over `rounds` rounds. */
static long red_zone_rounds(long rounds)
{
	long bad, seed = rounds * 7;
	__asm__ volatile(
		"xor %%r8, %%r8\n"
		"1:\n"
		"mov $16, %%ecx\n"
		"2: lea (%%rcx,%%rdi), %%rdx\n"
		"imul $0x1234567, %%rdx\n"
		"neg %%rcx\n"
		"mov %%rdx, (%%rsp,%%rcx,8)\n"
		"neg %%rcx\n"
		"loop 2b\n"
		"mov $2000, %%eax\n"
		"3: pause\n"
		"dec %%eax\n"
		"jnz 3b\n"
		"mov $16, %%ecx\n"
		"4: lea (%%rcx,%%rdi), %%rdx\n"
		"imul $0x1234567, %%rdx\n"
		"neg %%rcx\n"
		"cmp %%rdx, (%%rsp,%%rcx,8)\n"
		"je 5f\n"
		"inc %%r8\n"
		"5: neg %%rcx\n"
		"loop 4b\n"
		"inc %%rdi\n"
		"dec %%rsi\n"
		"jnz 1b\n"
		"mov %%r8, %%rax\n"
		: "=a"(bad), "+D"(seed), "+S"(rounds)
		:
		: "rcx", "rdx", "r8", "memory");
	return bad;
}

static void *competitor(void *arg)
{
	double acc = 0.0, step = (double)(long)arg;
	long long last = now();
	while (!atomic_load(&stop)) {
		acc += step;
		long long t = now();
		if (t - last > 2000000) /* a gap: this thread was switched out */
			atomic_fetch_add(&switches, 1);
		last = t;
	}
	return NULL;
}

int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, competitor, (void *)3L);
	long long end = now() + 300000000LL;
	long bad = 0, rounds = 0;
	while (now() < end) {
		bad += red_zone_rounds(50);
		rounds++;
	}
	printf("red zone %s (%ld rounds, %ld bad)\n", bad == 0 ? "intact" : "CORRUPTED", rounds, bad);

	/* SIMD state: values kept in XMM registers across a busy wait. */
	double x = 1.0;
	long long end2 = now() + 200000000LL;
	double sum = 0.0;
	long n = 0;
	while (now() < end2) {
		for (int i = 0; i < 1000; i++)
			sum += x;
		n += 1000;
	}
	printf("simd %s\n", sum == (double)n ? "intact" : "CORRUPTED");
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("preemptions %s (%ld)\n", atomic_load(&switches) > 3 ? "seen" : "NOT seen", atomic_load(&switches));
	return 0;
}
