# Writes OUTPUT from TEMPLATE with JANUS_VERSION = VERSION and JANUS_GIT = `git describe` of
# SOURCE_DIR. JANUS_GIT is empty when SOURCE_DIR is not the top of a git work tree (a tarball,
# even one unpacked inside another repository) or when git is missing or fails. configure_file
# rewrites OUTPUT only when its text changes, so a build of an unchanged tree compiles nothing.
# Run with cmake -DSOURCE_DIR=... -DVERSION=... -DTEMPLATE=... -DOUTPUT=... -P git_describe.cmake
cmake_minimum_required(VERSION 3.25)
set(JANUS_VERSION "${VERSION}")
set(JANUS_GIT "")
find_program(GIT_PROGRAM git)
if(GIT_PROGRAM)
  execute_process(COMMAND "${GIT_PROGRAM}" rev-parse --show-toplevel
                  WORKING_DIRECTORY "${SOURCE_DIR}" TIMEOUT 10
                  RESULT_VARIABLE top_status OUTPUT_VARIABLE top
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(top_status EQUAL 0)
    file(REAL_PATH "${top}" top)
    file(REAL_PATH "${SOURCE_DIR}" source)
  endif()
  if(top_status EQUAL 0 AND top STREQUAL source)
    # --no-optional-locks: describe --dirty then never takes the index lock from a developer's git.
    execute_process(COMMAND "${GIT_PROGRAM}" --no-optional-locks describe --tags --always --dirty
                            --abbrev=7
                    WORKING_DIRECTORY "${SOURCE_DIR}" TIMEOUT 10
                    RESULT_VARIABLE describe_status OUTPUT_VARIABLE described
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(describe_status EQUAL 0)
      # A tag may hold any character: keep the C++ string literal plain.
      string(REGEX REPLACE "[^A-Za-z0-9._+-]" "_" JANUS_GIT "${described}")
    endif()
  endif()
endif()
configure_file("${TEMPLATE}" "${OUTPUT}" @ONLY)
