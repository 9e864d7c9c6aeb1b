// `fastformer`: the command-line face of the engine. Every error becomes one line on
// stderr and a non-zero exit status.
#include "commands.h"

#include "fastformer/error.h"
#include "fastformer/runtime.h"

#include <c10/util/Exception.h>

#include <iostream>
#include <new>
#include <string>

namespace fastformer::cli {

GlobalOptions& global_options() {
  static GlobalOptions options;
  return options;
}

void prepare_runtime() { configure_threads(global_options().threads); }

}  // namespace fastformer::cli

namespace {

// c10 messages carry a C++ backtrace after the first line: keep the first line only.
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

int main(int argc, char** argv) {
  fastformer::apply_process_policies(argv);
  CLI::App app{"Fastformer Studio command line: create, run and inspect Fastformer and Transformer models"};
  app.require_subcommand(1);
  // The project version (CMake's project(), also the Studio's and the Debian package's).
  app.set_version_flag("--version", std::string("Fastformer Studio ") + FF_VERSION);
  app.add_option("--threads", fastformer::cli::global_options().threads, "CPU threads (0 = all cores)")
      ->check(CLI::NonNegativeNumber);
  fastformer::cli::add_info_command(app);
  fastformer::cli::add_init_command(app);
  fastformer::cli::add_forward_command(app);
  fastformer::cli::add_train_command(app);
  fastformer::cli::add_eval_command(app);
  fastformer::cli::add_predict_command(app);
  fastformer::cli::add_inspect_command(app);
  fastformer::cli::add_explain_command(app);
  fastformer::cli::add_data_command(app);
  fastformer::cli::add_import_command(app);
  fastformer::cli::add_launch_command(app);
  fastformer::cli::add_bench_command(app);
  fastformer::cli::add_bench_point_command(*app.get_subcommand("bench"));
  fastformer::cli::add_bench_roofline_command(*app.get_subcommand("bench"));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const fastformer::Error& e) {
    // A problem per line (e.g. one per tensor of an import): each gets the prefix.
    const std::string what = e.what();
    for (std::size_t at = 0; at <= what.size();) {
      const std::size_t end = std::min(what.find('\n', at), what.size());
      std::cerr << "fastformer: error: " << what.substr(at, end - at) << "\n";
      at = end + 1;
    }
    return 1;
  } catch (const c10::Error& e) {
    std::cerr << "fastformer: error: " << first_line(e.what()) << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "fastformer: error: out of memory (try a smaller batch or shorter sequences)\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "fastformer: error: " << first_line(e.what()) << "\n";
    return 1;
  }
  return fastformer::cli::global_options().exit_status;
}
