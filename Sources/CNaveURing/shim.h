#ifndef CNAVE_URING_SHIM_H
#define CNAVE_URING_SHIM_H
// <features.h> and <sys/socket.h> must come before <liburing.h>: liburing defines
// _XOPEN_SOURCE, which otherwise hides fd_set's fields from Swift's Glibc module.
#include <features.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <errno.h>
#include <liburing.h>

// GNU-only declarations that Swift's Glibc module does not carry.
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);

// Flags defined through enum constants are not imported by Swift; re-export them.
static const unsigned int cnave_IOSQE_BUFFER_SELECT = IOSQE_BUFFER_SELECT;
static const unsigned int cnave_IOSQE_CQE_SKIP_SUCCESS = IOSQE_CQE_SKIP_SUCCESS;
static const unsigned int cnave_IORING_ASYNC_CANCEL_ALL = IORING_ASYNC_CANCEL_ALL;
static const unsigned int cnave_IORING_ASYNC_CANCEL_FD = IORING_ASYNC_CANCEL_FD;
static const unsigned int cnave_IORING_CQE_BUFFER_SHIFT = IORING_CQE_BUFFER_SHIFT;

static inline int cnave_errno(void) { return errno; }

#include <sys/syscall.h>
#include <unistd.h>
// Pins the calling thread to one CPU (CPU_SET and sched_setaffinity are GNU-only: use the raw
// system call with a plain bit mask).
static inline int cnave_pin_thread_to_cpu(int cpu) {
    unsigned long mask[16] = {0};
    if (cpu < 0 || cpu >= 1024) return -1;
    mask[cpu / 64] = 1UL << (cpu % 64);
    return (int)syscall(SYS_sched_setaffinity, 0, sizeof(mask), mask);
}
#include <sys/prctl.h>
// prctl(2) is variadic in C, which Swift does not import (tests install seccomp filters with it).
static inline int cnave_prctl(int option, unsigned long arg2, unsigned long arg3) {
    return prctl(option, arg2, arg3, 0UL, 0UL);
}

#include <signal.h>
// Submits what is queued and waits with batched wakeups (Linux 6.12+, IORING_FEAT_MIN_TIMEOUT;
// liburing 2.3 predates it, so this fills `io_uring_getevents_arg` itself: its `pad` became
// `min_wait_usec`). The kernel returns once `wait_nr` completions are ready, or once
// `min_wait_usec` has passed with at least one, or at `timeout_ns` (negative: no timeout).
// Mirrors liburing 2.3's io_uring_submit_and_wait_timeout for a ring without SQPOLL and without
// a registered ring fd. Returns the number submitted or -errno.
static inline int cnave_submit_and_wait_batched(struct io_uring *ring, unsigned wait_nr,
                                                unsigned min_wait_usec, long long timeout_ns) {
    struct io_uring_sq *sq = &ring->sq;
    unsigned tail = sq->sqe_tail;
    if (sq->sqe_head != tail) {
        sq->sqe_head = tail;
        io_uring_smp_store_release(sq->ktail, tail);
    }
    unsigned to_submit = tail - *sq->khead;
    struct __kernel_timespec ts;
    struct io_uring_getevents_arg arg = { .sigmask = 0, .sigmask_sz = _NSIG / 8, .pad = min_wait_usec, .ts = 0 };
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000LL;
        ts.tv_nsec = timeout_ns % 1000000000LL;
        arg.ts = (unsigned long long)(uintptr_t)&ts;
    }
    int ret = (int)syscall(__NR_io_uring_enter, ring->ring_fd, to_submit, wait_nr,
                           IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof(arg));
    return ret < 0 ? -errno : ret;
}
// IORING_FEAT_MIN_TIMEOUT (Linux 6.12), absent from liburing 2.3's headers.
static const unsigned int cnave_IORING_FEAT_MIN_TIMEOUT = 1U << 15;
#endif
