// WASI behaviour tests for weft, one group per argv[1]. Every line printed is checked by
// crates/weft-wasi/tests/wasi.rs against the expected text there. Errors are printed as WASI errno
// numbers (wasi-libc's errno values are WASI's: ENOENT=44, ENOTCAPABLE=76, ...).
// Rebuild the .wasm with ./build.sh (clang-19, wasi-libc).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

extern char **environ;

// Not declared by wasi-libc's headers any more, but part of wasi_snapshot_preview1.
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise"))) uint32_t raw_proc_raise(uint32_t sig);

// Prints "label: N" for a call returning N >= 0, or "label: errno E" for a failed one.
static void rc(const char *label, long r) {
    if (r < 0)
        printf("%s: errno %d\n", label, errno);
    else
        printf("%s: %ld\n", label, r);
}

// Prints the raw errno of a direct WASI call.
static void wasi(const char *label, __wasi_errno_t e) { printf("%s: %d\n", label, (int)e); }

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

// Sorted "name/type" list of a directory, via readdir (fd_readdir).
static void list(const char *label, const char *path) {
    DIR *d = opendir(path);
    if (!d) {
        printf("%s: opendir errno %d\n", label, errno);
        return;
    }
    char *names[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 512) {
        char buf[300];
        const char *t = e->d_type == DT_DIR ? "d" : e->d_type == DT_REG ? "f" : e->d_type == DT_LNK ? "l" : "?";
        snprintf(buf, sizeof buf, "%s/%s", e->d_name, t);
        names[n++] = strdup(buf);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("%s:", label);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

static long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) < 0 ? -1 : (long)st.st_size;
}

static int args_env(int argc, char **argv) {
    printf("argc: %d\n", argc);
    for (int i = 0; i < argc; i++) printf("argv[%d]: %s\n", i, argv[i]);
    for (char **e = environ; *e; e++) printf("env: %s\n", *e);
    const char *v = getenv("WEFT_TEST");
    printf("getenv: %s\n", v ? v : "(null)");
    return 0;
}

