// glibc-ABI compatibility: the runtime symbols that libstdc++, libgcc_eh and
// Rust's linux-gnu std expect from glibc and musl 1.2.3 does not have.
//
// Everything here runs in the app's context on top of musl. Nothing may have
// a static constructor (the kernel object must have no .init_array), so all
// state is constant-initialised and set up lazily.

#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define UK_GLIBC_EXPORT __attribute__((visibility("default")))

namespace {

// The layout of glibc 2.35's struct dl_find_object on x86_64, where neither
// DLFO_STRUCT_HAS_EH_DBASE nor DLFO_STRUCT_HAS_EH_COUNT is set.
struct GlibcDlFindObject {
    unsigned long long dlfo_flags;
    void* dlfo_map_start;
    void* dlfo_map_end;
    struct link_map* dlfo_link_map;
    void* dlfo_eh_frame;
    unsigned long long dlfo_reserved[7];
};
static_assert(sizeof(GlibcDlFindObject) == 96, "glibc 2.35 ABI");
static_assert(__builtin_offsetof(GlibcDlFindObject, dlfo_eh_frame) == 32, "glibc 2.35 ABI");

// What _dl_find_object answers: the image is one static object, so it is
// looked up once and then only read.
struct ImageExtent {
    uintptr_t start;
    uintptr_t end;
    void* eh_frame_hdr;
};

// The published answer. g_image_state: 0 not looked up yet, 2 being
// published, 1 g_image is valid, -1 there are no program headers.
ImageExtent g_image;
int g_image_state;

int record_image(struct dl_phdr_info* info, size_t, void* data) {
    auto* image = static_cast<ImageExtent*>(data);
    uintptr_t lo = UINTPTR_MAX;
    uintptr_t hi = 0;
    for (unsigned i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type == PT_LOAD) {
            uintptr_t seg_lo = info->dlpi_addr + ph.p_vaddr;
            uintptr_t seg_hi = seg_lo + ph.p_memsz;
            if (seg_lo < lo)
                lo = seg_lo;
            if (seg_hi > hi)
                hi = seg_hi;
        } else if (ph.p_type == PT_GNU_EH_FRAME) {
            image->eh_frame_hdr = reinterpret_cast<void*>(info->dlpi_addr + ph.p_vaddr);
        }
    }
    if (lo < hi) {
        image->start = lo;
        image->end = hi;
    }
    // A static program has exactly one object; stop after it.
    return 1;
}

