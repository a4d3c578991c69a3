// Installs janusd the way an operator does (scripts/install.sh into a temporary root,
// scripts/package.sh for a .deb), then checks what landed where and runs the installed janusd:
// it tells its service manager that it is ready, serves a chat request with the janus-baseline
// installed beside it, and stops with exit 0 on SIGTERM, under the unit's capability bounding
// set and no_new_privs.

#include "tests/integration/janusd_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace janus::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

/// The programs of CMake's JANUS_PROGRAMS: every one must be installed and packaged.
std::vector<std::string> programs() {
  std::vector<std::string> names;
  std::istringstream list{JANUS_PROGRAMS};
  std::string name;
  while (std::getline(list, name, ',')) {
    names.push_back(name);
  }
  return names;
}

std::string read_file(const fs::path& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

/// How a command ended and what it wrote (stdout and stderr together).
struct ran {
  int status = -1;
  std::string output;

  bool ok() const {
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
};

/// Whether this run is CI's, where a missing tool is a failure rather than a skip.
bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string{ci} == "true";
}

/// Whether `name` is a program found in PATH.
bool have_program(const std::string& name) {
  std::istringstream path{std::getenv("PATH") != nullptr ? std::getenv("PATH") : ""};
  std::string dir;
  while (std::getline(path, dir, ':')) {
    if (::access((fs::path{dir} / name).c_str(), X_OK) == 0) {
      return true;
    }
  }
  return false;
}

/// Every file under `root`: its path relative to root, its mode, size and a hash of its content.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator{root}) {
    struct stat info{};
    ::lstat(entry.path().c_str(), &info);
    auto& text = files[fs::relative(entry.path(), root).string()];
    text = std::to_string(info.st_mode) + " " + std::to_string(info.st_size);
    if (entry.is_regular_file()) {
      text += " " + std::to_string(std::hash<std::string>{}(read_file(entry.path())));
    }
  }
  return files;
}

/// A datagram socket where systemd would listen for a Type=notify service's READY=1.
class notify_socket {
public:
  /// Binds a path of this test process's own (a unix socket path has at most 107 bytes).
  notify_socket()
    : path_((fs::temp_directory_path() / ("janus-notify-" + std::to_string(::getpid())))
              .string()) {
    fs::remove(path_);
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    EXPECT_LT(path_.size(), sizeof(address.sun_path));
    std::strncpy(address.sun_path, path_.c_str(), sizeof(address.sun_path) - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0)
      << path_ << ": " << std::strerror(errno);
  }

  ~notify_socket() {
    ::close(fd_);
    fs::remove(path_);
  }

  notify_socket(const notify_socket&) = delete;
  notify_socket& operator=(const notify_socket&) = delete;

  const std::string& path() const {
    return path_;
  }

  /// The next datagram, "" when none came within `timeout`.
  std::string receive(std::chrono::milliseconds timeout) {
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) != 1) {
      return {};
    }
    char data[512];
    auto n = ::recv(fd_, data, sizeof(data), 0);
    return n > 0 ? std::string{data, static_cast<std::size_t>(n)} : std::string{};
  }

private:
  std::string path_;
  int fd_ = -1;
};

/// A fresh folder per test under the temporary directory, removed when the test passed.
class install : public ::testing::Test {
protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / "janus-tests"
           / (std::string{info->test_suite_name()} + "." + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    root_ = dir_ / "root";
  }

  void TearDown() override {
    if (!HasFailure()) {
      fs::remove_all(dir_);
    }
  }

  /// Runs `argv` to its end (at most `timeout`), its output in `log` under the test's folder.
  ran run(std::vector<std::string> argv, const std::string& log,
          std::chrono::milliseconds timeout = 120s, std::map<std::string, std::string> env = {}) {
    child_process child{std::move(argv), std::move(env), dir_ / log};
    ran result;
    auto status = child.wait_for_exit(timeout);
    EXPECT_TRUE(status) << log << ": still running after " << timeout.count() << " ms";
    result.status = status.value_or(-1);
    result.output = child.log();
    return result;
  }

  /// scripts/install.sh --root <root> with `extra` arguments, from this build.
  ran run_install(std::vector<std::string> extra = {}, const std::string& log = "install.log") {
    std::vector<std::string> argv{"bash", std::string{JANUS_SOURCE_DIR} + "/scripts/install.sh",
                                  "--root", root_.string(), "--build-dir", JANUS_BUILD_DIR};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto result = run(argv, log);
    EXPECT_TRUE(result.ok()) << describe_wait_status(result.status) << "\n" << result.output;
    return result;
  }

