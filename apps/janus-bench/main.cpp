// janus-bench: a load generator for OpenAI chat-completions endpoints. This file only wires:
// the command line, name resolution, the run, and the reports.

#include "apps/janus-bench/bench_options.hpp"
#include "apps/janus-bench/bench_run.hpp"
#include "apps/janus-bench/gnuplot.hpp"
#include "apps/janus-bench/plot_script.hpp"
#include "apps/janus-bench/report.hpp"
#include "apps/janus-bench/summary.hpp"

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

bool write_csv_file(const std::string& path, const run_outcome& outcome,
                    const std::vector<std::string>& models) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  if (out) {
    write_csv(out, outcome.records, models);
    out.flush();
  }
  if (!out) {
    std::cerr << "janus-bench: cannot write the CSV to " << path << ": " << std::strerror(errno)
              << std::endl;
    return false;
  }
  return true;
}

/// Writes the plot's data and script beside the image and runs gnuplot.
bool plot(const bench_options& options, const run_outcome& outcome) {
  std::filesystem::path image{options.plot_file};
  auto base = image;
  base.replace_extension();
  auto data_path = base.string() + ".dat";
  auto script_path = base.string() + ".gp";
  auto title = "janus-bench: " + describe_run(options) + " against " + options.target.text();
  auto files = render_plot(outcome.records,
                           options.mode == load_mode::steps ? options.steps
                                                            : std::vector<load_step>{},
                           title, image.string(), data_path);
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

std::optional<boost::asio::ip::tcp::resolver::results_type> resolve(const target_url& target) {
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

  run_outcome outcome;
  try {
    outcome = run_bench(options, *endpoints);
  } catch (const std::exception& error) {
    std::cerr << "janus-bench: the run failed: " << error.what() << std::endl;
    return exit_report_failed;
  }

  std::vector<std::string> models;
  for (const auto& model : options.models) {
    models.push_back(model.name);
  }
  auto summary = summarize(outcome.records, outcome.elapsed_us, models);
  summary.samples = outcome.samples;
  if (!options.quiet) {
    std::cout << render_text(summary, options) << std::flush;
  }

  int status = exit_ok;
  if (!options.json_file.empty()
      && !write_file(options.json_file, render_json(summary, options), "JSON summary")) {
    status = exit_report_failed;
  }
  if (!options.csv_file.empty() && !write_csv_file(options.csv_file, outcome, models)) {
    status = exit_report_failed;
  }
  if (!options.plot_file.empty() && !plot(options, outcome)) {
    status = exit_report_failed;
  }
  if (outcome.interrupted) {
    std::cerr << "janus-bench: interrupted; the summary covers the requests made until then"
              << std::endl;
  }
  if (summary.requests > 0 && outcome.never_connected) {
    const auto& why = outcome.samples[static_cast<std::size_t>(error_class::connect_error)];
    std::cerr << "janus-bench: no request could connect to " << options.target.text() << " ("
              << (why.empty() ? "no connection" : why) << ")"
              << (outcome.stopped_unreachable ? "; stopped early" : "") << std::endl;
    return exit_unreachable;
  }
  return status;
}
