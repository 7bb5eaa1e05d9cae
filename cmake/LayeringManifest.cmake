# chainaccel_write_layering_manifest(): writes <build>/layering/targets.txt, one line per
# target of this project: name, type, source folder, link libraries (its own and those it
# passes on) and the include directories it exports, separated by '|'. The layering test
# (tests/layering/check_layering.py) reads it to check the link rules and that no target
# exports the repository root. Call it at the end of the top-level CMakeLists.txt, once
# every target exists.
function(_chainaccel_collect_targets dir out)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    _chainaccel_collect_targets("${sub}" sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

function(chainaccel_write_layering_manifest)
  _chainaccel_collect_targets("${CMAKE_SOURCE_DIR}" targets)
  set(content "")
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "UTILITY")
      continue()
    endif()
    get_target_property(dir ${t} SOURCE_DIR)
    file(RELATIVE_PATH dir "${CMAKE_SOURCE_DIR}" "${dir}")
    set(links "")
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      set(links "$<TARGET_PROPERTY:${t},LINK_LIBRARIES>")
    endif()
    string(APPEND content
      "${t}|${type}|${dir}|${links}|$<TARGET_PROPERTY:${t},INTERFACE_LINK_LIBRARIES>|"
      "$<TARGET_PROPERTY:${t},INTERFACE_INCLUDE_DIRECTORIES>\n")
  endforeach()
  file(GENERATE OUTPUT "${CMAKE_BINARY_DIR}/layering/targets.txt" CONTENT "${content}")
endfunction()
