/* Every new thread gets a valid FPU/SIMD state of its own, copied from its
 * creator's, whatever memory the kernel finds for it: after the heap has
 * been filled with garbage and freed, after hundreds of threads have come
 * and gone (joined one by one, or detached and many alive at once), and for
 * threads made by a raw clone. Each thread does x87, SSE
 * and scalar double work whose result the creator checks. */
//! run: -- churn
//! status: 0
//! expect: churn 4 rounds of 8 threads ok
//! run: -- seq
//! status: 0
//! expect: sequential 300 threads ok
//! run: -- detached
//! status: 0
//! expect: detached 300 threads ok
//! run: -- raw
//! status: 0
//! expect: raw clone 300 threads ok
//! run: -- inherit
//! status: 0
//! expect: mxcsr inherited ok
//! expect: x87 control word inherited ok
#define _GNU_SOURCE
#include <emmintrin.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Floating-point work on x87 (long double), SSE2 vectors and scalar
 * doubles. Calls nothing, so raw clone children can run it. */
struct fp_result {
	double scalar;
	double vec[2];
	long double x87;
};

static void fp_work(int seed, struct fp_result *out)
{
	double x = seed * 0.25 + 1.0, acc = 0.0;
	for (int i = 1; i <= 200; i++) {
		acc += x / i;
		x = x * 1.0001 + 0.5;
	}
	__m128d v = _mm_set_pd(seed + 0.5, seed * 3.0 + 1.0);
	__m128d m = _mm_set_pd(1.25, 0.75);
	for (int i = 0; i < 50; i++)
		v = _mm_sqrt_pd(_mm_add_pd(_mm_mul_pd(v, m), _mm_set1_pd(i)));
	long double l = 1.0L + seed;
	for (int i = 1; i <= 60; i++)
		l = l * 1.01L + 1.0L / (long double)i;
	out->scalar = acc;
	_mm_storeu_pd(out->vec, v);
	out->x87 = l;
}

static int fp_same(const struct fp_result *a, const struct fp_result *b)
{
	return a->scalar == b->scalar && a->vec[0] == b->vec[0] && a->vec[1] == b->vec[1] && a->x87 == b->x87;
}

struct job {
	int seed;
	struct fp_result got;
};

static void *fp_thread(void *arg)
{
	struct job *j = arg;
	fp_work(j->seed, &j->got);
	return NULL;
}

static int check_job(struct job *j)
{
	struct fp_result want;
	fp_work(j->seed, &want);
	if (!fp_same(&want, &j->got)) {
		printf("thread %d: wrong FP result\n", j->seed);
		return 0;
	}
	return 1;
}

/* Fills and frees heap and mmap memory with all-ones bytes so that memory
 * handed out afterwards holds garbage, not zeros. */
static void churn_heap(int round)
{
	void *blocks[64];
	for (int i = 0; i < 64; i++) {
		size_t sz = 16 + (size_t)((i * 977 + round * 131) % 20000);
		blocks[i] = malloc(sz);
		if (blocks[i])
			memset(blocks[i], 0xff, sz);
	}
	for (int i = 0; i < 64; i += 2)
		free(blocks[i]);
	for (int i = 0; i < 4; i++) {
		size_t sz = (size_t)(256 + 64 * i) * 1024;
		char *p = malloc(sz);
		if (p) {
			memset(p, 0xff, sz);
			free(p);
		}
		void *m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m != MAP_FAILED) {
			memset(m, 0xff, sz);
			munmap(m, sz);
		}
	}
	for (int i = 1; i < 64; i += 2)
		free(blocks[i]);
}

static int run_churn(void)
{
	for (int round = 0; round < 4; round++) {
		churn_heap(round);
		pthread_t t[8];
		struct job jobs[8];
		for (int i = 0; i < 8; i++) {
			jobs[i].seed = round * 8 + i;
			if (pthread_create(&t[i], NULL, fp_thread, &jobs[i])) {
				printf("pthread_create failed\n");
				return 1;
			}
		}
		for (int i = 0; i < 8; i++)
			pthread_join(t[i], NULL);
		for (int i = 0; i < 8; i++)
			if (!check_job(&jobs[i]))
				return 1;
	}
	printf("churn 4 rounds of 8 threads ok\n");
	return 0;
}

static int run_seq(void)
{
	for (int i = 0; i < 300; i++) {
		struct job j = {.seed = i};
		pthread_t t;
		if (pthread_create(&t, NULL, fp_thread, &j) || pthread_join(t, NULL)) {
			printf("thread %d: create/join failed\n", i);
			return 1;
		}
		if (!check_job(&j))
			return 1;
	}
	printf("sequential 300 threads ok\n");
	return 0;
}

