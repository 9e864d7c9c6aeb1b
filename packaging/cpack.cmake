# The Debian package (scripts/package: `cpack -G DEB` in the build folder):
# fastformer-studio_VERSION_amd64.deb with what packaging/install.cmake installs, under /usr.
# The programs find /usr/lib/fastformer and /usr/share/fastformer-studio beside /usr/bin.

# Debian's policy: a copyright file and, for a package without a Debian revision, changelog.gz.
# The changelog's newest entry must be this version, so a version bump comes with its entry.
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/changelog FF_CHANGELOG_TOP LIMIT_COUNT 1)
if(NOT FF_CHANGELOG_TOP MATCHES "^fastformer-studio \\(${PROJECT_VERSION}\\) ")
  message(FATAL_ERROR "packaging/changelog: its first entry is not version ${PROJECT_VERSION} "
                      "(project() in CMakeLists.txt): add one (see dpkg-parsechangelog)")
endif()
ff_gzip(${CMAKE_CURRENT_LIST_DIR}/changelog ${PROJECT_BINARY_DIR}/packaging/changelog.gz)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/copyright ${PROJECT_BINARY_DIR}/packaging/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/fastformer-studio)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME fastformer-studio)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})  # the version `fastformer --version` prints
set(CPACK_PACKAGE_VENDOR "Fastformer Studio")
set(CPACK_PACKAGE_CONTACT "Fastformer Studio <dev@fastformer.studio>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "workbench for Fastformer and Transformer text classifiers")
set(CPACK_PACKAGE_DESCRIPTION  # lines of at most 79 characters: dpkg shows them as they are
  "Fastformer Studio trains Fastformer (additive attention), a softmax Transformer
and a linear-attention Transformer on your own text, shows their attention
weights over whole documents with the attributions that test them, and measures
runtime and memory against sequence length. It has a desktop application
(fastformer-studio), a command line (fastformer), a demo model and sample
documents.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # NAME_VERSION_ARCH.deb, as Debian names them
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_STRIP_FILES ON)
# Folders root-owned 0755 whatever the umask of the build.
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

# Library dependencies come from dpkg-shlibdeps (dpkg-dev) on every ELF file of the package,
# the dlopened SentencePiece plugin included (libsentencepiece0). What it cannot see:
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(FF_DEB_DEPENDS "")
if(TARGET fastformer-studio)
  # Qt loads its window system (xcb, wayland, offscreen) as plugins; libqt6gui6 only
  # recommends them, and without one the Studio cannot start. The SVG icon and image plugins
  # come with libqt6svg6, which the Studio links. A font comes through fontconfig.
  list(APPEND FF_DEB_DEPENDS "qt6-qpa-plugins")
endif()
string(REPLACE ";" ", " CPACK_DEBIAN_PACKAGE_DEPENDS "${FF_DEB_DEPENDS}")
# LibTorch takes any libblas.so.3; the reference BLAS is ~30x slower than OpenBLAS.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libopenblas0-pthread")

include(CPack)
