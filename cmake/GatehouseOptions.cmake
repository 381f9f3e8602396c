# Compiler settings shared by every target.
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Debug CACHE STRING "Debug, Release, RelWithDebInfo, Sanitize or Tsan" FORCE)
endif()

add_compile_options(-Wall -Wextra -Werror -Wno-deprecated-declarations)
# GCC 12 at -O2 reports std::optional/std::variant members as "maybe uninitialized",
# yaml-cpp's node iterators as dangling pointers and Asio's coroutine frames (own operator
# new/delete) as mismatched: known false positives (GCC PR 105562, PR 106199, PR 109224)
# that only appear in optimised builds. At -O3 (Release) GCC 12 also reports std::string's
# own appends as overlapping memcpy arguments (-Wrestrict, GCC PR 105329/105651: the README's
# install build stopped in mail/mime.cpp); CI compiles the Release build so this stays true.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  add_compile_options(-Wno-maybe-uninitialized -Wno-dangling-pointer -Wno-mismatched-new-delete)
  if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    add_compile_options($<$<CONFIG:Release,RelWithDebInfo>:-Wno-restrict>)
  endif()
endif()

# "Sanitize": AddressSanitizer + UndefinedBehaviorSanitizer, aborting on the first report.
set(CMAKE_CXX_FLAGS_SANITIZE
    "-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
    CACHE STRING "" FORCE)
set(CMAKE_EXE_LINKER_FLAGS_SANITIZE "-fsanitize=address,undefined" CACHE STRING "" FORCE)
set(CMAKE_SHARED_LINKER_FLAGS_SANITIZE "-fsanitize=address,undefined" CACHE STRING "" FORCE)

# "Tsan": ThreadSanitizer, for the daemon on several io threads (`workers`; scripts/tsan).
# GCC warns that TSan cannot see std::atomic_thread_fence (Asio's fenced blocks use it):
# -Wno-tsan, or the build stops there.
set(CMAKE_CXX_FLAGS_TSAN "-O1 -g -fno-omit-frame-pointer -fsanitize=thread -Wno-tsan" CACHE STRING "" FORCE)
set(CMAKE_EXE_LINKER_FLAGS_TSAN "-fsanitize=thread" CACHE STRING "" FORCE)
set(CMAKE_SHARED_LINKER_FLAGS_TSAN "-fsanitize=thread" CACHE STRING "" FORCE)

# GATEHOUSE_FUZZ: libFuzzer harnesses in fuzz/ (scripts/fuzz), clang only, in a build directory
# of their own: every library is compiled with coverage for the fuzzer and ASan + UBSan.
option(GATEHOUSE_FUZZ "Build the libFuzzer harnesses in fuzz/ (clang only)" OFF)
if(GATEHOUSE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "GATEHOUSE_FUZZ needs clang (CXX=clang++), not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  # Without UBSan's "function" check: clang 14 cannot emit its prologue data for the split
  # parts of a coroutine ("error: Cannot represent a difference across sections").
  add_compile_options(-g -O1 -fno-omit-frame-pointer
                      -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=function
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

include(GNUInstallDirs)