  /// The Debian package owning each shared library that `binary` links, by ldd and dpkg -S.
  std::set<std::string> packages_linked_by(const fs::path& binary) {
    std::set<std::string> packages;
    auto linked = run({"ldd", binary.string()}, "ldd.log", 30s);
    std::istringstream lines{linked.output};
    std::string line;
    while (std::getline(lines, line)) {
      auto arrow = line.find("=> /");
      auto start = arrow != std::string::npos ? arrow + 3 : line.find_first_not_of(" \t");
      if (start == std::string::npos || line[start] != '/') {
        continue; // linux-vdso, or "not a dynamic executable" (janus-baseline is static)
      }
      auto library = line.substr(start, line.find(' ', start) - start);
      std::string owner;
      for (const auto& candidate : {library, fs::canonical(library).string()}) {
        auto found = run({"dpkg", "-S", candidate}, "dpkg-S.log", 30s);
        if (found.ok()) {
          owner = found.output.substr(0, found.output.find(':'));
          break;
        }
      }
      EXPECT_FALSE(owner.empty()) << "no package owns " << library;
      if (!owner.empty()) {
        packages.insert(owner);
      }
    }
    return packages;
  }

  fs::path dir_;
  fs::path root_;
};

// -- what lands where ----------------------------------------------------------------------

