#include "apps/janus-bench/model_picker.hpp"

#include <numeric>

namespace janus::bench {

model_picker::model_picker(const std::vector<model_weight>& models) {
  std::int64_t total = 0;
  for (const auto& model : models) {
    total += model.weight;
  }
  if (models.empty() || total == 0) {
    cycle_.push_back(0);
    return;
  }
  // Smooth weighted round robin (as nginx does it): each turn every model gains its weight,
  // the richest one is picked and pays the total.
  std::vector<std::int64_t> credit(models.size(), 0);
  cycle_.reserve(static_cast<std::size_t>(total));
  for (std::int64_t turn = 0; turn < total; ++turn) {
    std::size_t best = 0;
    for (std::size_t i = 0; i < models.size(); ++i) {
      credit[i] += models[i].weight;
      if (credit[i] > credit[best]) {
        best = i;
      }
    }
    credit[best] -= total;
    cycle_.push_back(static_cast<std::uint16_t>(best));
  }
}

} // namespace janus::bench
