// The sandboxed child process in which the ahead-of-time tier runs wasm2c and the C
// compiler (docs/execution.md, "Contract tiers", "Building").
//
// The child is started with posix_spawn (never fork: the daemon is multi-threaded) as
// /bin/sh in a session and process group of its own, with default signal dispositions
// and an empty signal mask, in the build's folder, stdin from /dev/null, stdout and
// stderr to <folder>/build.log and no other descriptor, and a minimal environment. The
// shell applies the rlimits (`ulimit`: CPU time, address space, file size, open files,
// no core dumps) before anything else, then runs the build, in a new user and network
// namespace (`unshare -Un`) where the kernel lets an unprivileged process make one.
// A watchdog in the child's process group holds the read end of a pipe whose write
// end only this process holds: when this process dies, even by SIGKILL, the watchdog
// reads end-of-file and kills the whole group, so no build outlives its daemon.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <string>

#include "core/status.h"

namespace chainaccel::exec {

struct SandboxLimits {
  double time_limit_seconds = 120;                  // wall clock; RLIMIT_CPU is 1 s more
  uint64_t memory_limit_bytes = uint64_t{2} << 30;  // RLIMIT_AS of every process
  uint64_t file_limit_bytes = uint64_t{256} << 20;  // RLIMIT_FSIZE
  uint64_t open_files = 64;                         // RLIMIT_NOFILE
};

// Runs build scripts one at a time per caller. Thread-safe: Run may be called from one
// thread while Stop is called from another.
class BuildSandbox {
 public:
  BuildSandbox() = default;
  BuildSandbox(const BuildSandbox&) = delete;
  BuildSandbox& operator=(const BuildSandbox&) = delete;

  // Runs `script` with /bin/sh in the existing folder `dir` as described above and waits
  // for it. Returns OK when it exits with status 0; DEADLINE_EXCEEDED when it ran past
  // the time limit (its process group is killed); UNAVAILABLE after Stop; INTERNAL with
  // the tail of build.log when it failed, or naming the call that could not start it.
  // Whatever is left of the process group when the script ends is killed.
  Status Run(const std::string& script, const std::string& dir, const SandboxLimits& limits);

  // Kills the running build's process group, if any, and makes later Runs return
  // UNAVAILABLE.
  void Stop();

 private:
  Status Spawn(const std::string& script, const std::string& dir, const SandboxLimits& limits,
               int watchdog_fd, pid_t* pid);

  std::mutex mu_;
  pid_t running_ = 0;      // the running build's process group, 0 when none; guarded by mu_
  bool stopping_ = false;  // guarded by mu_
};

// Removes the folders named build-* directly under `cache_dir` that no build holds (a
// build holds its folder locked with flock; one left by a process that died is
// unlocked). Returns how many it removed.
size_t RemoveLeftoverBuildFolders(const std::string& cache_dir);

// Opens and flock()s the folder `dir` (close-on-exec), to mark it in use; returns the
// descriptor, or -1 when it cannot be opened or another holder has it. The lock goes
// with the descriptor (close it) or with the process.
int LockBuildFolder(const std::string& dir);

}  // namespace chainaccel::exec
