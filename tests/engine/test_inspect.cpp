// Inspect: traced weights equal the model's own trace, byte spans shade exact substrings,
// windows cover each token once, span shares sum to 1, occlusion, linear attention's
// normaliser shares and implicit map, document reading.
#include "fastformer/error.h"
#include "fastformer/inspect.h"
#include "fastformer/shading.h"
#include "inspect_fixture.h"

#include <gtest/gtest.h>

#include <chrono>
#include <numeric>

namespace fastformer {
namespace {

using InspectTest = testing::InspectFixture;

TEST_F(InspectTest, AlphaBetaEqualTheModelsOwnTrace) {
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::additive, 32);
  const std::string text = "A cat sat on the mat. Did the dog bark?";
  const Inspection in = inspect(m, text);
  const Encoding enc = m.tokenizer->encode(text);
  ASSERT_EQ(in.size(), static_cast<std::int64_t>(enc.ids.size()));
  ASSERT_EQ(in.windows.size(), 1u);
  const torch::Tensor ids = torch::tensor(enc.ids).unsqueeze(0);  // (1,N)
  torch::NoGradGuard no_grad;
  const ModelOutput out = Model(m.checkpoint.model)->forward(ids, torch::ones_like(ids, torch::kBool), testing::traced());
  for (std::int64_t l = 0; l < in.layers; ++l) {
    for (std::int64_t h = 0; h < in.heads; ++h) {
      const auto a = head_weights(in, l, h, Pooling::alpha), b = head_weights(in, l, h, Pooling::beta);
      for (std::int64_t i = 0; i < in.size(); ++i) {
        EXPECT_EQ(a[i], out.trace->layers[l].alpha[0][h][i].item<float>()) << l << "," << h << "," << i;
        EXPECT_EQ(b[i], out.trace->layers[l].beta[0][h][i].item<float>());
      }
      for (std::int64_t d = 0; d < in.head_dim; ++d) {
        EXPECT_EQ(in.global_query[(l * in.heads + h) * in.head_dim + d],
                  out.trace->layers[l].global_query[0][h][d].item<float>());
      }
    }
  }
  const torch::Tensor p = torch::softmax(out.logits[0], 0);
  for (std::int64_t c = 0; c < 3; ++c) EXPECT_FLOAT_EQ(in.probabilities[c], p[c].item<float>());
  EXPECT_EQ(in.labels[in.predicted], in.labels[p.argmax().item<std::int64_t>()]);
}

TEST_F(InspectTest, OffsetsShadeExactSubstringsInUtf8) {
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::additive, 32);
  const std::string text = "The naïve café in 東京 serves tea.";
  const Inspection in = inspect(m, text);
  EXPECT_EQ(in.tokens[0].id, kClsId);
  EXPECT_EQ(in.tokens[0].begin, in.tokens[0].end);
  std::vector<std::string> surfaces;
  for (std::int64_t i = 1; i < in.size(); ++i) {
    const InspectToken& t = in.tokens[i];
    std::string surface = text.substr(t.begin, t.end - t.begin);
    for (char& ch : surface) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_EQ(surface, t.piece) << "token " << i;
    surfaces.push_back(surface);
  }
  EXPECT_EQ(surfaces, (std::vector<std::string>{"the", "naïve", "café", "in", "東京", "serves", "tea", "."}));
}

