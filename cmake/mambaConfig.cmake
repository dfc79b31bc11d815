# find_package(mamba): the installed header as the INTERFACE target mamba::mamba.
# Installed by `cmake --install` and by `make install PREFIX=...` as
# PREFIX/lib/cmake/mamba/mambaConfig.cmake; PREFIX is found from this file's place.
get_filename_component(_mamba_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET mamba::mamba)
  add_library(mamba::mamba INTERFACE IMPORTED)
  set_target_properties(mamba::mamba PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_mamba_prefix}/include")
  if(NOT WIN32)
    set_target_properties(mamba::mamba PROPERTIES INTERFACE_LINK_LIBRARIES m)
  endif()
endif()
set(mamba_FOUND TRUE)
