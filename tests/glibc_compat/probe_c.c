/* Link-coverage probe: compiled with the host gcc/clang against glibc headers
 * in several modes (-O0, -O2, _FORTIFY_SOURCE=2 and 3, _FILE_OFFSET_BITS=64)
 * and linked statically against musl + the compatibility layer; the link
 * must leave no symbol undefined. Never run: it only has to reference what
 * ordinary C programs reference. */
#define _GNU_SOURCE
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <err.h>
#include <error.h>
#include <getopt.h>
#include <unistd.h>
#include <fcntl.h>
#include <wchar.h>
#include <poll.h>
#include <sys/select.h>
#include <syslog.h>
#include <setjmp.h>
#include <libgen.h>
#include <sched.h>
#include <signal.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <pthread.h>
#include <dlfcn.h>
#include <sys/random.h>
#include <inttypes.h>
#include <locale.h>
#include <time.h>
#include <stdint.h>
#include <assert.h>
#include <math.h>
#include <wctype.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <resolv.h>
#include <sys/sysmacros.h>
#include <stdio_ext.h>
#include <sys/wait.h>
#include <semaphore.h>
#include <iconv.h>
#include <langinfo.h>
#include <sys/uio.h>
#include <sys/mman.h>
#include <dirent.h>
#include <fnmatch.h>
#include <glob.h>
#include <regex.h>
#include <sys/auxv.h>
#include <threads.h>
#include <stdatomic.h>
#include <fenv.h>
#include <complex.h>
jmp_buf jb;
volatile int sz = 8;
int vf(const char *f, ...) { va_list ap; va_start(ap, f); char b[16]; int r = vsnprintf(b, sizeof b, f, ap); va_end(ap);
  va_start(ap, f); r += vprintf(f, ap); va_end(ap); va_start(ap, f); r += vfprintf(stderr, f, ap); va_end(ap);
  va_start(ap, f); r += vsprintf(b, f, ap); va_end(ap); va_start(ap, f); char *s; r += vasprintf(&s, f, ap); va_end(ap);
  va_start(ap, f); r += vdprintf(1, f, ap); va_end(ap); va_start(ap, f); vsyslog(1, f, ap); va_end(ap); free(s); return r; }
