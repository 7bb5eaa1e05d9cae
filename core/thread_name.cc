#include "core/thread_name.h"

#include <pthread.h>

#include <algorithm>
#include <cstring>

namespace chainaccel {

void NameCurrentThread(std::string_view name) {
#ifdef __linux__
  char buffer[16];  // the kernel's TASK_COMM_LEN, with the terminating zero
  const size_t n = std::min(name.size(), sizeof buffer - 1);
  std::memcpy(buffer, name.data(), n);
  buffer[n] = '\0';
  static_cast<void>(pthread_setname_np(pthread_self(), buffer));
#else
  static_cast<void>(name);
#endif
}

}  // namespace chainaccel
