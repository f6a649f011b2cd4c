/* FIFOs made by mkfifo and mknod, each result as Linux gives it:
 * - a reader's open blocks until a writer opens, and a writer's until a
 *   reader does; data flows between the two threads, then end of file;
 * - O_NONBLOCK: a writer without readers gets ENXIO, a reader without
 *   writers opens at once, reads end of file and sees no POLLHUP until a
 *   writer has come and gone;
 * - O_RDWR never blocks; the data goes when the last one closes;
 * - a signal interrupts a blocked open (EINTR without SA_RESTART, the open
 *   goes on with it);
 * - stat and fstat say FIFO, lseek is ESPIPE, F_GETPIPE_SZ answers, a
 *   writer sees POLLERR once the reader is gone. */
//! run: --timeout 60 --
//! status: 0
//! native
//! expect: mkfifo: 0, stat S_ISFIFO 1, mode 0644
//! expect: reader open blocked until the writer came: 1
//! expect: reader got: 4 data, then 0
//! expect: writer open blocked until the reader came: 1
//! expect: writer wrote 3, reader got 3
//! expect: nonblock writer, no reader: -1 ENXIO
//! expect: nonblock reader, no writer: opened, read 0, revents 0
//! expect: after a writer came and went: revents 0x10
//! expect: O_RDWR: wrote 2, read 2
//! expect: data after last close: FIONREAD 0
//! expect: fstat: S_ISFIFO 1, lseek -1 ESPIPE, F_GETPIPE_SZ 65536
//! expect: writer after reader closed: revents 0xc
//! expect: open interrupted: -1 EINTR
//! expect: open with SA_RESTART: went on, fd ok 1
//! expect: mknod S_IFIFO: 0, S_ISFIFO 1
//! expect: done
//! reject: FAILED
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

static const char* res(long r, char* buf) {
    if (r == -1)
        snprintf(buf, 32, "-1 %s", errname(errno));
    else
        snprintf(buf, 32, "%ld", r);
    return buf;
}
#define R(x) res((long)(x), (char[32]){0})

static char path[64];
static atomic_int opened;

static void* reader(void* arg) {
    (void)arg;
    int fd = open(path, O_RDONLY);
    opened = 1;
    char buf[16];
    ssize_t a = read(fd, buf, sizeof(buf));
    ssize_t b = read(fd, buf + 8, sizeof(buf) - 8);
    printf("reader got: %zd %.*s, then %zd\n", a, (int)(a > 0 ? a : 0), buf, b);
    close(fd);
    return NULL;
}

static void* writer(void* arg) {
    (void)arg;
    int fd = open(path, O_WRONLY);
    opened = 1;
    write(fd, "xyz", 3);
    close(fd);
    return NULL;
}

static void on_usr1(int sig) {
    (void)sig;
}

static atomic_long open_result;
static atomic_int open_errno;

static void* blocked_open(void* arg) {
    (void)arg;
    long fd = open(path, O_RDONLY);
    open_errno = errno;
    open_result = fd;
    return NULL;
}

int main(void) {
    snprintf(path, sizeof(path), "/tmp/fifo-test");
    unlink(path);
    umask(022);
    struct stat st;
    int r = mkfifo(path, 0666);
    stat(path, &st);
    printf("mkfifo: %d, stat S_ISFIFO %d, mode 0%o\n", r, S_ISFIFO(st.st_mode), st.st_mode & 0777);

    /* A reader waits for a writer. */
    pthread_t t;
    opened = 0;
    pthread_create(&t, NULL, reader, NULL);
    sleep_ms(50);
    int before = opened;
    int fd = open(path, O_WRONLY);
    printf("reader open blocked until the writer came: %d\n", before == 0);
    sleep_ms(20);
    write(fd, "data", 4);
    close(fd);
    pthread_join(t, NULL);

    /* A writer waits for a reader. */
    opened = 0;
    pthread_create(&t, NULL, writer, NULL);
    sleep_ms(50);
    before = opened;
    fd = open(path, O_RDONLY);
    printf("writer open blocked until the reader came: %d\n", before == 0);
    char buf[16];
    long got = 0, n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        got += n;
    pthread_join(t, NULL);
    printf("writer wrote 3, reader got %ld\n", got);
    close(fd);

    printf("nonblock writer, no reader: %s\n", R(open(path, O_WRONLY | O_NONBLOCK)));
    fd = open(path, O_RDONLY | O_NONBLOCK);
    struct pollfd pf = {fd, POLLIN, 0};
    long rd = read(fd, buf, sizeof(buf));
    poll(&pf, 1, 0);
    printf("nonblock reader, no writer: %s, read %ld, revents %d\n", fd >= 0 ? "opened" : "FAILED",
           rd, pf.revents);
    int w = open(path, O_WRONLY | O_NONBLOCK);
    close(w);
    poll(&pf, 1, 0);
    printf("after a writer came and went: revents 0x%x\n", pf.revents);
    close(fd);

    fd = open(path, O_RDWR);
    long wr = write(fd, "hi", 2);
    rd = read(fd, buf, sizeof(buf));
    printf("O_RDWR: wrote %ld, read %ld\n", wr, rd);
    write(fd, "left", 4);
    close(fd);
    fd = open(path, O_RDWR);
    int avail = -1;
    ioctl(fd, FIONREAD, &avail);
    printf("data after last close: FIONREAD %d\n", avail);
    fstat(fd, &st);
    const char* sk = R(lseek(fd, 0, SEEK_CUR));
    printf("fstat: S_ISFIFO %d, lseek %s, F_GETPIPE_SZ %d\n", S_ISFIFO(st.st_mode), sk,
           fcntl(fd, F_GETPIPE_SZ));
    close(fd);

    fd = open(path, O_RDONLY | O_NONBLOCK);
    w = open(path, O_WRONLY | O_NONBLOCK);
    close(fd);
    pf = (struct pollfd){w, POLLOUT, 0};
    poll(&pf, 1, 0);
    printf("writer after reader closed: revents 0x%x\n", pf.revents);
    close(w);

    /* A signal with a handler interrupts a blocked open... */
    install(SIGUSR1, on_usr1);
    open_result = -2;
    pthread_create(&t, NULL, blocked_open, NULL);
    /* Until one signal comes while the thread is in open(). */
    while (open_result == -2) {
        sleep_ms(50);
        pthread_kill(t, SIGUSR1);
    }
    pthread_join(t, NULL);
    errno = open_errno;
    printf("open interrupted: %s\n", R(open_result));
    /* ...unless SA_RESTART, when the open goes on until a writer comes. */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    open_result = -2;
    pthread_create(&t, NULL, blocked_open, NULL);
    sleep_ms(50);
    pthread_kill(t, SIGUSR1);
    sleep_ms(50);
    w = open(path, O_WRONLY);
    pthread_join(t, NULL);
    printf("open with SA_RESTART: went on, fd ok %d\n", open_result >= 0);
    close(w);
    close(open_result);

    unlink(path);
    r = mknod(path, S_IFIFO | 0600, 0);
    stat(path, &st);
    printf("mknod S_IFIFO: %d, S_ISFIFO %d\n", r, S_ISFIFO(st.st_mode));
    unlink(path);
    printf("done\n");
    return failures ? 1 : 0;
}
