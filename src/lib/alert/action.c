/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert/action.c - response actions: a configured program run once for an
 * alarm transition, with the event JSON on its standard input, no shell, a
 * deadline, and its output captured for the notification ("Action taken:
 * ..." / "Action failed: ..."). Off unless configured.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "opentrail/alert.h"

#include "core/private.h"

static int64_t mono_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for CLOCK_MONOTONIC */
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        (void)close(*fd); /* pipes: nothing to flush */
        *fd = -1;
    }
}

ot_status ot_action_run(char *const *argv, struct ot_sv input, long timeout_ms,
                        struct ot_action_result *res, struct ot_error *err)
{
    int in[2] = { -1, -1 }, out[2] = { -1, -1 };
    memset(res, 0, sizeof(*res));
    if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0') {
        return ot_fail(err, OT_E_USAGE, "name the program to run", "response action: no program");
    }
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
        int e = errno;
        close_fd(&in[0]);
        close_fd(&in[1]);
        return ot_fail(err, OT_E_IO, NULL, "response action %s: pipe: %s", argv[0], strerror(e));
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close_fd(&in[0]);
        close_fd(&in[1]);
        close_fd(&out[0]);
        close_fd(&out[1]);
        return ot_fail(err, OT_E_IO, NULL, "response action %s: fork: %s", argv[0], strerror(e));
    }
    if (pid == 0) {
        /* the child: stdin from the pipe, stdout and stderr into the capture */
        if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0) {
            _exit(126);
        }
        (void)setpgid(0, 0); /* its own group, so a timeout kills its children too */
        execvp(argv[0], argv);
        _exit(127);
    }
    close_fd(&in[0]);
    close_fd(&out[1]);
    (void)fcntl(in[1], F_SETFL, O_NONBLOCK);
    (void)fcntl(out[0], F_SETFL, O_NONBLOCK);
    /* a program that does not read its input must not kill us with SIGPIPE: block it in
     * this thread while we write, and drop the one it may have raised (no global change) */
    sigset_t pipe_set, old_set;
    (void)sigemptyset(&pipe_set);
    (void)sigaddset(&pipe_set, SIGPIPE);
    (void)pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 10000);
    size_t sent = 0, got = 0;
    int status = 0;
    bool exited = false;
    while (!exited) {
        int64_t left = deadline - mono_ms();
        if (left <= 0) {
            (void)kill(-pid, SIGKILL);
            (void)kill(pid, SIGKILL);
            res->timed_out = true;
            (void)waitpid(pid, &status, 0);
            break;
        }
        struct pollfd p[2] = { { out[0], POLLIN, 0 }, { in[1], POLLOUT, 0 } };
        nfds_t np = in[1] >= 0 ? 2 : 1;
        (void)poll(p, np, left > 100 ? 100 : (int)left); /* EINTR: just loop */
        if (in[1] >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = sent < input.n ? write(in[1], input.p + sent, input.n - sent) : 0;
            if (w > 0) {
                sent += (size_t)w;
            }
            if (sent >= input.n || (w < 0 && errno != EAGAIN)) {
                close_fd(&in[1]); /* all sent, or the program stopped reading */
            }
        }
        if (out[0] >= 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            char buf[1024];
            ssize_t r = read(out[0], buf, sizeof(buf));
            if (r > 0) {
                size_t keep = sizeof(res->output) - 1 - got;
                size_t k = (size_t)r < keep ? (size_t)r : keep;
                memcpy(res->output + got, buf, k);
                got += k; /* the rest is read and dropped: the output is bounded */
            } else if (r == 0) {
                close_fd(&out[0]);
            }
        }
        pid_t w = waitpid(pid, &status, WNOHANG);
        exited = (w == pid) && out[0] < 0;
        if (w == pid && out[0] >= 0) {
            /* exited: drain what is left of its output, then stop */
            char buf[1024];
            ssize_t r;
            while ((r = read(out[0], buf, sizeof(buf))) > 0) {
                size_t keep = sizeof(res->output) - 1 - got;
                size_t k = (size_t)r < keep ? (size_t)r : keep;
                memcpy(res->output + got, buf, k);
                got += k;
            }
            exited = true;
        }
    }
    res->output[got] = '\0';
    close_fd(&in[1]);
    close_fd(&out[0]);
    const struct timespec zero = { 0, 0 };
    while (sigtimedwait(&pipe_set, NULL, &zero) > 0) {
    }
    (void)pthread_sigmask(SIG_SETMASK, &old_set, NULL);
    res->ran = true;
    if (res->timed_out) {
        return ot_fail(err, OT_E_IO, "make the action faster or raise its timeout",
                       "response action %s timed out after %ld ms", argv[0], timeout_ms);
    }
    if (WIFSIGNALED(status)) {
        res->signal = WTERMSIG(status);
        return ot_fail(err, OT_E_IO, NULL, "response action %s was killed by signal %d", argv[0],
                       res->signal);
    }
    res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (res->exit_code == 127) {
        return ot_fail(err, OT_E_USAGE, "check the program's name and PATH",
                       "response action %s could not be started", argv[0]);
    }
    if (res->exit_code != 0) {
        return ot_fail(err, OT_E_IO, NULL, "response action %s exited %d", argv[0], res->exit_code);
    }
    return OT_OK;
}

void ot_action_report(const char *name, ot_status st, const struct ot_action_result *res, char *out,
                      size_t n)
{
    const char *line = res->output;
    while (*line == '\n' || *line == ' ') {
        line++;
    }
    size_t len = strcspn(line, "\n");
    if (len > 200) {
        len = 200;
    }
    char why[64];
    if (res->timed_out) {
        (void)snprintf(why, sizeof(why), "timed out");
    } else if (res->signal) {
        (void)snprintf(why, sizeof(why), "signal %d", res->signal);
    } else if (!res->ran || res->exit_code == 127) {
        (void)snprintf(why, sizeof(why), "could not start");
    } else {
        (void)snprintf(why, sizeof(why), "exit %d", res->exit_code);
    }
    (void)snprintf(out, n, "%s: %s (%s)%s%.*s", st == OT_OK ? "Action taken" : "Action failed",
                   name, why, len ? ": " : "", (int)len, line);
}
