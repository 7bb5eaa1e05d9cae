#include "server/init_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace chainaccel::server {
namespace {

// The signals PID 1 passes on to the daemon: the ones a container runtime, an operator or
// the daemon's own documentation sends (shutdown, the token file's reload), and the
// user signals.
constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

// Reaps every process that has ended; returns true once `child` is among them, with its
// status in *status.
bool ReapEnded(pid_t child, int* status) {
  bool child_ended = false;
  for (;;) {
    int s = 0;
    const pid_t pid = waitpid(-1, &s, WNOHANG);
    if (pid == child) {
      child_ended = true;
      *status = s;
    }
    if (pid > 0) continue;
    if (pid < 0 && errno == EINTR) continue;
    return child_ended;  // 0: none ended yet; ECHILD: no child left
  }
}

// The exit code of a process that ended with wait status `status`, as shells give it.
int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

// PID 1's loop: every signal of `waited` (blocked in this process) is taken with
// sigwaitinfo; SIGCHLD reaps, the others go to the child. A blocked signal is delivered
// to PID 1 even without a handler, which is why the loop waits rather than installs
// handlers. Never returns.
[[noreturn]] void RunInit(pid_t child, const sigset_t& waited) {
  for (;;) {
    siginfo_t info;
    const int sig = sigwaitinfo(&waited, &info);
    if (sig < 0) continue;  // EINTR
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    int status = 0;
    if (ReapEnded(child, &status)) _exit(ExitCodeOf(status));
  }
}

}  // namespace

void RunAsInitWhenPid1() {
  if (getpid() != 1) return;
  sigset_t waited, previous;
  sigemptyset(&waited);
  sigaddset(&waited, SIGCHLD);
  for (const int sig : kForwarded) sigaddset(&waited, sig);
  // Blocked before the fork, so that nothing sent between the fork and the loop is lost.
  sigprocmask(SIG_BLOCK, &waited, &previous);
  const pid_t child = fork();
  if (child < 0) {
    sigprocmask(SIG_SETMASK, &previous, nullptr);
    std::fprintf(stderr, "chainacceld: running as PID 1 without an init: fork failed: %s\n",
                 std::strerror(errno));
    return;
  }
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &previous, nullptr);  // the daemon sets its own mask
    return;
  }
  RunInit(child, waited);
}

}  // namespace chainaccel::server