// Fills `out` with the image's extent; false when it cannot be known. The
// first callers each look it up (no lock: the unwinder may run anywhere) and
// one of them publishes the answer for everyone after.
bool image_extent(ImageExtent* out) {
    int state = __atomic_load_n(&g_image_state, __ATOMIC_ACQUIRE);
    if (state == 1) {
        *out = g_image;
        return true;
    }
    if (state == -1)
        return false;
    ImageExtent image{};
    dl_iterate_phdr(record_image, &image);
    bool valid = image.start < image.end;
    int expected = 0;
    if (__atomic_compare_exchange_n(&g_image_state, &expected, 2, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
        g_image = image;
        __atomic_store_n(&g_image_state, valid ? 1 : -1, __ATOMIC_RELEASE);
    }
    *out = image;
    return valid;
}

// One registered thread_local destructor.
struct TlsDtor {
    void (*fn)(void*);
    void* obj;
    TlsDtor* next;
};

pthread_once_t g_tls_once = PTHREAD_ONCE_INIT;
pthread_key_t g_tls_key;
bool g_tls_ready;

// Runs the calling thread's destructors, newest first, including any that
// the destructors themselves register.
void run_tls_dtors(TlsDtor* list) {
    while (list) {
        TlsDtor* node = list;
        list = node->next;
        pthread_setspecific(g_tls_key, list);
        node->fn(node->obj);
        free(node);
        // A destructor may have registered more; they run before the rest.
        list = static_cast<TlsDtor*>(pthread_getspecific(g_tls_key));
    }
    pthread_setspecific(g_tls_key, nullptr);
}

// musl calls this at thread exit (pthread_exit or return from the start
// routine) with the list the key held, having already cleared the key.
void tls_key_dtor(void* list) {
    pthread_setspecific(g_tls_key, list);
    run_tls_dtors(static_cast<TlsDtor*>(list));
}

// exit() runs no pthread key destructors, so glibc's __call_tls_dtors step
// (the exiting thread's thread_local destructors) is an atexit handler.
void tls_dtors_at_exit() {
    run_tls_dtors(static_cast<TlsDtor*>(pthread_getspecific(g_tls_key)));
}

void tls_init() {
    if (pthread_key_create(&g_tls_key, tls_key_dtor) != 0)
        return;
    if (atexit(tls_dtors_at_exit) != 0)
        return;
    g_tls_ready = true;
}

// Reads the clock a condition variable waits on. musl 1.2.3 keeps it in
// pthread_cond_t's fifth int (_c_clock in src/internal/pthread_impl.h);
// glibc's PTHREAD_COND_INITIALIZER leaves it 0, CLOCK_REALTIME.
clockid_t cond_clock(const pthread_cond_t* cond) {
    return cond->__u.__i[4];
}

bool valid_timeout(const struct timespec* abstime) {
    return abstime->tv_nsec >= 0 && abstime->tv_nsec < 1000000000L;
}

constexpr time_t kTimeMax = static_cast<time_t>(~0ULL >> 1);
constexpr long kNsPerSec = 1000000000L;

// Converts an absolute time on clock `from` into the same instant on clock
// `to`, as seen now. A time already past stays past; one too far ahead to
// represent saturates (callers pass "forever" as a huge tv_sec).
struct timespec convert_abstime(const struct timespec* abstime, clockid_t from, clockid_t to) {
    if (from == to)
        return *abstime;
    struct timespec now_from;
    struct timespec now_to;
    clock_gettime(from, &now_from);
    clock_gettime(to, &now_to);
    time_t dsec;
    if (__builtin_sub_overflow(abstime->tv_sec, now_from.tv_sec, &dsec))
        dsec = abstime->tv_sec > 0 ? kTimeMax : -1;
    long dnsec = abstime->tv_nsec - now_from.tv_nsec;
    if (dnsec < 0) {
        dnsec += kNsPerSec;
        dsec--;
    }
    if (dsec < 0)
        return now_to;
    struct timespec out;
    out.tv_nsec = now_to.tv_nsec + dnsec;
    if (out.tv_nsec >= kNsPerSec) {
        out.tv_nsec -= kNsPerSec;
        dsec = dsec == kTimeMax ? dsec : dsec + 1;
    }
    if (__builtin_add_overflow(now_to.tv_sec, dsec, &out.tv_sec))
        out.tv_sec = kTimeMax;
    return out;
}

bool supported_clock(clockid_t clock) {
    return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC;
}

// glibc's __pthread_unwind_buf_t, which the C pthread_cleanup_push macro of
// glibc's headers puts on the stack. __pad is ours to use: it holds musl's
// cleanup record (three pointers) and the thread's exit value.
struct GlibcUnwindBuf {
    struct {
        long jmp_buf[8];
        int mask_was_saved;
    } cancel_jmp_buf[1];
    void* pad[4];
};
static_assert(sizeof(GlibcUnwindBuf) == 104, "glibc __pthread_unwind_buf_t");
static_assert(sizeof(struct __ptcb) <= 3 * sizeof(void*), "musl's cleanup record fits in __pad");

// The offset of `result` in musl 1.2.3's struct pthread (src/internal/
// pthread_impl.h): set by pthread_exit before it runs cleanup handlers.
constexpr size_t kMuslPthreadResultOffset = 112;

void* current_exit_value() {
    auto* self = reinterpret_cast<char*>(pthread_self());
    void* value;
    memcpy(&value, self + kMuslPthreadResultOffset, sizeof value);
    return value;
}

// musl runs this while the thread exits with a glibc-style cleanup buffer
// registered: jump back into the frame that registered it, where glibc's
// macro runs the cleanup routine and then calls __pthread_unwind_next.
void glibc_cleanup_trampoline(void* arg) {
    auto* buf = static_cast<GlibcUnwindBuf*>(arg);
    buf->pad[3] = current_exit_value();
    longjmp(reinterpret_cast<struct __jmp_buf_tag*>(buf->cancel_jmp_buf), 1);
}

} // namespace

