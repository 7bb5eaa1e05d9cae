#include "execution/aot_sandbox.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace chainaccel::exec {
namespace {

namespace fs = std::filesystem;

// The shell that runs a build: rlimits first (dash's and bash's POSIX mode units: -v in
// KiB, -f in 512-byte blocks); the watchdog, holding the pipe on descriptor 3 (stdin as
// spawned), kills the group at end-of-file; then stdin becomes /dev/null and the build
// ($1) runs in new user and network namespaces where allowed; the watchdog is killed and
// reaped when the build ends. Exit 125: a limit could not be set.
std::string OuterScript(const SandboxLimits& limits) {
  std::ostringstream s;
  s << "ulimit -t " << static_cast<uint64_t>(limits.time_limit_seconds + 1)
    << " && ulimit -v " << limits.memory_limit_bytes / 1024 << " && ulimit -f "
    << limits.file_limit_bytes / 512 << " && ulimit -n " << limits.open_files
    << " && ulimit -c 0 || exit 125\n"
       "exec 3<&0 </dev/null\n"
       "{ read _ <&3; kill -KILL 0; } &\n"
       "w=$!\n"
       "exec 3<&-\n"
       "if unshare -Un true 2>/dev/null; then unshare -Un /bin/sh -c \"$1\"; "
       "else /bin/sh -c \"$1\"; fi\n"
       "s=$?\n"
       "kill -KILL $w\n"
       "wait $w 2>/dev/null\n"
       "exit $s\n";
  return s.str();
}

std::string Tail(const fs::path& path, size_t n) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  return s.size() > n ? s.substr(s.size() - n) : s;
}

// posix_spawn's attributes and file actions for a build, released on destruction.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t files;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&files);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&files);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // A session of its own, every signal at its default and none blocked; in `dir`; stdin
  // the watchdog's pipe, stdout and stderr `log`, every other descriptor closed. Returns
  // 0 or the error number.
  int Prepare(const std::string& dir, const std::string& log, int watchdog_fd) {
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    int e = posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (e == 0) e = posix_spawnattr_setsigmask(&attr, &none);
    if (e == 0) e = posix_spawnattr_setsigdefault(&attr, &all);
    if (e == 0) e = posix_spawn_file_actions_addchdir_np(&files, dir.c_str());
    if (e == 0) e = posix_spawn_file_actions_adddup2(&files, watchdog_fd, 0);
    if (e == 0) {
      e = posix_spawn_file_actions_addopen(&files, 1, log.c_str(),
                                           O_WRONLY | O_CREAT | O_TRUNC, 0600);
    }
    if (e == 0) e = posix_spawn_file_actions_adddup2(&files, 1, 2);
    if (e == 0) e = posix_spawn_file_actions_addclosefrom_np(&files, 3);
    return e;
  }
};

}  // namespace

Status BuildSandbox::Spawn(const std::string& script, const std::string& dir,
                           const SandboxLimits& limits, int watchdog_fd, pid_t* pid) {
  SpawnSetup setup;
  const std::string log = (fs::path(dir) / "build.log").string();
  if (const int e = setup.Prepare(dir, log, watchdog_fd); e != 0) {
    return Status::Internal(std::string("posix_spawn setup: ") + std::strerror(e));
  }
  const std::string outer = OuterScript(limits);
  const char* argv[] = {"/bin/sh", "-c", outer.c_str(), "sh", script.c_str(), nullptr};
  const char* envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", "HOME=/nonexistent",
                        nullptr};
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return Status::Unavailable("the compiler is stopping");
  const int e = posix_spawn(pid, "/bin/sh", &setup.files, &setup.attr,
                            const_cast<char* const*>(argv), const_cast<char* const*>(envp));
  if (e != 0) return Status::Internal(std::string("posix_spawn: ") + std::strerror(e));
  running_ = *pid;
  return Status::Ok();
}

Status BuildSandbox::Run(const std::string& script, const std::string& dir,
                         const SandboxLimits& limits) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Status::Internal(std::string("pipe2: ") + std::strerror(errno));
  }
  pid_t pid = 0;
  Status s = Spawn(script, dir, limits, pipe_fds[0], &pid);
  close(pipe_fds[0]);
  if (!s.ok()) {
    close(pipe_fds[1]);
    return s;
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration<double>(limits.time_limit_seconds);
  int status = 0;
  bool timed_out = false;
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    kill(-pid, SIGKILL);  // anything the script left behind
    running_ = 0;
  }
  close(pipe_fds[1]);
  if (timed_out) {
    return Status::DeadlineExceeded("the build ran past its time limit of " +
                                    std::to_string(limits.time_limit_seconds) + " s");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::Internal("the build failed: " + Tail(fs::path(dir) / "build.log", 600));
  }
  return Status::Ok();
}

void BuildSandbox::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
  if (running_ > 0) kill(-running_, SIGKILL);
}

int LockBuildFolder(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

size_t RemoveLeftoverBuildFolders(const std::string& cache_dir) {
  std::vector<fs::path> candidates;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(cache_dir, ec)) {
    if (entry.path().filename().string().rfind("build-", 0) == 0 && entry.is_directory(ec)) {
      candidates.push_back(entry.path());
    }
  }
  size_t removed = 0;
  for (const fs::path& dir : candidates) {
    const int fd = LockBuildFolder(dir.string());
    if (fd < 0) continue;  // a running build's
    fs::remove_all(dir, ec);
    close(fd);
    if (!ec) ++removed;
  }
  return removed;
}

}  // namespace chainaccel::exec
