/* Data in a section the program names itself (CPython keeps its whole
 * interpreter state in .PyRuntime) is the program's memory: system calls
 * take pointers into it, to read from and to write to. */
//! run: --
//! status: 0
//! native
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

__attribute__((section(".PyRuntime"))) static struct {
    char path[8];
    char buf[16];
    struct stat st;
} state = {"/", "", {0}};

int main(void) {
    int r = stat(state.path, &state.st);
    printf("stat %d %s dir %d\n", r, r ? strerror(errno) : "ok", S_ISDIR(state.st.st_mode));
    int p[2];
    if (pipe(p))
        return 1;
    strcpy(state.buf, "in the section");
    printf("write %zd\n", write(p[1], state.buf, strlen(state.buf)));
    memset(state.buf, 0, sizeof state.buf);
    printf("read %zd %s\n", read(p[0], state.buf, sizeof state.buf - 1), state.buf);
    return 0;
}