static sem_t detached_done;

static void *detached_fp_thread(void *arg)
{
	fp_thread(arg);
	sem_post(&detached_done);
	return NULL;
}

static int run_detached(void)
{
	static struct job jobs[300];
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	sem_init(&detached_done, 0, 0);
	for (int i = 0; i < 300; i++) {
		pthread_t t;
		jobs[i].seed = i;
		if (pthread_create(&t, &a, detached_fp_thread, &jobs[i])) {
			printf("thread %d: create failed\n", i);
			return 1;
		}
	}
	for (int i = 0; i < 300; i++)
		sem_wait(&detached_done);
	for (int i = 0; i < 300; i++)
		if (!check_job(&jobs[i]))
			return 1;
	printf("detached 300 threads ok\n");
	return 0;
}

/* A thread made by a raw clone system call that runs fn(arg) on stack_top
 * and leaves with SYS_exit; *ctid holds its tid until it has exited (then
 * 0, with a futex wake). Returns the tid or a negative errno. */
static long raw_thread(void (*fn)(void *), void *arg, char *stack_top, int *ctid)
{
	long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
		     CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	long ret;
	register long r10 __asm__("r10") = (long)ctid;
	register long r8 __asm__("r8") = 0;
	register void *r12 __asm__("r12") = arg;
	__asm__ volatile("syscall\n"
			 "test %%rax, %%rax\n"
			 "jnz 1f\n"
			 "mov %%r12, %%rdi\n"
			 "call *%%rbx\n"
			 "mov $60, %%eax\n"
			 "xor %%edi, %%edi\n"
			 "syscall\n"
			 "ud2\n"
			 "1:\n"
			 : "=a"(ret)
			 : "a"((long)SYS_clone), "D"(flags), "S"(stack_top), "d"(ctid), "r"(r10), "r"(r8),
			   "b"(fn), "r"(r12)
			 : "rcx", "r11", "memory");
	return ret;
}

static void wait_cleartid(int *ctid)
{
	int v;
	while ((v = __atomic_load_n(ctid, __ATOMIC_SEQ_CST)) != 0)
		syscall(SYS_futex, ctid, FUTEX_WAIT, v, NULL, NULL, 0);
}

static void raw_fp_child(void *arg)
{
	struct job *j = arg;
	fp_work(j->seed, &j->got);
}

static char raw_stack[64 * 1024] __attribute__((aligned(64)));

static int run_raw(void)
{
	for (int i = 0; i < 300; i++) {
		struct job j = {.seed = i};
		int ctid = -1;
		long tid = raw_thread(raw_fp_child, &j, raw_stack + sizeof(raw_stack), &ctid);
		if (tid <= 0) {
			printf("raw clone %d failed: %ld\n", i, tid);
			return 1;
		}
		wait_cleartid(&ctid);
		if (!check_job(&j))
			return 1;
	}
	printf("raw clone 300 threads ok\n");
	return 0;
}

static unsigned thread_mxcsr;
static unsigned short thread_fcw;

static void *read_control(void *arg)
{
	(void)arg;
	__asm__ volatile("stmxcsr %0" : "=m"(thread_mxcsr));
	__asm__ volatile("fnstcw %0" : "=m"(thread_fcw));
	return NULL;
}

static int run_inherit(void)
{
	unsigned mx, saved_mx;
	unsigned short cw, saved_cw;
	__asm__ volatile("stmxcsr %0" : "=m"(saved_mx));
	__asm__ volatile("fnstcw %0" : "=m"(saved_cw));
	mx = (saved_mx & ~0x6000u) | 0x4000u; /* round up */
	cw = (unsigned short)((saved_cw & ~0x0c00u) | 0x0800u);
	__asm__ volatile("ldmxcsr %0" ::"m"(mx));
	__asm__ volatile("fldcw %0" ::"m"(cw));
	pthread_t t;
	int r = pthread_create(&t, NULL, read_control, NULL);
	__asm__ volatile("ldmxcsr %0" ::"m"(saved_mx));
	__asm__ volatile("fldcw %0" ::"m"(saved_cw));
	if (r)
		return 1;
	pthread_join(t, NULL);
	printf("mxcsr inherited %s\n", thread_mxcsr == mx ? "ok" : "WRONG");
	printf("x87 control word inherited %s\n", thread_fcw == cw ? "ok" : "WRONG");
	return 0;
}

int main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "churn"))
		return run_churn();
	if (!strcmp(what, "seq"))
		return run_seq();
	if (!strcmp(what, "detached"))
		return run_detached();
	if (!strcmp(what, "raw"))
		return run_raw();
	if (!strcmp(what, "inherit"))
		return run_inherit();
	printf("unknown case\n");
	return 2;
}
