// The build sandbox of the ahead-of-time tier (execution/aot_sandbox.h): what a build
// script sees (rlimits, descriptors, environment, session), the time limit killing the
// whole process group, a build dying with the process that started it, and leftover
// build folders removed when a compiler starts. No timing assertions: the waits below
// are bounds on a failure, never measurements.
#include "execution/aot_sandbox.h"

#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "execution/aot_module.h"
#include "execution/testing/temp_dir.h"

namespace chainaccel::exec {
namespace {

namespace fs = std::filesystem;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Polls `done` every 20 ms for at most `seconds`; its last answer.
bool WaitUntil(const std::function<bool()>& done, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Fields 3 (state), 5 (process group) and 6 (session) of a /proc/<pid>/stat line.
struct ProcStat {
  char state = '?';
  long group = 0;
  long session = 0;
};
bool ParseStat(const std::string& line, ProcStat* out) {
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos) return false;
  std::istringstream rest(line.substr(paren + 1));
  long ppid = 0;
  return static_cast<bool>(rest >> out->state >> ppid >> out->group >> out->session);
}

// Whether no process but zombies is left in process group `group`.
bool GroupGone(long group) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    ProcStat stat;
    if (ParseStat(ReadText(entry.path() / "stat"), &stat) && stat.group == group &&
        stat.state != 'Z') {
      return false;
    }
  }
  return true;
}

// The `Max <what>` soft limit of a /proc/<pid>/limits text, as written there.
std::string Limit(const std::string& limits, const std::string& what) {
  std::istringstream lines(limits);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("Max " + what, 0) != 0) continue;
    std::istringstream fields(line.substr(4 + what.size()));
    std::string soft;
    fields >> soft;
    return soft;
  }
  return "missing";
}

TEST_CASE("AOT sandbox: the script sees its rlimits, three descriptors, a minimal "
          "environment and a session of its own", "[aot]") {
  testing::TempDir dir;
  // Neither may reach the build: a descriptor without close-on-exec, a variable.
  const int leaked = open(dir.path().c_str(), O_RDONLY | O_DIRECTORY);
  REQUIRE(leaked >= 0);
  setenv("CHAINACCEL_SANDBOX_PROBE", "1", 1);
  SandboxLimits limits;
  limits.time_limit_seconds = 60;
  limits.memory_limit_bytes = uint64_t{1} << 30;
  BuildSandbox sandbox;
  const Status s = sandbox.Run(
      "cat /proc/self/limits > limits; ls /proc/self/fd > fds; ls -l /proc/self/fd > fd_links; "
      "env > env; "
      "cat /proc/self/stat > stat",
      dir.path(), limits);
  close(leaked);
  unsetenv("CHAINACCEL_SANDBOX_PROBE");
  INFO(s.ToString());
  REQUIRE(s.ok());
  const std::string text = ReadText(fs::path(dir.path()) / "limits");
  CHECK(Limit(text, "cpu time") == "61");
  CHECK(Limit(text, "address space") == std::to_string(uint64_t{1} << 30));
  CHECK(Limit(text, "file size") == std::to_string(uint64_t{256} << 20));
  CHECK(Limit(text, "open files") == "64");
  CHECK(Limit(text, "core file size") == "0");
  // A command of the build holds 0-2 and, here, 3: the folder `ls` itself opened.
  INFO(ReadText(fs::path(dir.path()) / "fd_links"));
  CHECK(ReadText(fs::path(dir.path()) / "fds") == "0\n1\n2\n3\n");
  std::istringstream env(ReadText(fs::path(dir.path()) / "env"));
  std::set<std::string> names;
  for (std::string line; std::getline(env, line);) names.insert(line.substr(0, line.find('=')));
  INFO(ReadText(fs::path(dir.path()) / "env"));
  const std::set<std::string> allowed = {"PATH", "LC_ALL", "HOME", "PWD"};
  for (const std::string& name : names) CHECK(allowed.count(name) == 1);
  CHECK(names.count("PATH") == 1);
  ProcStat stat;
  REQUIRE(ParseStat(ReadText(fs::path(dir.path()) / "stat"), &stat));
  CHECK(stat.session == stat.group);
  CHECK(stat.session != getsid(0));
}

TEST_CASE("AOT sandbox: past the time limit the whole process group is killed", "[aot]") {
  testing::TempDir dir;
  SandboxLimits limits;
  limits.time_limit_seconds = 0.5;
  BuildSandbox sandbox;
  const Status s = sandbox.Run("cat /proc/self/stat > stat; sleep 300 & sleep 300", dir.path(),
                               limits);
  CHECK(s.code() == Status::Code::kDeadlineExceeded);
  ProcStat stat;
  REQUIRE(ParseStat(ReadText(fs::path(dir.path()) / "stat"), &stat));
  CHECK(WaitUntil([&] { return GroupGone(stat.group); }, 30));
}

TEST_CASE("AOT sandbox: a build dies with the process that started it (SIGKILL)", "[aot]") {
  testing::TempDir dir;
  const fs::path stat_file = fs::path(dir.path()) / "stat";
  const pid_t starter = fork();
  REQUIRE(starter >= 0);
  if (starter == 0) {
    SandboxLimits limits;
    limits.time_limit_seconds = 300;
    BuildSandbox sandbox;
    (void)sandbox.Run("cat /proc/self/stat > stat.tmp; mv stat.tmp stat; sleep 300",
                      dir.path(), limits);
    _exit(0);
  }
  const bool started = WaitUntil([&] { return fs::exists(stat_file); }, 60);
  ProcStat stat;
  const bool parsed = started && ParseStat(ReadText(stat_file), &stat);
  kill(starter, SIGKILL);
  waitpid(starter, nullptr, 0);
  REQUIRE(parsed);
  CHECK(WaitUntil([&] { return GroupGone(stat.group); }, 30));
}

TEST_CASE("AOT compiler: leftover build folders are removed at start, held ones kept",
          "[aot]") {
  testing::TempDir dir;
  const fs::path cache = dir.Sub("aot");
  for (const char* name : {"build-left-1", "build-held-2", "other"}) {
    fs::create_directories(cache / name);
    std::ofstream(cache / name / "contract.c") << "int x;";
  }
  std::ofstream(cache / "build-file") << "not a folder";
  const int held = LockBuildFolder((cache / "build-held-2").string());
  REQUIRE(held >= 0);
  CHECK(LockBuildFolder((cache / "build-held-2").string()) == -1);
  {
    AotOptions options;
    options.cache_dir = cache.string();
    AotCompiler compiler(options);
  }
  close(held);
  CHECK_FALSE(fs::exists(cache / "build-left-1"));
  CHECK(fs::exists(cache / "build-held-2" / "contract.c"));
  CHECK(fs::exists(cache / "other" / "contract.c"));
  CHECK(fs::exists(cache / "build-file"));
  CHECK(RemoveLeftoverBuildFolders(cache.string()) == 1);
  CHECK_FALSE(fs::exists(cache / "build-held-2"));
}

}  // namespace
}  // namespace chainaccel::exec
