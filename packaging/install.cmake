# `cmake --install`: the programs in bin/, the SentencePiece plugin in lib/fastformer/ and
# the shipped resources in share/fastformer-studio/ (the engine finds both relative to its
# executable), the desktop entry, icon, metainfo and man pages.
include(GNUInstallDirs)

# Man pages (and the package's changelog) go in gzip -9n compressed, as Debian's policy asks;
# man reads them so on any system. Made at configure time, again when the source changes.
function(ff_gzip source output)
  execute_process(COMMAND gzip -9nc ${source} OUTPUT_FILE ${output} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip ${source} failed")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${source})
endfunction()
file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/packaging)
foreach(page fastformer.1 fastformer-studio.1)
  ff_gzip(${CMAKE_CURRENT_LIST_DIR}/${page} ${PROJECT_BINARY_DIR}/packaging/${page}.gz)
endforeach()

install(TARGETS fastformer fastformer_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET fastformer-studio)
  install(TARGETS fastformer-studio RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/fastformer-studio.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/fastformer-studio.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
  # PNG sizes for menus and docks that take no SVG (packaging/render-icons makes them).
  foreach(size 16 24 32 48 64 128 256)
    install(FILES ${CMAKE_CURRENT_LIST_DIR}/icons/${size}x${size}/fastformer-studio.png
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps)
  endforeach()
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/io.github.fastformer_studio.metainfo.xml
          DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
  install(FILES ${PROJECT_BINARY_DIR}/packaging/fastformer-studio.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
if(TARGET fastformer_sentencepiece)
  # engine/text/sentencepiece_tokenizer.cpp looks in BIN/../lib/fastformer (not the
  # multiarch libdir: the plugin is the program's, not a library for others).
  install(TARGETS fastformer_sentencepiece LIBRARY DESTINATION lib/fastformer)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/ DESTINATION ${CMAKE_INSTALL_DATADIR}/fastformer-studio)
install(FILES ${PROJECT_BINARY_DIR}/packaging/fastformer.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
