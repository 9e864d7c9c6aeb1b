// An Explanation as a safetensors file (`fastformer explain --out x.safetensors`): every
// method's scores and the curves as float tensors, names and labels in the metadata.
#include "fastformer/explain.h"

#include "fastformer/safetensors.h"
#include "io/host_tensor.h"

#include <ATen/ATen.h>

#include <map>

namespace fastformer {

void save_explanation_safetensors(const std::string& path, const Explanation& e) {
  const auto N = static_cast<std::int64_t>(e.tokens.size());
  std::vector<std::int64_t> ids, offsets;  // (N), (N,2)
  nlohmann::json pieces = nlohmann::json::array(), methods = nlohmann::json::array(), signs = nlohmann::json::array();
  for (const InspectToken& t : e.tokens) {
    ids.push_back(t.id);
    offsets.push_back(t.begin);
    offsets.push_back(t.end);
    pieces.push_back(t.piece);
  }
  NamedTensors tensors;
  tensors.emplace_back("token_ids", host_tensor(ids, {N}, "token_ids"));
  tensors.emplace_back("token_offsets", host_tensor(offsets, {N, 2}, "token_offsets"));
  tensors.emplace_back("probabilities",
                       host_tensor(e.probabilities, {static_cast<std::int64_t>(e.probabilities.size())}, "probabilities"));
  for (const Attribution& a : e.attributions) {
    const std::string name = "scores." + to_string(a.method);
    tensors.emplace_back(name, host_tensor(a.scores, {N}, name.c_str()));
    methods.push_back(to_string(a.method));
    signs.push_back(a.is_signed);
  }
  std::map<std::string, std::string> metadata = {
      {"format", "fastformer-studio-explanation"},
      {"format_version", "1"},
      {"labels", metadata_text(e.labels)},
      {"target", std::to_string(e.target)},
      {"target_logit", metadata_text(e.target_logit)},
      {"windows", std::to_string(e.windows)},
      {"methods", metadata_text(methods)},
      {"signed", metadata_text(signs)},
      {"token_pieces", metadata_text(pieces)},
  };
  const Faithfulness& f = e.faithfulness;
  if (!f.curves.empty()) {
    // curves × fractions: deletion and insertion; curves × 2: AOPC deletion, insertion.
    const auto K = static_cast<std::int64_t>(f.curves.size()), F = static_cast<std::int64_t>(f.fractions.size());
    std::vector<float> fractions, deletion, insertion, aopc;
    nlohmann::json names = nlohmann::json::array();
    for (const double x : f.fractions) fractions.push_back(static_cast<float>(x));
    for (const FaithfulnessCurve& c : f.curves) {
      names.push_back(c.name);
      for (std::int64_t k = 0; k < F; ++k) {
        deletion.push_back(static_cast<float>(c.deletion[static_cast<std::size_t>(k)]));
        insertion.push_back(static_cast<float>(c.insertion[static_cast<std::size_t>(k)]));
      }
      aopc.push_back(static_cast<float>(c.aopc_deletion));
      aopc.push_back(static_cast<float>(c.aopc_insertion));
    }
    tensors.emplace_back("faithfulness.fractions", host_tensor(fractions, {F}, "faithfulness.fractions"));
    tensors.emplace_back("faithfulness.deletion", host_tensor(deletion, {K, F}, "faithfulness.deletion"));
    tensors.emplace_back("faithfulness.insertion", host_tensor(insertion, {K, F}, "faithfulness.insertion"));
    tensors.emplace_back("faithfulness.aopc", host_tensor(aopc, {K, 2}, "faithfulness.aopc"));
    metadata["curves"] = metadata_text(names);
  }
  const PoolingAblations& a = e.ablation;
  if (!a.empty()) {
    for (const auto& [name, values] : {std::pair<const char*, const std::vector<double>*>{"ablation.alpha_head", &a.alpha_head},
                                       {"ablation.beta_head", &a.beta_head}}) {
      const std::vector<float> v(values->begin(), values->end());
      tensors.emplace_back(name, host_tensor(v, {a.layers, a.heads}, name));
    }
  }
  save_safetensors(path, tensors, metadata);
}

}  // namespace fastformer
