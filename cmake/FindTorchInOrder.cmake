# Finds LibTorch in this order: Torch_DIR / CMAKE_PREFIX_PATH, a Python `torch` install,
# then the system (Debian's libtorch-dev). Sets the usual TORCH_* variables.
if(NOT Torch_DIR AND NOT DEFINED ENV{Torch_DIR})
  find_package(Torch QUIET CONFIG NO_SYSTEM_ENVIRONMENT_PATH NO_CMAKE_SYSTEM_PATH)
  if(NOT Torch_FOUND)
    foreach(py python3 /usr/bin/python3)
      execute_process(
        COMMAND ${py} -c "import torch, torch.utils; print(torch.utils.cmake_prefix_path)"
        OUTPUT_VARIABLE FF_PY_TORCH_PREFIX OUTPUT_STRIP_TRAILING_WHITESPACE
        RESULT_VARIABLE FF_PY_TORCH_RC ERROR_QUIET)
      if(FF_PY_TORCH_RC EQUAL 0 AND FF_PY_TORCH_PREFIX)
        message(STATUS "LibTorch from the Python torch of ${py}: ${FF_PY_TORCH_PREFIX}")
        list(APPEND CMAKE_PREFIX_PATH ${FF_PY_TORCH_PREFIX})
        break()
      endif()
    endforeach()
  endif()
endif()
find_package(Torch REQUIRED CONFIG)
message(STATUS "LibTorch ${Torch_VERSION} (${TORCH_INSTALL_PREFIX})")