int probe_io(int argc, char **argv) {
  char buf[32], d[8]; wchar_t wb[8]; int c;
  while ((c = getopt(argc, argv, "ab:")) != -1) ;
  struct option lo[] = {{"x", 0, 0, 'x'}, {0}}; getopt_long(argc, argv, "a", lo, 0);
  if (argc > 5) error(1, 0, "x %d", argc);
  if (argc > 6) error_at_line(1, 0, "f", 1, "x");
  if (argc > 7) err(1, "x"); if (argc > 8) warnx("y");
  memcpy(buf, argv[0], argc); memmove(buf, argv[0], argc); memset(buf, 0, argc); mempcpy(buf, argv[0], argc);
  strcpy(buf, argv[0]); stpcpy(buf, argv[0]); strncpy(buf, argv[0], argc); stpncpy(buf, argv[0], argc);
  strcat(buf, argv[0]); strncat(buf, argv[0], argc);
  sprintf(buf, "%d", argc); snprintf(buf, argc, "%d", argc); printf("%d\n", argc); fprintf(stderr, "%d", argc);
  dprintf(1, "%d", argc); char *a; asprintf(&a, "%d", argc); vf("%d", argc);
  fgets(buf, argc, stdin); fread(buf, 1, argc, stdin); read(0, buf, argc); pread(0, buf, argc, 0); pread64(0, buf, argc, 0);
  readlink("/x", buf, argc); getcwd(buf, argc); char rp[PATH_MAX]; realpath(argv[0], rp);
  wmemcpy(wb, L"ab", argc); wcscpy(wb, L"a"); wmemset(wb, 0, argc); wcsncpy(wb, L"a", argc); wmemmove(wb, L"a", argc);
  explicit_bzero(buf, argc); bzero(buf, argc);
  if (setjmp(jb)) return 0; if (argc > 9) longjmp(jb, 1);
  struct pollfd p = {0}; poll(&p, argc, 0); ppoll(&p, argc, 0, 0);
  fd_set fs; FD_ZERO(&fs); FD_SET(argc, &fs); select(argc+1, &fs, 0, 0, 0); if (FD_ISSET(argc, &fs)) puts("x");
  syslog(1, "%d", argc);
  int fd = open(argv[0], O_RDONLY | (argc > 3 ? O_CREAT : 0), 0); openat(AT_FDCWD, argv[0], argc); open64(argv[0], argc);
  fcntl(fd, F_GETFL); fcntl(fd, F_SETFL, argc);
  char *bn = basename(argv[0]); puts(bn); puts(__xpg_basename(argv[0]));
  cpu_set_t cs; CPU_ZERO(&cs); sched_getaffinity(0, sizeof cs, &cs); printf("%d", CPU_COUNT(&cs));
  printf("%d %d\n", SIGRTMIN, SIGRTMAX);
  for (int i = 0; i < argc; i++) printf("%d%d%d%d", isalpha(argv[0][i]), toupper(argv[0][i]), tolower(argv[0][i]), isspace(argv[0][i]));
  long l = strtol(argv[0], 0, 10); unsigned long ul = strtoul(argv[0], 0, 0); long long ll = strtoll(argv[0], 0, 0); unsigned long long ull = strtoull(argv[0], 0, 0);
  intmax_t im = strtoimax(argv[0], 0, 0); uintmax_t um = strtoumax(argv[0], 0, 0); long a2 = atol(argv[0]); int a1 = atoi(argv[0]);
  long wl = wcstol(L"1", 0, 0);
  int x; sscanf(argv[0], "%d", &x); scanf("%d", &x); fscanf(stdin, "%d", &x);
  printf("%ld%lu%lld%llu%jd%ju%ld%d%ld%d\n", l, ul, ll, ull, im, um, a2, a1, wl, x);
  printf("%u %u\n", arc4random(), arc4random_uniform(argc)); arc4random_buf(buf, argc);
  getrandom(buf, argc, 0); getentropy(buf, argc);
  void *h = dlopen("x", RTLD_NOW); if (h) dlsym(h, "y");
  char *e = secure_getenv("X"); puts(e ? e : "");
  printf("%s %s\n", program_invocation_name, program_invocation_short_name);
  mbstowcs(wb, argv[0], argc); wcstombs(buf, wb, argc); char mb[MB_LEN_MAX]; mbstate_t st = {0}; wcrtomb(mb, L'a', &st); wctomb(mb, L'a');
  mbsrtowcs(wb, (const char **)&a, argc, &st); 
  confstr(argc, buf, argc); gethostname(buf, argc); ttyname_r(0, buf, argc); getlogin_r(buf, argc);
  getgroups(argc, (gid_t *)buf);
  struct stat sb; stat(argv[0], &sb); fstat(0, &sb); lstat(argv[0], &sb);
  setlocale(LC_ALL, ""); time_t t = time(0); strftime(buf, argc, "%Y", localtime(&t));
  return 0;
}

