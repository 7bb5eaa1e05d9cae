// The daemon as a container's PID 1.
//
// A container started without an init (`docker run` without --init, a Kubernetes pod
// without a shared process namespace) runs chainacceld as PID 1, and PID 1 inherits every
// orphan of the container: a contract build killed at its deadline (execution/aot_sandbox.h
// kills the build's whole process group, whose compiler processes then lose their
// parents) would stay a zombie forever unless PID 1 waits for it. The daemon's own threads
// wait only for the processes they start, so when it is PID 1 it splits in two, as tini
// does: the first process stays PID 1 as a minimal init, the second runs the daemon.
#pragma once

namespace chainaccel::server {

// When this process is PID 1: forks. In the child (the daemon) the call returns; the
// parent never returns: it forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2
// to the child, reaps every process that ends under it (the child and any orphan), and
// exits with the child's status once the child ends (its exit code, or 128 + the signal
// that killed it). When this process is not PID 1, returns at once and does nothing.
// REQUIRES: no thread but the calling one exists yet (it forks); call it first in main.
// When the fork fails the daemon runs as PID 1 without reaping (logged to stderr).
void RunAsInitWhenPid1();

}  // namespace chainaccel::server
