# Installs the systemd unit and the sample config and secrets file (component "service").
# Included by cmake_install.cmake after JANUS_DEPLOY_DIR (this folder) and JANUS_STAGING_DIR (a
# folder of the build) were set. Destinations are absolute (under DESTDIR, not the prefix):
# systemd reads units from /lib/systemd/system and janusd its config from /etc/janus.

# The unit runs the janusd of this install's prefix (the file names /usr).
file(READ "${JANUS_DEPLOY_DIR}/systemd/janusd.service" unit)
string(REPLACE "/usr/bin/janusd" "${CMAKE_INSTALL_PREFIX}/bin/janusd" unit "${unit}")
string(REPLACE "/usr/share/doc/janus" "${CMAKE_INSTALL_PREFIX}/share/doc/janus" unit "${unit}")
set(staged_unit "${JANUS_STAGING_DIR}/janusd.service")
set(old_unit "")
if(EXISTS "${staged_unit}")
  file(READ "${staged_unit}" old_unit)
endif()
if(NOT old_unit STREQUAL unit)
  file(WRITE "${staged_unit}" "${unit}")
endif()
file(INSTALL DESTINATION /lib/systemd/system TYPE FILE
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
     FILES "${staged_unit}")

# An existing config or secrets file is the operator's: never replaced. The sample stays
# readable under share/doc/janus/deploy/etc/ to compare with.
foreach(entry "janusd.yaml;OWNER_READ;OWNER_WRITE;GROUP_READ" "janusd.env;OWNER_READ;OWNER_WRITE")
  list(POP_FRONT entry name)
  if(EXISTS "$ENV{DESTDIR}/etc/janus/${name}")
    message(STATUS "Kept: $ENV{DESTDIR}/etc/janus/${name} (an existing file is never replaced; "
                   "the sample is ${CMAKE_INSTALL_PREFIX}/share/doc/janus/deploy/etc/${name})")
  else()
    file(INSTALL DESTINATION /etc/janus TYPE FILE PERMISSIONS ${entry}
         FILES "${JANUS_DEPLOY_DIR}/etc/${name}")
  endif()
endforeach()
