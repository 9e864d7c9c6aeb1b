# `cmake --install`: the programs in bin/, the SentencePiece plugin in lib/fastformer/ and
# the shipped resources in share/fastformer-studio/ (the engine finds both relative to its
# executable), the desktop entry, icon, metainfo and man pages.
include(GNUInstallDirs)

install(TARGETS fastformer fastformer_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET fastformer-studio)
  install(TARGETS fastformer-studio RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/fastformer-studio.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/fastformer-studio.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/io.github.fastformer_studio.metainfo.xml
          DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/fastformer-studio.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
if(TARGET fastformer_sentencepiece)
  # engine/text/sentencepiece_tokenizer.cpp looks in BIN/../lib/fastformer (not the
  # multiarch libdir: the plugin is the program's, not a library for others).
  install(TARGETS fastformer_sentencepiece LIBRARY DESTINATION lib/fastformer)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/ DESTINATION ${CMAKE_INSTALL_DATADIR}/fastformer-studio)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/fastformer.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
