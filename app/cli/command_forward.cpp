// `fastformer forward`: runs a checkpoint on token-id sequences and writes the logits,
// hidden states and every attention weight to a safetensors file.
#include "commands.h"

#include "fastformer/checkpoint.h"
#include "fastformer/forward_outputs.h"
#include "fastformer/ids_file.h"
#include "fastformer/runtime.h"

#include <torch/torch.h>

#include <iomanip>
#include <iostream>
#include <memory>

namespace fastformer::cli {
namespace {

struct ForwardOptions {
  std::string checkpoint;
  std::string ids_file;
  std::string out;
  std::string device = "cpu";
};

void run_forward(const ForwardOptions& o) {
  prepare_runtime();
  const torch::Device device = parse_device(o.device);
  LoadedCheckpoint loaded = load_checkpoint(o.checkpoint);
  loaded.model->to(device);
  const std::vector<Sequence> sequences = read_ids_file(o.ids_file, loaded.contents.config.vocab_size);
  const PaddedBatch batch = pad_batch(sequences);

  torch::NoGradGuard no_grad;
  TraceRequest request;
  request.enabled = true;
  const ModelOutput output = loaded.model->forward(batch.ids.to(device), batch.mask.to(device), request);
  const NamedTensors tensors = forward_output_tensors(output);
  save_safetensors(o.out, tensors, {{"checkpoint", o.checkpoint}});

  const torch::Tensor probabilities = torch::softmax(output.logits.to(torch::kCPU), 1);  // (B,C)
  const auto& labels = loaded.contents.labels;
  for (std::int64_t b = 0; b < probabilities.size(0); ++b) {
    const auto best = probabilities[b].argmax().item<std::int64_t>();
    std::cout << "sequence " << b << " (" << sequences[b].size() << " tokens): " << labels[best] << "  p="
              << std::fixed << std::setprecision(4) << probabilities[b][best].item<double>() << "\n";
  }
  std::cout << "wrote " << tensors.size() << " tensors to " << o.out << "\n";
}

}  // namespace

void add_forward_command(CLI::App& app) {
  auto options = std::make_shared<ForwardOptions>();
  auto* cmd = app.add_subcommand("forward", "Run a checkpoint on token ids and save logits, states and attention");
  cmd->add_option("--checkpoint", options->checkpoint, "Checkpoint directory")->required();
  cmd->add_option("--ids-file", options->ids_file, "One sequence per line, token ids separated by spaces")
      ->required();
  cmd->add_option("--out", options->out, "Output .safetensors file")->required();
  cmd->add_option("--device", options->device, "cpu | cuda | cuda:N")->capture_default_str();
  cmd->callback([options] { run_forward(*options); });
}

}  // namespace fastformer::cli