TEST_F(InspectTest, WindowsCoverEveryTokenOnceAndMatchTheirOwnForward) {
  const std::int64_t max_len = 16;
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::additive, max_len);
  const std::string text = long_text(55);  // 56 tokens with [CLS]: 3.5 × max_len
  InspectOptions options;
  options.overlap = 4;
  options.windows_per_batch = 2;
  const Inspection in = inspect(m, text, options);
  ASSERT_EQ(in.size(), 56);
  EXPECT_FALSE(in.truncated);
  ASSERT_GE(in.windows.size(), 4u);
  EXPECT_EQ(in.windows.front().first, 1);
  EXPECT_EQ(in.windows.back().last, in.size());
  std::vector<int> owned(in.windows.size(), 0);
  for (std::size_t k = 0; k < in.windows.size(); ++k) {
    EXPECT_LE(in.windows[k].last - in.windows[k].first, max_len - 1);
    if (k > 0) EXPECT_EQ(in.windows[k - 1].last - in.windows[k].first, 4) << "overlap";
  }
  for (std::int64_t i = 1; i < in.size(); ++i) {
    const TokenWindow& w = in.windows[in.owner[i]];
    EXPECT_TRUE(i >= w.first && i < w.last) << "token " << i;
    ++owned[in.owner[i]];
  }
  EXPECT_EQ(std::accumulate(owned.begin(), owned.end(), 0), in.size() - 1);
  // Each token's α equals that of an independent forward of its owner window.
  const Encoding enc = m.tokenizer->encode(text);
  torch::NoGradGuard no_grad;
  for (std::size_t k = 0; k < in.windows.size(); ++k) {
    std::vector<std::int64_t> ids{kClsId};
    ids.insert(ids.end(), enc.ids.begin() + in.windows[k].first, enc.ids.begin() + in.windows[k].last);
    const torch::Tensor x = torch::tensor(ids).unsqueeze(0);
    const ModelOutput out = Model(m.checkpoint.model)->forward(x, torch::ones_like(x, torch::kBool), testing::traced());
    const auto a = head_weights(in, 1, 1, Pooling::alpha);
    for (std::int64_t i = in.windows[k].first; i < in.windows[k].last; ++i) {
      if (in.owner[i] != static_cast<std::int64_t>(k)) continue;
      EXPECT_NEAR(a[i], out.trace->layers[1].alpha[0][1][1 + i - in.windows[k].first].item<float>(), 1e-6);
    }
  }
  for (std::int64_t h = 0; h < in.heads; ++h) {
    for (Pooling which : {Pooling::alpha, Pooling::beta}) {
      const auto shares = span_shares(in, 1, h, which, sentence_ranges(text, in.tokens));
      EXPECT_NEAR(std::accumulate(shares.begin(), shares.end(), 0.0), 1.0, 1e-9);
    }
  }

  const Inspection wide = inspect(m, text, InspectOptions{});  // overlap 64 → half a window
  ASSERT_GE(wide.windows.size(), 2u);
  EXPECT_EQ(wide.windows[0].last - wide.windows[1].first, (max_len - 1) / 2);

  options.long_mode = InspectOptions::Long::truncate;
  const Inspection cut = inspect(m, text, options);
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.size(), max_len);
  ASSERT_EQ(cut.windows.size(), 1u);
  EXPECT_EQ(cut.windows[0].last, max_len);
  for (std::int64_t i = 0; i < cut.size(); ++i) EXPECT_EQ(cut.tokens[i].begin, in.tokens[i].begin);
}

TEST_F(InspectTest, SpanSharesOverSentencesSumToOne) {
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::additive, 64);
  const std::string text = "A cat sat on the mat. Did the dog bark?\nNo, the dog slept";
  const Inspection in = inspect(m, text);
  const auto sentences = sentence_ranges(text, in.tokens);
  ASSERT_EQ(sentences.size(), 3u);
  EXPECT_EQ(sentences.front().first, 0);
  EXPECT_EQ(sentences.back().second, in.size());
  for (std::size_t s = 1; s < sentences.size(); ++s) EXPECT_EQ(sentences[s - 1].second, sentences[s].first);
  for (std::int64_t l = 0; l < in.layers; ++l) {
    for (std::int64_t h = 0; h < in.heads; ++h) {
      for (Pooling which : {Pooling::alpha, Pooling::beta}) {
        const auto shares = span_shares(in, l, h, which, sentences);
        EXPECT_NEAR(std::accumulate(shares.begin(), shares.end(), 0.0), 1.0, 1e-6);
      }
    }
  }
  // One row per (layer, head), layer-major, holding that head's α and β summaries.
  const auto summaries = head_summaries(in);
  ASSERT_EQ(summaries.size(), static_cast<std::size_t>(in.layers * in.heads));
  for (std::size_t k = 0; k < summaries.size(); ++k) {
    const HeadSummaries& s = summaries[k];
    EXPECT_EQ(s.layer * in.heads + s.head, static_cast<std::int64_t>(k));
    EXPECT_EQ(s.alpha.entropy, summarize_head(head_weights(in, s.layer, s.head, Pooling::alpha)).entropy);
    EXPECT_EQ(s.beta.entropy, summarize_head(head_weights(in, s.layer, s.head, Pooling::beta)).entropy);
    EXPECT_LE(s.alpha.entropy, std::log(static_cast<double>(in.size())) + 1e-6);
  }
  const HeadSummary collapsed = summarize_head({0.0f, 1.0f, 0.0f});
  const HeadSummary uniform = summarize_head({0.25f, 0.25f, 0.25f, 0.25f});
  EXPECT_TRUE(collapsed.collapsed);
  EXPECT_TRUE(uniform.uniform);
  EXPECT_EQ((HeadSummaries{0, 0, uniform, collapsed}.flag()), "α uniform");
  EXPECT_EQ((HeadSummaries{0, 0, summarize_head({0.2f, 0.8f}), collapsed}.flag()), "β collapsed");
  EXPECT_EQ((HeadSummaries{0, 0, summarize_head({0.3f, 0.7f}), summarize_head({0.7f, 0.3f})}.flag()), "");
}