TEST_F(install, puts_every_program_the_unit_the_sample_config_and_the_docs_under_the_root) {
  run_install();
  for (const auto& program : programs()) {
    auto installed = root_ / "usr/local/bin" / program;
    ASSERT_EQ(::access(installed.c_str(), X_OK), 0) << installed << " is not installed";
    auto version = run({installed.string(), "--version"}, program + ".version.log", 10s);
    EXPECT_TRUE(version.ok()) << version.output;
    EXPECT_TRUE(version.output.starts_with(program + " " JANUS_PROJECT_VERSION)) << version.output;
  }
  // The unit runs the janusd of the prefix; nothing else differs from the repository's file.
  auto unit = read_file(root_ / "lib/systemd/system/janusd.service");
  auto expected = replace_all(read_file(JANUS_SOURCE_DIR "/deploy/systemd/janusd.service"),
                              "/usr/bin/janusd", "/usr/local/bin/janusd");
  expected = replace_all(expected, "/usr/share/doc/janus", "/usr/local/share/doc/janus");
  EXPECT_EQ(unit, expected);
  EXPECT_NE(unit.find("\nExecStart=/usr/local/bin/janusd --config /etc/janus/janusd.yaml\n"),
            std::string::npos);
  EXPECT_EQ(read_file(root_ / "etc/janus/janusd.yaml"),
            read_file(JANUS_SOURCE_DIR "/deploy/etc/janusd.yaml"));
  EXPECT_EQ(fs::status(root_ / "etc/janus/janusd.yaml").permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  EXPECT_EQ(fs::status(root_ / "etc/janus/janusd.env").permissions(),
            fs::perms::owner_read | fs::perms::owner_write)
    << "the secrets file is root's alone";
  for (const char* doc : {"README.md", "docs/operations.md", "docs/configuration.md",
                          "deploy/etc/janusd.yaml", "deploy/baseline/Dockerfile"}) {
    EXPECT_TRUE(fs::is_regular_file(root_ / "usr/local/share/doc/janus" / doc)) << doc;
  }
}

TEST_F(install, with_prefix_usr_the_unit_is_the_repositorys_file_as_it_is) {
  run_install({"--prefix", "/usr"});
  EXPECT_EQ(read_file(root_ / "lib/systemd/system/janusd.service"),
            read_file(JANUS_SOURCE_DIR "/deploy/systemd/janusd.service"));
  EXPECT_EQ(::access((root_ / "usr/bin/janusd").c_str(), X_OK), 0);
}

TEST_F(install, installing_again_changes_nothing_and_keeps_the_operators_config) {
  run_install();
  std::ofstream{root_ / "etc/janus/janusd.yaml", std::ios::app} << "# the operator's edit\n";
  auto before = snapshot(root_);
  auto again = run_install({}, "install-again.log");
  EXPECT_EQ(snapshot(root_), before) << again.output;
  EXPECT_NE(read_file(root_ / "etc/janus/janusd.yaml").find("# the operator's edit"),
            std::string::npos);
  EXPECT_NE(again.output.find("Kept: " + (root_ / "etc/janus/janusd.yaml").string()),
            std::string::npos)
    << again.output;
}

TEST_F(install, the_installed_sample_config_passes_janusd_check) {
  run_install();
  auto checked = run({(root_ / "usr/local/bin/janusd").string(), "--config",
                      (root_ / "etc/janus/janusd.yaml").string(), "--check"},
                     "check.log", 10s);
  EXPECT_TRUE(checked.ok()) << checked.output;
  EXPECT_NE(checked.output.find("configuration is valid (1 model(s))"), std::string::npos)
    << checked.output;
}

TEST_F(install, systemd_analyze_verifies_the_installed_unit_without_a_warning) {
  if (!have_program("systemd-analyze")) {
    if (in_ci()) {
      FAIL() << "CI=true and systemd-analyze is missing (scripts/install-deps.sh installs systemd)";
    }
    GTEST_SKIP() << "systemd-analyze is missing (apt-get install systemd)";
  }
  run_install();
  // verify checks that ExecStart exists: point it at the janusd under the temporary root.
  auto unit = replace_all(read_file(root_ / "lib/systemd/system/janusd.service"),
                          "ExecStart=/usr/local/bin/janusd",
                          "ExecStart=" + (root_ / "usr/local/bin/janusd").string());
  auto checked_unit = dir_ / "janusd.service";
  std::ofstream{checked_unit} << unit;
  auto verified = run({"systemd-analyze", "verify", checked_unit.string()}, "verify.log", 60s);
  EXPECT_TRUE(verified.ok()) << verified.output;
  // Lines about other units of this host are not ours to judge.
  std::istringstream lines{verified.output};
  std::string line;
  while (std::getline(lines, line)) {
    EXPECT_EQ(line.find("janusd.service"), std::string::npos) << line;
  }
}

// -- the installed janusd runs -------------------------------------------------------------

/// The unit's CapabilityBoundingSet as setpriv's --bounding-set: "-all,+sys_admin,...".
std::string bounding_set_of(const std::string& unit) {
  const std::string key = "\nCapabilityBoundingSet=";
  auto at = unit.find(key);
  EXPECT_NE(at, std::string::npos) << "the unit sets no CapabilityBoundingSet";
  std::istringstream caps{unit.substr(at + key.size(), unit.find('\n', at + 1) - at - key.size())};
  std::string set = "-all";
  std::string cap;
  while (caps >> cap) {
    std::string name = cap.substr(4); // CAP_SYS_ADMIN -> sys_admin
    for (auto& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    set += ",+" + name;
  }
  return set;
}

TEST_F(install, the_installed_janusd_says_ready_serves_a_chat_request_and_exits_0_on_sigterm) {
  run_install();
  auto janusd_path = root_ / "usr/local/bin/janusd";
  auto port = free_port();
  auto config = dir_ / "janusd.yaml";
  std::ofstream{config} << "server:\n  listen: \"127.0.0.1:" << port << "\"\n  threads: 1\n"
                        << "log:\n  level: debug\n"
                        << "runtime: process\n"
                        << "models:\n  baseline:\n    command: [\"janus-baseline\"]\n"
                        << "    min_warm: 1\n    max_containers: 2\n";
  notify_socket manager;
  // As the unit runs it: no_new_privs and only the capabilities the unit keeps (when this test
  // may drop capabilities at all).
  std::vector<std::string> argv{janusd_path.string(), "--config", config.string()};
  bool as_the_unit = ::geteuid() == 0 && have_program("setpriv");
  if (as_the_unit) {
    auto unit = read_file(root_ / "lib/systemd/system/janusd.service");
    argv.insert(argv.begin(), {"setpriv", "--no-new-privs",
                               "--bounding-set=" + bounding_set_of(unit), "--"});
  }
  child_process janusd{argv, {{"NOTIFY_SOCKET", manager.path()}}, dir_ / "janusd.log"};

  auto said = manager.receive(20s);
  ASSERT_EQ(said, "READY=1") << janusd.log();
  if (as_the_unit) {
    auto status = read_file("/proc/" + std::to_string(janusd.pid()) + "/status");
    EXPECT_NE(status.find("NoNewPrivs:\t1"), std::string::npos) << status;
  }
  // READY=1 means the listener takes connections: no polling needed.
  EXPECT_EQ(get(port, "/health").status, 200u);
  ASSERT_TRUE(wait_for_http(port, "/ready", 20s)) << janusd.log();
  auto answer = post_json(port, "/v1/chat/completions",
                          R"({"model":"baseline","messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(answer.status, 200u) << answer.body;
  EXPECT_NE(answer.body.find("chat.completion"), std::string::npos) << answer.body;
  // The model process is the janus-baseline installed beside janusd, not the build's.
  auto children = children_of(janusd.pid());
  ASSERT_FALSE(children.empty()) << janusd.log();
  // A child forked a moment ago still runs janusd until its exec: give each one 5 s to get there.
  const auto installed_baseline = fs::canonical(root_ / "usr/local/bin/janus-baseline");
  for (auto child : children) {
    fs::path exe;
    EXPECT_TRUE(eventually(5s, [&] {
      std::error_code ec;
      exe = fs::read_symlink("/proc/" + std::to_string(child) + "/exe", ec);
      return ec || exe == installed_baseline; // ec: the child is gone, nothing to judge
    })) << "child " << child << " runs " << exe;
  }

  janusd.signal(SIGTERM);
  auto status = janusd.wait_for_exit(60s);
  ASSERT_TRUE(status) << "janusd did not stop within 60 s of SIGTERM\n" << janusd.log();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
    << describe_wait_status(*status) << "\n" << janusd.log();
}

// -- the .deb ------------------------------------------------------------------------------

using package = install;

TEST_F(package, the_deb_holds_every_program_the_unit_and_the_config_as_conffiles) {
  for (const char* tool : {"dpkg-deb", "dpkg-shlibdeps"}) {
    if (!have_program(tool)) {
      if (in_ci()) {
        FAIL() << "CI=true and " << tool << " is missing (apt-get install dpkg-dev)";
      }
      GTEST_SKIP() << tool << " is missing (apt-get install dpkg-dev)";
    }
  }
  auto built = run({"bash", std::string{JANUS_SOURCE_DIR} + "/scripts/package.sh", "--output",
                    dir_.string(), "--build-dir", JANUS_BUILD_DIR},
                   "package.log");
  ASSERT_TRUE(built.ok()) << built.output;
  auto deb = built.output.substr(0, built.output.find('\n'));
  ASSERT_TRUE(fs::is_regular_file(deb)) << built.output;

  auto contents = run({"dpkg-deb", "-c", deb}, "contents.log").output;
  auto holds = [&](const std::string& path) {
    return contents.find(" ./" + path + "\n") != std::string::npos;
  };
  for (const auto& program : programs()) {
    EXPECT_TRUE(holds("usr/bin/" + program)) << program << " is not packaged:\n" << contents;
  }
  for (const char* path : {"lib/systemd/system/janusd.service", "etc/janus/janusd.yaml",
                           "etc/janus/janusd.env", "usr/share/doc/janus/docs/operations.md"}) {
    EXPECT_TRUE(holds(path)) << path << " is not packaged:\n" << contents;
  }
  std::istringstream entries{contents};
  for (std::string entry; std::getline(entries, entry);) {
    EXPECT_NE(entry.find(" root/root "), std::string::npos) << entry;
  }

  auto control = run({"dpkg-deb", "-f", deb}, "control.log").output;
  EXPECT_NE(control.find("Package: janus-orchestrator\n"), std::string::npos) << control;
  EXPECT_NE(control.find("Version: " JANUS_PROJECT_VERSION), std::string::npos) << control;
  auto depends_at = control.find("\nDepends: ");
  ASSERT_NE(depends_at, std::string::npos) << control;
  auto depends = control.substr(depends_at, control.find('\n', depends_at + 1) - depends_at);
  // Every package of a library the programs link is depended on, by its name or a name it
  // provides (libspdlog1.10 provides libspdlog1.10-fmt9).
  std::set<std::string> linked;
  for (const auto& program : programs()) {
    auto more = packages_linked_by(fs::path{JANUS_BUILD_DIR} / "bin" / program);
    linked.insert(more.begin(), more.end());
  }
  EXPECT_TRUE(linked.contains("libc6")) << "ldd found no libc: the check would check nothing";
  for (const auto& needed : linked) {
    auto provides = run({"dpkg-query", "-W", "-f=${Provides}", needed}, "provides.log").output;
    bool named = depends.find(" " + needed + " ") != std::string::npos
                 || depends.find(" " + needed + ",") != std::string::npos
                 || depends.ends_with(" " + needed);
    std::istringstream aliases{replace_all(provides, ",", " ")};
    for (std::string alias; !named && aliases >> alias;) {
      named = alias.front() != '(' && depends.find(" " + alias) != std::string::npos;
    }
    EXPECT_TRUE(named) << needed << " is linked but not in" << depends;
  }

  auto conffiles = run({"dpkg-deb", "-I", deb, "conffiles"}, "conffiles.log").output;
  EXPECT_NE(conffiles.find("/etc/janus/janusd.yaml\n"), std::string::npos) << conffiles;
  auto postinst = run({"dpkg-deb", "-I", deb, "postinst"}, "postinst.log").output;
  EXPECT_NE(postinst.find("[ -d /run/systemd/system ]"), std::string::npos) << postinst;
  EXPECT_NE(postinst.find("systemctl daemon-reload"), std::string::npos) << postinst;

  // The packaged janusd is this build's.
  auto unpacked = dir_ / "unpacked";
  ASSERT_TRUE(run({"dpkg-deb", "-x", deb, unpacked.string()}, "unpack.log").ok());
  auto packaged = run({(unpacked / "usr/bin/janusd").string(), "--version"}, "packaged.log");
  auto built_version = run({std::string{JANUS_BUILD_DIR} + "/bin/janusd", "--version"}, "b.log");
  EXPECT_EQ(packaged.output, built_version.output);
}

} // namespace
} // namespace janus::test