static int files(void) {
    char buf[64] = {0};
    int fd = open("a.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    rc("open create", fd >= 0 ? 0 : -1);
    rc("write", write(fd, "hello world\n", 12));
    rc("read on write-only", read(fd, buf, 4));
    close(fd);

    fd = open("a.txt", O_RDWR);
    rc("read", read(fd, buf, 5));
    printf("data: %.5s\n", buf);
    rc("seek cur", lseek(fd, 0, SEEK_CUR));
    rc("seek end-3", lseek(fd, -3, SEEK_END));
    memset(buf, 0, sizeof buf);
    rc("read tail", read(fd, buf, sizeof buf));
    printf("tail: %s", buf);
    rc("read at eof", read(fd, buf, sizeof buf));
    rc("seek set 6", lseek(fd, 6, SEEK_SET));
    rc("write mid", write(fd, "WORLD", 5));
    memset(buf, 0, sizeof buf);
    rc("pread", pread(fd, buf, sizeof buf, 0));
    printf("pread data: %s", buf);
    rc("pwrite", pwrite(fd, "H", 1, 0));
    rc("pread 1", pread(fd, buf, 1, 0));
    printf("first: %c\n", buf[0]);
    rc("seek negative", lseek(fd, -100, SEEK_SET));
    rc("position after pwrite", lseek(fd, 0, SEEK_CUR));
    __wasi_filesize_t pos = 0;
    wasi("fd_tell", __wasi_fd_tell(fd, &pos));
    printf("tell: %llu\n", (unsigned long long)pos);
    struct stat st;
    rc("fstat", fstat(fd, &st));
    printf("size: %ld regular: %d\n", (long)st.st_size, S_ISREG(st.st_mode));
    rc("ftruncate 5", ftruncate(fd, 5));
    printf("size: %ld\n", file_size("a.txt"));
    rc("ftruncate 100", ftruncate(fd, 100));
    printf("size: %ld\n", file_size("a.txt"));
    rc("fsync", fsync(fd));
    rc("fdatasync", fdatasync(fd));
    printf("fadvise: %d\n", posix_fadvise(fd, 0, 100, POSIX_FADV_SEQUENTIAL));
    printf("fallocate: %d\n", posix_fallocate(fd, 0, 4096));
    printf("size: %ld\n", file_size("a.txt"));
    close(fd);
    rc("read closed", read(fd, buf, 1));

    fd = open("a.txt", O_WRONLY | O_APPEND);
    printf("append flag: %d\n", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
    rc("append write", write(fd, "XY", 2));
    printf("size: %ld\n", file_size("a.txt"));
    rc("clear append", fcntl(fd, F_SETFL, 0));
    printf("append flag: %d\n", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
    close(fd);

    rc("open excl existing", open("a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
    rc("open missing", open("missing.txt", O_RDONLY));
    rc("open trailing slash", open("a.txt/", O_RDONLY));
    rc("open through file", open("a.txt/x", O_RDONLY));
    rc("mkdir", mkdir("d", 0755));
    rc("mkdir again", mkdir("d", 0755));
    rc("open dir for write", open("d", O_WRONLY));
    rc("open dir O_DIRECTORY", open("d", O_RDONLY | O_DIRECTORY) >= 0 ? 0 : -1);
    rc("open file O_DIRECTORY", open("a.txt", O_RDONLY | O_DIRECTORY));
    close(open("d/f1", O_CREAT | O_WRONLY, 0644));
    close(open("d/f2", O_CREAT | O_WRONLY, 0644));
    rc("mkdir sub", mkdir("d/sub", 0755));
    list("list d", "d");
    rc("rmdir nonempty", rmdir("d"));
    rc("unlink dir", unlink("d"));
    rc("rmdir file", rmdir("d/f1"));
    rc("rename", rename("d/f1", "d/f3"));
    rc("stat old name", stat("d/f1", &st));
    rc("stat new name", stat("d/f3", &st));
    rc("rename into subdir", rename("a.txt", "d/sub/a.txt"));
    printf("moved size: %ld\n", file_size("d/sub/a.txt"));
    rc("rename dir over nonempty dir", rename("d/sub", "d"));
    rc("link", link("d/f2", "d/f2link"));
    rc("stat link", stat("d/f2", &st));
    printf("nlink: %ld\n", (long)st.st_nlink);
    rc("symlink", symlink("f3", "d/lnk"));
    memset(buf, 0, sizeof buf);
    rc("readlink", readlink("d/lnk", buf, sizeof buf));
    printf("target: %s\n", buf);
    rc("readlink short", readlink("d/lnk", buf, 1));
    rc("readlink on file", readlink("d/f3", buf, sizeof buf));
    rc("lstat", lstat("d/lnk", &st));
    printf("is link: %d\n", S_ISLNK(st.st_mode));
    rc("stat through link", stat("d/lnk", &st));
    printf("is regular: %d\n", S_ISREG(st.st_mode));
    rc("open nofollow link", open("d/lnk", O_RDONLY | O_NOFOLLOW));
    rc("symlink absolute", symlink("/etc/passwd", "d/abs"));
    list("list d again", "d");

    struct timespec times[2] = {{1000, 0}, {2000, 500}};
    rc("utimensat", utimensat(AT_FDCWD, "d/f3", times, 0));
    rc("stat times", stat("d/f3", &st));
    printf("atime: %lld.%09ld mtime: %lld.%09ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    __wasi_filestat_t wst;
    wasi("set mtime now", __wasi_path_filestat_set_times(3, 0, "d/f3", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    wasi("stat times", __wasi_path_filestat_get(3, 0, "d/f3", &wst));
    printf("atime kept: %d mtime recent: %d\n", wst.atim == 1000000000000ULL, wst.mtim > 1600000000000000000ULL);
    wasi("set both atim flags", __wasi_path_filestat_set_times(3, 0, "d/f3", 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));
    // (utimensat with NULL or UTIME_NOW is mistranslated by Debian's wasi-libc, so the raw call.)
    wasi("set both now", __wasi_path_filestat_set_times(3, 0, "d/f3", 0, 0, __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW));
    wasi("stat times", __wasi_path_filestat_get(3, 0, "d/f3", &wst));
    printf("both recent: %d\n", wst.atim > 1600000000000000000ULL && wst.mtim > 1600000000000000000ULL);
    fd = open("d/f3", O_RDWR);
    struct timespec t2[2] = {{3000, 0}, {4000, 0}};
    rc("futimens", futimens(fd, t2));
    fstat(fd, &st);
    printf("atime: %lld mtime: %lld\n", (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec);
    struct timespec lt[2] = {{5000, 0}, {6000, 0}};
    rc("utimensat nofollow", utimensat(AT_FDCWD, "d/lnk", lt, AT_SYMLINK_NOFOLLOW));
    lstat("d/lnk", &st);
    printf("link mtime: %lld\n", (long long)st.st_mtim.tv_sec);
    stat("d/lnk", &st);
    printf("target mtime: %lld\n", (long long)st.st_mtim.tv_sec);

    // fd_renumber and rights, through the raw API.
    int a = open("d/f3", O_RDWR);
    write(a, "AAAA", 4);
    lseek(a, 0, SEEK_SET);
    int b = open("d/f2", O_RDONLY);
    wasi("renumber", __wasi_fd_renumber(a, b));
    memset(buf, 0, sizeof buf);
    rc("read renumbered", read(b, buf, 4));
    printf("data: %s\n", buf);
    rc("read old number", read(a, buf, 4));
    wasi("renumber bad", __wasi_fd_renumber(a, b));
    __wasi_fdstat_t fs;
    wasi("fdstat", __wasi_fd_fdstat_get(b, &fs));
    printf("filetype: %d can read: %d can write: %d\n", fs.fs_filetype, (fs.fs_rights_base & __WASI_RIGHTS_FD_READ) != 0,
           (fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE) != 0);
    wasi("drop read right", __wasi_fd_fdstat_set_rights(b, fs.fs_rights_base & ~__WASI_RIGHTS_FD_READ, 0));
    __wasi_iovec_t iov = {(uint8_t *)buf, 1};
    __wasi_size_t nread;
    wasi("read without right", __wasi_fd_read(b, &iov, 1, &nread));
    wasi("seek with right", __wasi_fd_seek(b, 0, __WASI_WHENCE_SET, &pos));
    wasi("regain read right", __wasi_fd_fdstat_set_rights(b, fs.fs_rights_base, 0));
    close(b);
    close(fd);
    __wasi_fdstat_t ds;
    wasi("fdstat preopen", __wasi_fd_fdstat_get(3, &ds));
    printf("filetype: %d\n", ds.fs_filetype);
    rc("seek stdout", lseek(1, 0, SEEK_CUR));

    // A directory larger than one fd_readdir buffer.
    mkdir("big", 0755);
    for (int i = 0; i < 300; i++) {
        char name[128];
        snprintf(name, sizeof name, "big/a-rather-long-file-name-to-fill-the-buffer-%03d", i);
        close(open(name, O_CREAT | O_WRONLY, 0644));
    }
    DIR *dir = opendir("big");
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dir))) count++;
    closedir(dir);
    printf("big entries: %d\n", count);
    for (int i = 0; i < 300; i++) {
        char name[128];
        snprintf(name, sizeof name, "big/a-rather-long-file-name-to-fill-the-buffer-%03d", i);
        unlink(name);
    }
    rc("rmdir big", rmdir("big"));

    // Clean up everything: the tree must be empty afterwards.
    rc("unlink f2link", unlink("d/f2link"));
    rc("unlink lnk", unlink("d/lnk"));
    rc("unlink abs", unlink("d/abs"));
    unlink("d/f2");
    unlink("d/f3");
    unlink("d/sub/a.txt");
    rc("rmdir sub", rmdir("d/sub"));
    rc("rmdir d", rmdir("d"));
    list("list root", ".");
    return 0;
}

// Run with the preopen "." = <tmp>/root; <tmp>/secret.txt lies outside; the test creates symlinks
// root/escape_abs -> <tmp>/secret.txt, root/escape_rel -> ../secret.txt, root/escape_dir -> ..,
// root/escape_new -> ../created.txt (dangling), and root/inside.txt, root/sub/.
static int sandbox(void) {
    const __wasi_rights_t R = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK;
    const __wasi_rights_t W = __WASI_RIGHTS_FD_WRITE;
    const __wasi_lookupflags_t F = __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW;
    __wasi_fd_t fd;
    char name[8] = {0};
    __wasi_prestat_t ps;
    wasi("prestat", __wasi_fd_prestat_get(3, &ps));
    wasi("prestat name", __wasi_fd_prestat_dir_name(3, (uint8_t *)name, ps.u.dir.pr_name_len));
    printf("preopen: %s\n", name);
    wasi("prestat 4", __wasi_fd_prestat_get(4, &ps));
    wasi("open inside", __wasi_path_open(3, F, "inside.txt", 0, R, 0, 0, &fd));
    wasi("open dotdot", __wasi_path_open(3, F, "../secret.txt", 0, R, 0, 0, &fd));
    wasi("open absolute", __wasi_path_open(3, F, "/etc/passwd", 0, R, 0, 0, &fd));
    wasi("open sub/../..", __wasi_path_open(3, F, "sub/../../secret.txt", 0, R, 0, 0, &fd));
    wasi("open sub/../inside", __wasi_path_open(3, F, "sub/../inside.txt", 0, R, 0, 0, &fd));
    wasi("open symlink abs", __wasi_path_open(3, F, "escape_abs", 0, R, 0, 0, &fd));
    wasi("open symlink rel", __wasi_path_open(3, F, "escape_rel", 0, R, 0, 0, &fd));
    wasi("open through symlink dir", __wasi_path_open(3, F, "escape_dir/secret.txt", 0, R, 0, 0, &fd));
    wasi("open symlink nofollow", __wasi_path_open(3, 0, "escape_rel", 0, R, 0, 0, &fd));
    wasi("create through dangling symlink", __wasi_path_open(3, F, "escape_new", __WASI_OFLAGS_CREAT, R | W, 0, 0, &fd));
    wasi("create dotdot", __wasi_path_open(3, F, "../created2.txt", __WASI_OFLAGS_CREAT, R | W, 0, 0, &fd));
    wasi("truncate dotdot", __wasi_path_open(3, F, "../secret.txt", __WASI_OFLAGS_TRUNC, R | W, 0, 0, &fd));
    wasi("open dir dotdot", __wasi_path_open(3, F, "..", __WASI_OFLAGS_DIRECTORY, R, 0, 0, &fd));
    __wasi_fd_t sub;
    wasi("open sub", __wasi_path_open(3, F, "sub", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_PATH_OPEN, R, 0, &sub));
    wasi("open sub/../inside from sub", __wasi_path_open(sub, F, "../inside.txt", 0, R, 0, 0, &fd));
    __wasi_filestat_t st;
    wasi("stat dotdot", __wasi_path_filestat_get(3, F, "../secret.txt", &st));
    wasi("stat symlink followed", __wasi_path_filestat_get(3, F, "escape_abs", &st));
    wasi("stat symlink itself", __wasi_path_filestat_get(3, 0, "escape_abs", &st));
    wasi("mkdir dotdot", __wasi_path_create_directory(3, "../newdir"));
    wasi("mkdir absolute", __wasi_path_create_directory(3, "/tmp/weft-escape-dir"));
    wasi("mkdir through symlink", __wasi_path_create_directory(3, "escape_dir/newdir2"));
    wasi("rmdir dotdot", __wasi_path_remove_directory(3, "../root"));
    wasi("unlink dotdot", __wasi_path_unlink_file(3, "../secret.txt"));
    wasi("unlink through symlink dir", __wasi_path_unlink_file(3, "escape_dir/secret.txt"));
    wasi("rename out", __wasi_path_rename(3, "inside.txt", 3, "../moved.txt"));
    wasi("rename in", __wasi_path_rename(3, "../secret.txt", 3, "stolen.txt"));
    wasi("link out", __wasi_path_link(3, 0, "inside.txt", 3, "../hard.txt"));
    wasi("link in", __wasi_path_link(3, 0, "../secret.txt", 3, "hard.txt"));
    wasi("symlink absolute target", __wasi_path_symlink("/etc/passwd", 3, "abs_link"));
    wasi("symlink outside", __wasi_path_symlink("inside.txt", 3, "../link_out"));
    wasi("symlink dotdot target", __wasi_path_symlink("../secret.txt", 3, "rel_link"));
    wasi("open new dotdot symlink", __wasi_path_open(3, F, "rel_link", 0, R, 0, 0, &fd));
    wasi("unlink new symlink", __wasi_path_unlink_file(3, "rel_link"));
    wasi("readlink dotdot", __wasi_path_readlink(3, "../root/escape_rel", (uint8_t *)name, sizeof name, &(__wasi_size_t){0}));
    wasi("set times dotdot", __wasi_path_filestat_set_times(3, F, "../secret.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    wasi("set times through symlink", __wasi_path_filestat_set_times(3, F, "escape_abs", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    // The same through libc.
    rc("libc fopen ../secret.txt", fopen("../secret.txt", "r") ? 0 : -1);
    rc("libc fopen /etc/passwd", fopen("/etc/passwd", "r") ? 0 : -1);
    rc("libc open escape_abs", open("escape_abs", O_RDONLY));
    rc("libc opendir ..", opendir("..") ? 0 : -1);
    return 0;
}

static long long ns(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int clocks(void) {
    printf("realtime plausible: %d\n", ns(CLOCK_REALTIME) > 1600000000LL * 1000000000LL);
    long long a = ns(CLOCK_MONOTONIC), b = ns(CLOCK_MONOTONIC);
    printf("monotonic: %d\n", b >= a);
    struct timespec res;
    rc("getres", clock_getres(CLOCK_MONOTONIC, &res));
    printf("res positive: %d\n", res.tv_sec > 0 || res.tv_nsec > 0);
    struct timespec d = {0, 20000000};
    a = ns(CLOCK_MONOTONIC);
    rc("nanosleep", nanosleep(&d, NULL));
    printf("slept 20ms: %d\n", ns(CLOCK_MONOTONIC) - a >= 20000000LL);
    a = ns(CLOCK_MONOTONIC);
    struct timespec until = {(a + 20000000LL) / 1000000000LL, (a + 20000000LL) % 1000000000LL};
    printf("clock_nanosleep abs: %d\n", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL));
    printf("slept until: %d\n", ns(CLOCK_MONOTONIC) >= a + 20000000LL);
    __wasi_timestamp_t t;
    wasi("process cputime", __wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &t));
    wasi("thread cputime", __wasi_clock_time_get(__WASI_CLOCKID_THREAD_CPUTIME_ID, 1, &t));
    wasi("bad clock", __wasi_clock_time_get(99, 1, &t));
    wasi("bad clock res", __wasi_clock_res_get(99, &t));
    unsigned char r1[32] = {0}, r2[32] = {0};
    rc("getentropy", getentropy(r1, sizeof r1));
    getentropy(r2, sizeof r2);
    printf("random differs: %d\n", memcmp(r1, r2, sizeof r1) != 0);
    rc("sched_yield", sched_yield());
    wasi("proc_raise", raw_proc_raise(6));
    wasi("sock_shutdown", __wasi_sock_shutdown(1, __WASI_SDFLAGS_WR));
    // poll_oneoff: a regular file is always readable; an empty poll with a timeout is a sleep.
    int fd = open("clockfile", O_CREAT | O_RDWR, 0644);
    write(fd, "abc", 3);
    lseek(fd, 0, SEEK_SET);
    struct pollfd p = {fd, POLLIN, 0};
    rc("poll file", poll(&p, 1, 1000));
    printf("revents in: %d\n", (p.revents & POLLIN) != 0);
    a = ns(CLOCK_MONOTONIC);
    rc("poll timeout", poll(NULL, 0, 15));
    printf("waited 15ms: %d\n", ns(CLOCK_MONOTONIC) - a >= 15000000LL);
    close(fd);
    unlink("clockfile");
    // Two clocks in one poll_oneoff: only the earlier fires.
    __wasi_subscription_t subs[2] = {0};
    subs[0].userdata = 1;
    subs[0].u.tag = __WASI_EVENTTYPE_CLOCK;
    subs[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    subs[0].u.u.clock.timeout = 5000000;
    subs[1] = subs[0];
    subs[1].userdata = 2;
    subs[1].u.u.clock.timeout = 5000000000LL;
    __wasi_event_t ev[2];
    __wasi_size_t n = 0;
    wasi("poll_oneoff", __wasi_poll_oneoff(subs, ev, 2, &n));
    printf("events: %u userdata: %llu type: %d error: %d\n", (unsigned)n, (unsigned long long)ev[0].userdata, ev[0].type, ev[0].error);
    wasi("poll_oneoff none", __wasi_poll_oneoff(subs, ev, 0, &n));
    subs[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    subs[0].u.u.fd_read.file_descriptor = 77;
    wasi("poll_oneoff bad fd", __wasi_poll_oneoff(subs, ev, 1, &n));
    printf("events: %u error: %d\n", (unsigned)n, ev[0].error);
    return 0;
}

static int cat(void) {
    char buf[256];
    long total = 0;
    ssize_t k;
    while ((k = read(0, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < k; i++)
            if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] -= 32;
        fwrite(buf, 1, k, stdout);
        total += k;
    }
    printf("\nstdin bytes: %ld\n", total);
    fprintf(stderr, "to stderr\n");
    return 0;
}

// poll() on the standard streams (host pipes under `weft run`): stdin with data, or empty with a timeout.
static int pollstdio(int empty) {
    if (empty) {
        struct pollfd p = {0, POLLIN, 0};
        long long a = ns(CLOCK_MONOTONIC);
        rc("poll empty stdin", poll(&p, 1, 30));
        printf("waited 30ms: %d\n", ns(CLOCK_MONOTONIC) - a >= 30000000LL);
        return 0;
    }
    struct pollfd p[2] = {{0, POLLIN, 0}, {1, POLLOUT, 0}};
    rc("poll stdio", poll(p, 2, 5000));
    printf("stdin readable: %d stdout writable: %d\n", (p[0].revents & POLLIN) != 0, (p[1].revents & POLLOUT) != 0);
    return 0;
}

int main(int argc, char **argv) {
    const char *g = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(g, "args")) return args_env(argc, argv);
    if (!strcmp(g, "files")) return files();
    if (!strcmp(g, "sandbox")) return sandbox();
    if (!strcmp(g, "clocks")) return clocks();
    if (!strcmp(g, "cat")) return cat();
    if (!strcmp(g, "pollstdio")) return pollstdio(argc > 2 && !strcmp(argv[2], "empty"));
    if (!strcmp(g, "exit")) {
        printf("exiting\n");
        exit(argc > 2 ? atoi(argv[2]) : 0);
    }
    if (!strcmp(g, "return")) return argc > 2 ? atoi(argv[2]) : 0;
    if (!strcmp(g, "trap")) {
        printf("before trap\n");
        fflush(stdout);
        __builtin_trap();
    }
    fprintf(stderr, "usage: wasi_tests args|files|sandbox|clocks|cat|pollstdio [empty]|exit N|return N|trap\n");
    return 2;
}
