// C interface between the engine and the SentencePiece plugin (text/plugin/). Only plain
// data crosses it, and the plugin frees what it allocates, so no C++ type, exception or
// allocator is shared between the two sides.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {

// Bumped whenever a signature below changes; the engine refuses a plugin of another version.
#define FF_SPM_ABI_VERSION 1

struct FfSpmText {
  const char* data;
  std::size_t size;
};

struct FfSpmPiece {
  std::int32_t id;
  std::uint32_t begin;  // byte offsets into the text given to ff_spm_encode
  std::uint32_t end;
};

// Bytes the plugin allocated; give them back with ff_spm_release.
struct FfSpmBuffer {
  char* data;
  std::size_t size;
};

int ff_spm_abi_version(void);

// Trains on `texts` with SentencePiece's `key=value` options (options[2i], options[2i+1]).
// Lines longer than the max_sentence_length option are cut into chunks, and at most
// input_sentence_size lines are read. Returns 0 and the serialized ModelProto in *model, or
// non-zero and a message in *error.
int ff_spm_train(const FfSpmText* texts, std::size_t text_count, const char* const* options,
                 std::size_t option_count, FfSpmBuffer* model, FfSpmBuffer* error);

// Returns a processor for a serialized ModelProto, or null and a message in *error.
void* ff_spm_load(const char* model, std::size_t size, FfSpmBuffer* error);
void ff_spm_unload(void* processor);

// Encodes `text` into FfSpmPiece records (pieces->size / sizeof(FfSpmPiece) of them).
int ff_spm_encode(const void* processor, const char* text, std::size_t size, FfSpmBuffer* pieces,
                  FfSpmBuffer* error);

int ff_spm_piece_count(const void* processor);
void ff_spm_special_ids(const void* processor, std::int32_t* pad, std::int32_t* unk, std::int32_t* bos);
// The piece string of `id` (0 <= id < ff_spm_piece_count) into *piece.
int ff_spm_piece(const void* processor, std::int32_t id, FfSpmBuffer* piece);

void ff_spm_release(FfSpmBuffer* buffer);

}  // extern "C"
