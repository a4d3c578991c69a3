#include "metrics/process_metrics.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "metrics/text_format.hpp"

namespace janus::metrics {

namespace {

void append_metric(std::string& out, const char* name, const char* type, const char* help,
                   double value) {
  append_header(out, name, type, help);
  append_sample(out, name, {}, value);
}

} // namespace

void append_process_metrics(std::string& out) {
  long page = ::sysconf(_SC_PAGESIZE);
  long ticks = ::sysconf(_SC_CLK_TCK);
  double resident = 0;
  {
    std::ifstream statm{"/proc/self/statm"};
    long size = 0;
    long rss = 0;
    if (statm >> size >> rss) {
      resident = static_cast<double>(rss) * static_cast<double>(page);
    }
  }
  double cpu_seconds = 0;
  double start_seconds = 0;
  {
    std::ifstream stat{"/proc/self/stat"};
    std::string text{std::istreambuf_iterator<char>{stat}, std::istreambuf_iterator<char>{}};
    // Fields after the command name, which is in parentheses and may hold spaces.
    auto close = text.rfind(')');
    if (close != std::string::npos) {
      std::istringstream fields{text.substr(close + 2)};
      std::string field;
      unsigned long long utime = 0;
      unsigned long long stime = 0;
      unsigned long long starttime = 0;
      for (int i = 3; fields >> field; ++i) {
        if (i == 14) {
          utime = std::stoull(field);
        } else if (i == 15) {
          stime = std::stoull(field);
        } else if (i == 22) {
          starttime = std::stoull(field);
          break;
        }
      }
      cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(ticks);
      double boot = 0;
      std::ifstream global{"/proc/stat"};
      std::string key;
      while (global >> key) {
        if (key == "btime") {
          global >> boot;
          break;
        }
      }
      start_seconds = boot + static_cast<double>(starttime) / static_cast<double>(ticks);
    }
  }
  std::size_t fds = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator{"/proc/self/fd", ec};
       !ec && it != std::filesystem::directory_iterator{}; it.increment(ec)) {
    ++fds;
  }
  append_metric(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                resident);
  append_metric(out, "process_open_fds", "gauge", "Number of open file descriptors.",
                static_cast<double>(fds));
  append_metric(out, "process_cpu_seconds_total", "counter",
                "Total user and system CPU time spent in seconds.", cpu_seconds);
  append_metric(out, "process_start_time_seconds", "gauge",
                "Start time of the process since unix epoch in seconds.", start_seconds);
}

} // namespace janus::metrics