extern "C" {

/// Nonzero while the process has only one thread. libstdc++ reads it to
/// skip atomic operations; the kernel clears it through
/// uk_libc_note_threaded() before a second thread starts.
UK_GLIBC_EXPORT char __libc_single_threaded = 1;

/// Marks the process as multi-threaded for good (glibc never sets
/// __libc_single_threaded back). Called by the kernel before it creates
/// the first thread other than the main one.
void uk_libc_note_threaded(void) {
    __atomic_store_n(&__libc_single_threaded, 0, __ATOMIC_SEQ_CST);
}

/// The handle that identifies this object to __cxa_atexit and
/// __cxa_thread_atexit_impl. Normally crtbegin.o defines it, which images do
/// not link; weak, so a crtbegin.o that is linked anyway wins.
UK_GLIBC_EXPORT __attribute__((weak)) void* __dso_handle = &__dso_handle;

/// Finds the loaded object containing `pc` (glibc 2.35): fills `result` with
/// the image's extent and its PT_GNU_EH_FRAME segment (null when the image
/// has none) and returns 0, or returns -1 when `pc` is outside the image.
UK_GLIBC_EXPORT int _dl_find_object(void* pc, void* result) {
    ImageExtent image;
    auto addr = reinterpret_cast<uintptr_t>(pc);
    if (!image_extent(&image) || addr < image.start || addr >= image.end)
        return -1;
    auto* out = static_cast<GlibcDlFindObject*>(result);
    memset(out, 0, sizeof *out);
    out->dlfo_map_start = reinterpret_cast<void*>(image.start);
    out->dlfo_map_end = reinterpret_cast<void*>(image.end);
    out->dlfo_eh_frame = image.eh_frame_hdr;
    return 0;
}

/// Registers `fn(obj)` to run when the calling thread exits, before its
/// pthread keys' destructors are done, or at exit() if it is the thread that
/// calls exit(); destructors run newest first. Returns 0, or -1 when memory
/// for the record cannot be had (the destructor will then not run).
UK_GLIBC_EXPORT int __cxa_thread_atexit_impl(void (*fn)(void*), void* obj, void* dso_symbol) {
    pthread_once(&g_tls_once, tls_init);
    if (!g_tls_ready)
        return -1;
    auto* node = static_cast<TlsDtor*>(malloc(sizeof(TlsDtor)));
    if (!node)
        return -1;
    node->fn = fn;
    node->obj = obj;
    node->next = static_cast<TlsDtor*>(pthread_getspecific(g_tls_key));
    if (pthread_setspecific(g_tls_key, node) != 0) {
        free(node);
        return -1;
    }
    return 0;
}

/// glibc's fork-handler registration behind pthread_atfork (the version
/// libc_nonshared.a calls). Returns 0 or an errno value.
UK_GLIBC_EXPORT int __register_atfork(void (*prepare)(void), void (*parent)(void),
                                      void (*child)(void), void* dso_handle) {
    return pthread_atfork(prepare, parent, child);
}

/// Returns the glibc version this layer stands in for, "2.36".
UK_GLIBC_EXPORT const char* gnu_get_libc_version(void) {
    return "2.36";
}

/// Returns the glibc release status, "stable".
UK_GLIBC_EXPORT const char* gnu_get_libc_release(void) {
    return "stable";
}

/// Waits on `cond` until `abstime` on `clock` (CLOCK_REALTIME or
/// CLOCK_MONOTONIC). Returns 0, ETIMEDOUT, or EINVAL for another clock or a
/// malformed time.
UK_GLIBC_EXPORT int pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex,
                                           clockid_t clock, const struct timespec* abstime) {
    if (!supported_clock(clock) || !valid_timeout(abstime))
        return EINVAL;
    struct timespec when = convert_abstime(abstime, clock, cond_clock(cond));
    return pthread_cond_timedwait(cond, mutex, &when);
}

/// Locks `mutex`, giving up at `abstime` on `clock`. Returns 0, ETIMEDOUT,
/// EINVAL for another clock or a malformed time, or pthread_mutex_timedlock's
/// errors.
UK_GLIBC_EXPORT int pthread_mutex_clocklock(pthread_mutex_t* mutex, clockid_t clock,
                                            const struct timespec* abstime) {
    if (!supported_clock(clock) || !valid_timeout(abstime))
        return EINVAL;
    struct timespec when = convert_abstime(abstime, clock, CLOCK_REALTIME);
    return pthread_mutex_timedlock(mutex, &when);
}

/// Read-locks `rwlock`, giving up at `abstime` on `clock`. Returns 0,
/// ETIMEDOUT, or EINVAL for another clock or a malformed time.
UK_GLIBC_EXPORT int pthread_rwlock_clockrdlock(pthread_rwlock_t* rwlock, clockid_t clock,
                                               const struct timespec* abstime) {
    if (!supported_clock(clock) || !valid_timeout(abstime))
        return EINVAL;
    struct timespec when = convert_abstime(abstime, clock, CLOCK_REALTIME);
    return pthread_rwlock_timedrdlock(rwlock, &when);
}