TEST_F(InspectTest, OcclusionOfNothingReproducesAndOfEverythingChanges) {
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::additive, 16);
  for (const std::string& text : {std::string("The cat sat on the mat."), long_text(40)}) {
    const Inspection in = inspect(m, text);
    EXPECT_EQ(occlude(m, text, 3, 3), in.probabilities);
    EXPECT_NE(occlude(m, text, 0, in.size()), in.probabilities);
    EXPECT_NE(occlude(m, text, 1, 3), in.probabilities);
  }
}

TEST_F(InspectTest, SoftmaxCheckpointKeepsOneHeadsWeights) {
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::softmax, 32);
  InspectOptions options;
  options.softmax_layer = 1;
  options.softmax_head = 1;
  const Inspection in = inspect(m, "The cat sat on the mat.", options);
  EXPECT_EQ(in.attention, AttentionKind::softmax);
  EXPECT_TRUE(in.alpha.empty());
  ASSERT_EQ(in.softmax_weights.size(), static_cast<std::size_t>(in.size() * in.size()));
  for (std::int64_t r = 0; r < in.size(); ++r) {
    EXPECT_NEAR(std::accumulate(in.softmax_weights.begin() + r * in.size(),
                                in.softmax_weights.begin() + (r + 1) * in.size(), 0.0),
                1.0, 1e-5);
  }
  EXPECT_TRUE(inspection_json(in).contains("softmax_weights"));
  EXPECT_THROW(span_shares(in, 0, 0, Pooling::alpha, {}), Error);
}

// A linear checkpoint: n is each query's normaliser over its window's total, computed here
// from the model's own traced normalisers in double; the implicit map's rows sum to 1;
// shading by n shades exactly those values, and α falls back to n.
TEST_F(InspectTest, LinearCheckpointHasNormaliserSharesAndTheImplicitMap) {
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::linear, 32);
  const std::string text = "The cat sat on the mat. Did the dog bark?";
  InspectOptions options;
  options.softmax_layer = 1;
  const Inspection in = inspect(m, text, options);
  EXPECT_EQ(in.attention, AttentionKind::linear);
  EXPECT_TRUE(in.alpha.empty());
  ASSERT_EQ(in.normalizer.size(), static_cast<std::size_t>(in.layers * in.heads * in.size()));
  const torch::Tensor ids = torch::tensor(m.tokenizer->encode(text).ids).unsqueeze(0);  // (1,N)
  torch::NoGradGuard no_grad;
  const ModelOutput out = Model(m.checkpoint.model)->forward(ids, torch::ones_like(ids, torch::kBool), testing::traced());
  for (std::int64_t l = 0; l < in.layers; ++l) {
    for (std::int64_t h = 0; h < in.heads; ++h) {
      const torch::Tensor n = out.trace->layers[l].normalizer[0][h].to(torch::kDouble);  // (N)
      const double total = n.sum().item<double>();
      const auto shares = head_weights(in, l, h, Pooling::normalizer);
      for (std::int64_t i = 0; i < in.size(); ++i) EXPECT_NEAR(shares[i], n[i].item<double>() / total, 1e-6);
    }
  }
  ASSERT_EQ(in.softmax_weights.size(), static_cast<std::size_t>(in.size() * in.size()));
  EXPECT_EQ(in.softmax_layer, 1);
  for (std::int64_t r = 0; r < in.size(); ++r) {
    EXPECT_NEAR(std::accumulate(in.softmax_weights.begin() + r * in.size(),
                                in.softmax_weights.begin() + (r + 1) * in.size(), 0.0),
                1.0, 1e-5);
  }
  ShadingSpec spec = parse_shading_spec("shade=alpha,layer=1,heads=0,scale=raw");
  EXPECT_EQ(available_shading(in, spec).weights, ShadingSpec::Weights::normalizer);
  spec.weights = ShadingSpec::Weights::normalizer;
  EXPECT_EQ(parse_shading_spec(format_shading_spec(spec)), spec);
  const Shading shading = compute_shading(in, spec);
  EXPECT_EQ(shading.values, head_weights(in, 1, 0, Pooling::normalizer));
  EXPECT_NE(shading.legend.find("n, layer 1, head 0"), std::string::npos) << shading.legend;
  EXPECT_TRUE(inspection_json(in).contains("normalizer"));
  EXPECT_THROW(compute_shading(in, parse_shading_spec("shade=beta")), Error);
  // Other kinds have no n.
  const Inspection additive = inspect(make_model(dir_ / "additive", AttentionKind::additive, 32), text);
  EXPECT_TRUE(additive.normalizer.empty());
  EXPECT_THROW(compute_shading(additive, spec), Error);
}

