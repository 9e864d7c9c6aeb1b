# The engine's folders, one concern each (docs/design.md), and ff_engine_sources() to list
# the sources of some of them; engine/CMakeLists.txt and tests/fuzz/CMakeLists.txt use it.
set(FF_ENGINE_FOLDERS runtime model kernels data text train distributed inspect explain bench io import)

# ff_engine_sources(OUT folder…): every .cpp directly in those folders of engine/.
function(ff_engine_sources out)
  set(sources)
  foreach(folder ${ARGN})
    file(GLOB found CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/engine/${folder}/*.cpp)
    list(APPEND sources ${found})
  endforeach()
  set(${out} ${sources} PARENT_SCOPE)
endfunction()
