// NameCurrentThread: gives the calling thread a name that `top -H`, `ps -L`, perf, gdb and
// /proc/<pid>/task/<tid>/comm show, so that an operator (or a profile) can tell the
// daemon's dispatch, completion and engine threads from gRPC's own.
#pragma once

#include <string_view>

namespace chainaccel {

// Linux keeps the first 15 bytes of `name`; elsewhere this does nothing. Best effort:
// a failure leaves the thread's name as it was.
void NameCurrentThread(std::string_view name);

}  // namespace chainaccel
