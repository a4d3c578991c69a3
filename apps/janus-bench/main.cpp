// janus-bench: a load generator for OpenAI chat-completions endpoints. This file only wires:
// the command line, name resolution, the runs (one, or one per sweep step), and the reports.

#include "apps/janus-bench/bench_options.hpp"
#include "apps/janus-bench/bench_run.hpp"
#include "apps/janus-bench/gnuplot.hpp"
#include "apps/janus-bench/json_report.hpp"
#include "apps/janus-bench/plot_script.hpp"
#include "apps/janus-bench/report.hpp"
#include "apps/janus-bench/summary.hpp"
#include "apps/janus-bench/sweep_result.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <variant>

namespace {

using namespace janus::bench;
using endpoints_type = boost::asio::ip::tcp::resolver::results_type;

constexpr int exit_ok = 0;
constexpr int exit_report_failed = 1;
constexpr int exit_usage = 2;
constexpr int exit_unreachable = 3;
constexpr auto gnuplot_timeout = std::chrono::seconds(60);

/// Writes `text` to `path`; false (after saying why on stderr) when it cannot.
bool write_file(const std::string& path, const std::string& text, std::string_view what) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  if (out) {
    out << text;
    out.flush();
  }
  if (!out) {
    std::cerr << "janus-bench: cannot write the " << what << " to " << path << ": "
              << std::strerror(errno) << std::endl;
    return false;
  }
  return true;
}

/// The per-request CSV, written run by run as they end.
class csv_file {
public:
  explicit csv_file(const std::string& path) : path_(path) {
    if (path_.empty()) {
      return;
    }
    out_.open(path_, std::ios::binary | std::ios::trunc);
    out_ << csv_header();
  }

  void add(const run_outcome& outcome, const std::vector<std::string>& models, std::size_t run) {
    if (!path_.empty() && out_) {
      write_csv_rows(out_, outcome.records, models, run);
    }
  }

  /// Flushes; false (after saying why) when the file could not be written.
  bool close() {
    if (path_.empty()) {
      return true;
    }
    out_.flush();
    if (!out_) {
      std::cerr << "janus-bench: cannot write the CSV to " << path_ << ": "
                << std::strerror(errno) << std::endl;
      return false;
    }
    return true;
  }

private:
  std::string path_;
  std::ofstream out_;
};

/// Writes a plot's data and script beside the image and runs gnuplot.
bool draw(const bench_options& options, const plot_files& files, const std::string& data_path,
          const std::string& script_path) {
  if (!write_file(data_path, files.data, "plot data")
      || !write_file(script_path, files.script, "plot script")) {
    return false;
  }
  if (auto error = run_gnuplot(script_path, gnuplot_timeout)) {
    std::cerr << "janus-bench: --plot " << options.plot_file << ": " << *error
              << "; the data and script are in " << data_path << " and " << script_path
              << std::endl;
    return false;
  }
  return true;
}

struct plot_paths {
  std::string image;
  std::string data;
  std::string script;
  std::string title;
};

plot_paths paths_of(const bench_options& options) {
  std::filesystem::path image{options.plot_file};
  auto base = image;
  base.replace_extension();
  return {image.string(), base.string() + ".dat", base.string() + ".gp",
          "janus-bench: " + describe_run(options) + " against " + options.target.text()};
}

std::optional<endpoints_type> resolve(const target_url& target) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver{io};
  boost::system::error_code ec;
  auto results = resolver.resolve(target.host, std::to_string(target.port), ec);
  if (ec || results.empty()) {
    std::cerr << "janus-bench: cannot resolve " << target.host << ": "
              << (ec ? ec.message() : "no address") << std::endl;
    return std::nullopt;
  }
  return results;
}

summary_settings settings_of(const bench_options& options) {
  summary_settings settings;
  for (const auto& model : options.models) {
    settings.models.push_back(model.name);
  }
  settings.percentiles = options.percentiles;
  settings.slo = options.slo;
  return settings;
}

/// Exit 3 when no request of the run could connect (after saying why).
std::optional<int> unreachable(const run_outcome& outcome, const run_summary& summary,
                               const bench_options& options) {
  if (summary.requests == 0 || !outcome.never_connected) {
    return std::nullopt;
  }
  const auto& why = outcome.samples[static_cast<std::size_t>(error_class::connect_error)];
  std::cerr << "janus-bench: no request could connect to " << options.target.text() << " ("
            << (why.empty() ? "no connection" : why) << ")"
            << (outcome.stopped_unreachable ? "; stopped early" : "") << std::endl;
  return exit_unreachable;
}

