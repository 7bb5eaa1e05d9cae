# chainaccel_warnings: an INTERFACE target carrying the project's warning flags.
# Link it PRIVATE into every first-party target; third-party headers are SYSTEM.
add_library(chainaccel_warnings INTERFACE)
target_compile_options(chainaccel_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wcast-align
    -Wunused -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough>
  $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra>)
# Clang checks the thread-safety annotations (core/thread_annotations.h); the clang-tsa
# preset makes them errors, and the lint/thread_safety test runs them on other builds.
target_compile_options(chainaccel_warnings INTERFACE
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:Clang>>:-Wthread-safety>)
if(CHAINACCEL_WARNINGS_AS_ERRORS)
  target_compile_options(chainaccel_warnings INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-Werror> $<$<COMPILE_LANGUAGE:CUDA>:-Werror=all-warnings>)
endif()