/// Write-locks `rwlock`, giving up at `abstime` on `clock`. Returns 0,
/// ETIMEDOUT, or EINVAL for another clock or a malformed time.
UK_GLIBC_EXPORT int pthread_rwlock_clockwrlock(pthread_rwlock_t* rwlock, clockid_t clock,
                                               const struct timespec* abstime) {
    if (!supported_clock(clock) || !valid_timeout(abstime))
        return EINVAL;
    struct timespec when = convert_abstime(abstime, clock, CLOCK_REALTIME);
    return pthread_rwlock_timedwrlock(rwlock, &when);
}

// glibc's read-write lock kinds (PTHREAD_RWLOCK_PREFER_*_NP), which musl
// does not name. The kind lives in the attribute's second word, which
// musl's pthread_rwlockattr_init zeroes (glibc's default, prefer readers)
// and nothing else uses. musl's read-write locks have one policy whatever
// the kind: a reader gets the lock whenever no writer holds it.
constexpr int rwlock_prefer_reader = 0;
constexpr int rwlock_prefer_writer_nonrecursive = 2;

/// Sets the kind a read-write lock made with `attr` asks for (gnulib asks
/// for PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP). Returns 0, or EINVAL
/// for a value that is no kind.
UK_GLIBC_EXPORT int pthread_rwlockattr_setkind_np(pthread_rwlockattr_t* attr, int kind) {
    if (kind < rwlock_prefer_reader || kind > rwlock_prefer_writer_nonrecursive)
        return EINVAL;
    attr->__attr[1] = static_cast<unsigned>(kind);
    return 0;
}

/// Stores the kind set by pthread_rwlockattr_setkind_np in `*kind`. Returns 0.
UK_GLIBC_EXPORT int pthread_rwlockattr_getkind_np(const pthread_rwlockattr_t* attr, int* kind) {
    *kind = static_cast<int>(attr->__attr[1]);
    return 0;
}

/// Decrements `sem`, giving up at `abstime` on `clock`. Returns 0, or -1
/// with errno ETIMEDOUT, EINTR, or EINVAL for another clock or a malformed
/// time.
UK_GLIBC_EXPORT int sem_clockwait(sem_t* sem, clockid_t clock, const struct timespec* abstime) {
    if (!supported_clock(clock) || !valid_timeout(abstime)) {
        errno = EINVAL;
        return -1;
    }
    struct timespec when = convert_abstime(abstime, clock, CLOCK_REALTIME);
    return sem_timedwait(sem, &when);
}

/// Joins `thread`, giving up at `abstime` on `clock` (no limit when null).
/// Returns 0, ETIMEDOUT, EINVAL for another clock or a malformed time, or
/// pthread_join's errors.
UK_GLIBC_EXPORT int pthread_clockjoin_np(pthread_t thread, void** retval, clockid_t clock,
                                         const struct timespec* abstime) {
    if (!abstime)
        return pthread_join(thread, retval);
    if (!supported_clock(clock) || !valid_timeout(abstime))
        return EINVAL;
    struct timespec when = convert_abstime(abstime, clock, CLOCK_REALTIME);
    return pthread_timedjoin_np(thread, retval, &when);
}

/// Registers the cleanup buffer of glibc's C pthread_cleanup_push with
/// musl's cleanup chain, so that pthread_exit and cancellation run it.
UK_GLIBC_EXPORT void __pthread_register_cancel(void* buf) {
    auto* unwind = static_cast<GlibcUnwindBuf*>(buf);
    _pthread_cleanup_push(reinterpret_cast<struct __ptcb*>(unwind->pad), glibc_cleanup_trampoline,
                          unwind);
}

/// Removes the cleanup buffer registered last (glibc's
/// pthread_cleanup_pop; the macro itself runs the routine when asked to).
UK_GLIBC_EXPORT void __pthread_unregister_cancel(void* buf) {
    auto* unwind = static_cast<GlibcUnwindBuf*>(buf);
    _pthread_cleanup_pop(reinterpret_cast<struct __ptcb*>(unwind->pad), 0);
}

/// Continues the thread's exit after glibc's macro ran one cleanup routine:
/// the remaining handlers run and the thread ends with its original value.
UK_GLIBC_EXPORT __attribute__((noreturn)) void __pthread_unwind_next(void* buf) {
    pthread_exit(static_cast<GlibcUnwindBuf*>(buf)->pad[3]);
}

} // extern "C"