TEST_F(InspectTest, NearestTokensAndReports) {
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::additive, 32);
  const std::string text = "The cat <b>sat</b> & \"tea\".";
  const Inspection in = inspect(m, text);
  const auto near = nearest_tokens(m, in, 0, 1, 5);
  ASSERT_EQ(near.size(), 5u);
  for (std::size_t i = 1; i < near.size(); ++i) EXPECT_GE(near[i - 1].cosine, near[i].cosine);
  for (const auto& t : near) EXPECT_LE(std::abs(t.cosine), 1.0 + 1e-6);

  const nlohmann::json j = inspection_json(in);
  for (const char* key : {"tokens", "alpha", "beta", "global_query", "global_key", "pooling", "probabilities",
                          "labels", "predicted", "windows", "truncated", "attention", "entropies"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["alpha"].size(), static_cast<std::size_t>(in.layers));
  EXPECT_EQ(j["alpha"][0][0].size(), static_cast<std::size_t>(in.size()));
  EXPECT_EQ(j["global_query"][0][0][0].size(), static_cast<std::size_t>(in.head_dim));

  const std::string html = inspection_html(in, text, ShadingSpec{});
  EXPECT_NE(html.find("&lt;</span>"), std::string::npos);
  EXPECT_NE(html.find("&amp;</span>"), std::string::npos);
  EXPECT_EQ(html.find("<b>sat"), std::string::npos);
  EXPECT_NE(html.find("mean over heads"), std::string::npos);
  EXPECT_NE(html.find("× tokens in its window"), std::string::npos);
}

TEST_F(InspectTest, ReadDocumentFormatsAndErrors) {
  write("page.html",
        "<html><head><style>p{color:red}</style><script>var x = '<p>';</script></head>"
        "<body><p>Fish &amp; chips &lt;3 &quot;hot&quot; caf&#233; &#x6771;</p></body></html>");
  const Document html = read_document((dir_ / "page.html").string());
  EXPECT_EQ(html.text.find("color"), std::string::npos);
  EXPECT_EQ(html.text.find("var x"), std::string::npos);
  EXPECT_NE(html.text.find("Fish & chips <3 \"hot\" café 東"), std::string::npos) << html.text;

  write("doc.json", "{\"text\": \"hello world\", \"label\": \"x\"}");
  EXPECT_EQ(read_document((dir_ / "doc.json").string()).text, "hello world");
  write("doc.jsonl", "{\"text\": \"first\"}\n{\"text\": \"second\"}\n");
  EXPECT_EQ(read_document((dir_ / "doc.jsonl").string()).text, "first");
  write("bad.txt", std::string("ok \xff bytes"));
  EXPECT_EQ(read_document((dir_ / "bad.txt").string()).text, "ok \xEF\xBF\xBD bytes");

  write("binary.txt", std::string("PK\x03\x04\0\0data", 10));
  write("empty.txt", "");
  for (const char* name : {"binary.txt", "empty.txt", "missing.txt"}) {
    try {
      read_document((dir_ / name).string());
      ADD_FAILURE() << name << " did not throw";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
      EXPECT_FALSE(e.hint().empty());
    }
  }
}

TEST_F(InspectTest, TwentyThousandTokenDocumentTimingAndMemory) {
  ModelConfig c = preset("paper");  // D=256, H=16, L=2
  c.dropout = 0.0;
  c.classes = 3;
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::additive, 512, c);
  const std::string text = long_text(19999);
  const auto start = std::chrono::steady_clock::now();
  const Inspection in = inspect(m, text);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(in.size(), 20000);
  const std::int64_t bytes = inspection_bytes(in);
  std::cout << "[ inspect  ] 20000 tokens, paper preset (D=256, H=16, L=2, max_len 512, overlap 64): "
            << in.windows.size() << " windows, " << seconds << " s, " << bytes << " bytes = "
            << static_cast<double>(bytes) / in.size() << " bytes/token\n";
  EXPECT_LT(bytes, in.size() * 1024);
  const double half = static_cast<double>(inspection_bytes(inspect(m, long_text(9999))));
  EXPECT_NEAR(static_cast<double>(bytes) / half, 2.0, 0.1) << "memory proportional to N";
}

}  // namespace
}  // namespace fastformer
