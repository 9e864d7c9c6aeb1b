// Flattens a ModelOutput and its AttentionTrace into named float32 CPU tensors.
#include "fastformer/forward_outputs.h"

#include "fastformer/error.h"

#include <torch/torch.h>

namespace fastformer {

NamedTensors forward_output_tensors(const ModelOutput& output) {
  if (!output.trace) throw Error("the forward pass was run without a trace", "forward outputs");
  const AttentionTrace& trace = *output.trace;
  NamedTensors out;
  const auto add = [&](const std::string& name, const torch::Tensor& t) {
    if (t.defined()) out.emplace_back(name, t.detach().to(torch::kCPU, torch::kFloat).contiguous());
  };
  add("logits", output.logits);  // (B,C)
  for (std::size_t l = 0; l < trace.hidden.size(); ++l) add("hidden." + std::to_string(l), trace.hidden[l]);
  for (std::size_t l = 0; l < trace.layers.size(); ++l) {
    const std::string suffix = "." + std::to_string(l);
    const LayerTrace& layer = trace.layers[l];
    add("alpha" + suffix, layer.alpha);                // (B,H,T)
    add("beta" + suffix, layer.beta);                  // (B,H,T)
    add("global_query" + suffix, layer.global_query);  // (B,H,Dh)
    add("global_key" + suffix, layer.global_key);      // (B,H,Dh)
    add("attention" + suffix, layer.weights);          // (B,H,T,T) softmax, or linear's implicit weights
    add("normalizer" + suffix, layer.normalizer);      // (B,H,T) linear: φ(Q_i)·z
  }
  add("pooling", trace.pooling);  // (B,T)
  return out;
}

}  // namespace fastformer
