# chainaccel_include_scope(<target> <PUBLIC|PRIVATE|INTERFACE> <path>...)
#
# Gives <target> an include root of its own that holds only the headers it owns, so that
# `#include "engines/cpu/cpu_engine.h"` compiles only in targets that link the CPU engine.
# Each <path> is a folder (its headers, *.h and *.cuh, not those of sub-folders) or one
# header, relative to the repository root; the root <build>/include-scopes/<target> gets a
# symbolic link of the same relative path to each, and becomes <target>'s include
# directory. Every header belongs to one target's scope; no target exports the
# repository root. tests/layering/check_layering.py checks the rules between scopes.
function(chainaccel_include_scope target visibility)
  set(root "${CMAKE_BINARY_DIR}/include-scopes/${target}")
  foreach(path IN LISTS ARGN)
    set(source "${CMAKE_SOURCE_DIR}/${path}")
    if(IS_DIRECTORY "${source}")
      file(GLOB headers RELATIVE "${CMAKE_SOURCE_DIR}" CONFIGURE_DEPENDS
           "${source}/*.h" "${source}/*.cuh")
    elseif(EXISTS "${source}")
      set(headers "${path}")
    else()
      message(FATAL_ERROR "chainaccel_include_scope(${target}): no ${path}")
    endif()
    foreach(header IN LISTS headers)
      get_filename_component(parent "${root}/${header}" DIRECTORY)
      file(MAKE_DIRECTORY "${parent}")
      file(CREATE_LINK "${CMAKE_SOURCE_DIR}/${header}" "${root}/${header}" SYMBOLIC)
    endforeach()
  endforeach()
  target_include_directories(${target} ${visibility} "${root}")
endfunction()
