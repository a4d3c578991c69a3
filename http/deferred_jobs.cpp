#include "http/deferred_jobs.hpp"

namespace janus::http {

deferred_jobs::deferred_jobs(const boost::asio::any_io_executor& executor, clock::duration delay)
  : timer_(executor), delay_(delay) {
}

deferred_jobs::~deferred_jobs() {
  // The owners' jobs outlive no queue: unlinking them all keeps their destructors harmless.
  jobs_.clear();
}

void deferred_jobs::add(job& j, clock::time_point since) {
  j.due_ = since + delay_;
  jobs_.push_back(j);
  if (!waiting_ && !stopped_) {
    wait_for_front();
  }
}

void deferred_jobs::stop() {
  stopped_ = true;
  timer_.cancel();
}

void deferred_jobs::wait_for_front() {
  waiting_ = true;
  timer_.expires_at(jobs_.front().due_);
  timer_.async_wait([this](const boost::system::error_code&) { on_timer(); });
}

void deferred_jobs::on_timer() {
  waiting_ = false;
  if (stopped_) {
    return;
  }
  // In order of their times: fire every job that is due, then wait for the next one. A job
  // leaves the queue before it fires, so that its owner may queue it again or be destroyed.
  auto now = clock::now();
  while (!jobs_.empty() && jobs_.front().due_ <= now) {
    auto& due = jobs_.front();
    jobs_.pop_front();
    due.fire_(due.context_);
  }
  if (!jobs_.empty() && !waiting_) {
    wait_for_front();
  }
}

} // namespace janus::http