int run_single(const bench_options& options, const endpoints_type& endpoints) {
  auto outcome = run_bench(options, endpoints);
  auto summary = summarize(outcome, settings_of(options));
  if (!options.quiet) {
    std::cout << render_text(summary, options) << std::flush;
  }
  int status = exit_ok;
  if (!options.json_file.empty()
      && !write_file(options.json_file, render_json(summary, options), "JSON summary")) {
    status = exit_report_failed;
  }
  csv_file csv{options.csv_file};
  csv.add(outcome, settings_of(options).models, 0);
  if (!csv.close()) {
    status = exit_report_failed;
  }
  if (!options.plot_file.empty()) {
    const auto paths = paths_of(options);
    auto files = render_plot(outcome.records,
                             options.mode == load_mode::steps ? options.steps
                                                              : std::vector<load_step>{},
                             paths.title, paths.image, paths.data);
    if (!draw(options, files, paths.data, paths.script)) {
      status = exit_report_failed;
    }
  }
  if (outcome.interrupted) {
    std::cerr << "janus-bench: interrupted; the summary covers the requests made until then"
              << std::endl;
  }
  return unreachable(outcome, summary, options).value_or(status);
}

int run_sweep(const bench_options& options, const endpoints_type& endpoints) {
  const auto settings = settings_of(options);
  csv_file csv{options.csv_file};
  std::vector<sweep_result> results;
  const auto steps = options.sweep->values.size();
  for (std::size_t i = 0; i < steps; ++i) {
    auto step = sweep_step(options, i);
    const double value = options.sweep->values[i];
    if (!options.quiet) {
      std::cerr << "janus-bench: sweep step " << (i + 1) << "/" << steps << ": "
                << (options.sweep->parameter == sweep_parameter::rate ? "rate " : "concurrency ")
                << format_number(value) << std::endl;
    }
    auto outcome = run_bench(step, endpoints);
    auto summary = summarize(outcome, settings);
    csv.add(outcome, settings.models, i);
    if (!options.quiet) {
      std::cout << render_text(summary, step) << "\n" << std::flush;
    }
    if (auto code = unreachable(outcome, summary, step)) {
      return *code;
    }
    results.push_back({value, std::move(step), std::move(summary)});
    if (outcome.interrupted) {
      std::cerr << "janus-bench: interrupted; the sweep ends after this step" << std::endl;
      break;
    }
  }
  if (!options.quiet) {
    std::cout << render_sweep_text(results, options) << std::flush;
  }
  int status = exit_ok;
  if (!options.json_file.empty()
      && !write_file(options.json_file, render_sweep_json(results, options), "JSON summary")) {
    status = exit_report_failed;
  }
  if (!csv.close()) {
    status = exit_report_failed;
  }
  if (!options.plot_file.empty()) {
    const auto paths = paths_of(options);
    auto files =
      render_sweep_plot(results, options.percentiles, paths.title, paths.image, paths.data);
    if (!draw(options, files, paths.data, paths.script)) {
      status = exit_report_failed;
    }
  }
  return status;
}

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  bench_options options;
  try {
    auto parsed = parse_command_line(argc, argv);
    if (auto* help = std::get_if<help_request>(&parsed)) {
      std::cout << help->text;
      return exit_ok;
    }
    options = std::move(std::get<bench_options>(parsed));
  } catch (const usage_error& error) {
    std::cerr << "janus-bench: " << error.what() << "\nRun 'janus-bench --help' for the flags."
              << std::endl;
    return exit_usage;
  }
  auto endpoints = resolve(options.target);
  if (!endpoints) {
    return exit_unreachable;
  }
  if (!options.quiet) {
    std::cerr << "janus-bench: " << describe_run(options) << " against " << options.target.text()
              << std::endl;
  }
  try {
    return options.sweep ? run_sweep(options, *endpoints) : run_single(options, *endpoints);
  } catch (const std::exception& error) {
    std::cerr << "janus-bench: the run failed: " << error.what() << std::endl;
    return exit_report_failed;
  }
}