sigjmp_buf sj;
int probe_misc(int argc, char **argv) {
  int c = getc_unlocked(stdin); putc_unlocked(c, stdout); c = getchar(); putchar(c); c = fgetc_unlocked(stdin); fputc_unlocked(c, stdout);
  c = getchar_unlocked(); putchar_unlocked(c); printf("%d%d", feof_unlocked(stdin), ferror_unlocked(stdin));
  assert(argc); assert_perror(argc - 1);
  struct msghdr mh = {0}; struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); if (cm) cm = CMSG_NXTHDR(&mh, cm);
  cpu_set_t *cs = CPU_ALLOC(argc); CPU_FREE(cs);
  if (sigsetjmp(sj, 1)) return 1; if (argc > 10) siglongjmp(sj, 1);
  char eb[64]; char *es = strerror_r(argc, eb, sizeof eb); puts(es);
  printf("%d %d %d %d\n", isnan((double)argc), isinf((double)argc), signbit((double)argc), fpclassify((double)argc));
  printf("%d %d\n", htons(argc), ntohl(argc)); printf("%d", major(argc) + minor(argc) + (int)makedev(1, 2));
  printf("%d", towupper(argc)); wint_t w = btowc(argc); printf("%d", wctob(w));
  __fpending(stdout); __fsetlocking(stdout, 1);
  res_init(); struct hostent *h = gethostbyname("x"); if (h) puts(h->h_name); herror("x");
  int st; wait(&st); printf("%d %d", WIFEXITED(st), WEXITSTATUS(st));
  sem_t sem; sem_init(&sem, 0, 1); struct timespec ts = {0}; sem_timedwait(&sem, &ts); sem_clockwait(&sem, CLOCK_MONOTONIC, &ts);
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER; pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &ts);
  pthread_cond_t cv = PTHREAD_COND_INITIALIZER; pthread_cond_clockwait(&cv, &m, CLOCK_MONOTONIC, &ts);
  pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER; pthread_rwlock_clockrdlock(&rw, CLOCK_MONOTONIC, &ts); pthread_rwlock_clockwrlock(&rw, CLOCK_MONOTONIC, &ts);
  pthread_tryjoin_np(pthread_self(), 0); pthread_setname_np(pthread_self(), "x"); char nm[16]; pthread_getname_np(pthread_self(), nm, 16);
  printf("%ld", getauxval(AT_PAGESZ)); printf("%d", gettid());
  iconv_t ic = iconv_open("UTF-8", "LATIN1"); iconv_close(ic); puts(nl_langinfo(CODESET));
  char *p = strdupa(argv[0]); puts(p); p = strndupa(argv[0], 2); puts(p);
  printf("%s", basename(argv[0])); printf("%s", strchrnul(argv[0], 'x')); printf("%p", rawmemchr(argv[0], 0)); printf("%p", memrchr(argv[0], 0, 1));
  printf("%lu", strtoul(argv[0], 0, 0)); printf("%f %f", strtod(argv[0], 0), atof(argv[0]));
  char *line = 0; size_t n = 0; getline(&line, &n, stdin);
  qsort_r(argv, argc, sizeof *argv, (int (*)(const void *, const void *, void *))strcmp, 0);
  reallocarray(0, 1, 1); void *pp = 0; posix_memalign(&pp, 16, 16); pp = aligned_alloc(16, 16); pp = memalign(16, 16); pp = valloc(16);
  mtx_t mt; mtx_init(&mt, mtx_plain); thrd_yield();
  atomic_int ai = 0; atomic_fetch_add(&ai, 1);
  feclearexcept(FE_ALL_EXCEPT); double complex z = cexp(I * argc); printf("%f", creal(z)); printf("%f", sqrt(argc) + exp(argc) + pow(argc, 2.0) + lgamma(argc));
  struct stat sb; stat(argv[0], &sb); printf("%ld", (long)sb.st_mtim.tv_sec);
  DIR *d = opendir("."); struct dirent *de = readdir(d); puts(de->d_name); struct dirent64 *d6 = readdir64(d); (void)d6;
  on_exit(0, 0); at_quick_exit(0); atexit(0);
  mkostemp(argv[0], 0); char *tn = tmpnam(0); puts(tn); 
  sigset_t ss; sigemptyset(&ss); sigaddset(&ss, SIGINT); printf("%d", sigismember(&ss, SIGINT)); sigprocmask(SIG_BLOCK, &ss, 0);
  struct sigaction sa = {0}; sa.sa_handler = SIG_IGN; sigaction(SIGPIPE, &sa, 0); signal(SIGINT, SIG_DFL); 
  psignal(1, "x"); printf("%s", strsignal(1)); printf("%s", sigabbrev_np(1)); printf("%s", strerrorname_np(1)); printf("%s", strerrordesc_np(1));
  printf("%s", program_invocation_short_name); if (argc > 20) quick_exit(0);
  return 0;
}

int main(int argc, char **argv)
{
	return probe_io(argc, argv) + probe_misc(argc, argv);
}
