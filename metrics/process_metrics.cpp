#include "metrics/process_metrics.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace janus::metrics {

namespace {

prometheus::MetricFamily one_sample(const char* name, prometheus::MetricType type,
                                    const char* help, double value) {
  prometheus::ClientMetric sample;
  if (type == prometheus::MetricType::Counter) {
    sample.counter.value = value;
  } else {
    sample.gauge.value = value;
  }
  return prometheus::MetricFamily{name, help, type, {sample}};
}

} // namespace

std::vector<prometheus::MetricFamily> collect_process_metrics() {
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
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  out.push_back(one_sample("process_resident_memory_bytes", MetricType::Gauge,
                           "Resident memory size in bytes.", resident));
  out.push_back(one_sample("process_open_fds", MetricType::Gauge,
                           "Number of open file descriptors.", static_cast<double>(fds)));
  out.push_back(one_sample("process_cpu_seconds_total", MetricType::Counter,
                           "Total user and system CPU time spent in seconds.", cpu_seconds));
  out.push_back(one_sample("process_start_time_seconds", MetricType::Gauge,
                           "Start time of the process since unix epoch in seconds.",
                           start_seconds));
  return out;
}

} // namespace janus::metrics
