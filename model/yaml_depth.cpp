#include "model/yaml_depth.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <sstream>
#include <string>

namespace janus {

namespace {

/// Thrown from inside yaml-cpp's parse to unwind it at the first collection past the limit.
struct nested_too_deep {
  yaml_position where;
};

/// Counts the open collections of a parse and stops it past the limit; builds nothing.
class depth_counter final : public YAML::EventHandler {
public:
  explicit depth_counter(int max_depth) : max_depth_(max_depth) {
  }

  void OnDocumentStart(const YAML::Mark&) override {
  }
  void OnDocumentEnd() override {
  }
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {
  }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    enter(mark);
  }
  void OnSequenceEnd() override {
    --depth_;
  }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    enter(mark);
  }
  void OnMapEnd() override {
    --depth_;
  }

private:
  void enter(const YAML::Mark& mark) {
    if (depth_ >= max_depth_) {
      throw nested_too_deep{yaml_position{mark.line + 1, mark.column + 1}};
    }
    ++depth_;
  }

  int max_depth_;
  int depth_ = 0;
};

} // namespace

std::optional<yaml_position> find_excess_nesting(std::string_view text, int max_depth) {
  std::istringstream in{std::string{text}};
  depth_counter counter{max_depth};
  try {
    YAML::Parser parser{in};
    parser.HandleNextDocument(counter);
  } catch (const nested_too_deep& excess) {
    return excess.where;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
  return std::nullopt;
}

} // namespace janus
