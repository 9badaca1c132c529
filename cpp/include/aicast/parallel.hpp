// parallel.hpp — the engine's thread pool: tasks handed out to threads in order, with a progress poll.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace aicast {

// Thrown by run() when the progress callback asks to stop.
struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("run cancelled") {}
};

namespace detail {

inline constexpr double kProgressSeconds = 0.2;

// Threads for a run: `threads` if positive, else all cores.
inline int resolve_threads(int threads) {
  if (threads > 0) return threads;
  const unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? static_cast<int>(hc) : 1;
}

// Runs fn(task, worker) for tasks [0, count) on `threads` threads (the caller is worker 0); the caller
// also calls poll() about every kProgressSeconds and stops handing out tasks when it says stop.
template <class Fn, class Poll>
void parallel_for(std::size_t count, int threads, Fn&& fn, Poll&& poll) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&](int id) {
    const bool caller = id == 0;
    auto last = std::chrono::steady_clock::now();
    for (;;) {
      if (stop.load(std::memory_order_relaxed)) return;
      const std::size_t t = next.fetch_add(1);
      if (t >= count) return;
      try {
        fn(t, id);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        stop = true;
        return;
      }
      if (caller) {
        const auto now = std::chrono::steady_clock::now();
        if (std::chrono::duration<double>(now - last).count() >= kProgressSeconds) {
          last = now;
          bool go = false;
          try {
            go = poll(std::min(next.load(), count));
          } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex);
            if (!error) error = std::current_exception();
          }
          if (!go) {
            stop = true;
            return;
          }
        }
      }
    }
  };
  std::vector<std::thread> pool;
  const int extra = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), count)) - 1;
  pool.reserve(static_cast<std::size_t>(std::max(extra, 0)));
  try {
    for (int i = 0; i < extra; ++i) pool.emplace_back(worker, i + 1);
  } catch (...) {
    stop = true;
    for (auto& t : pool) t.join();
    throw;
  }
  worker(0);
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  if (stop) throw Cancelled();
}

// parallel_for without a progress poll.
template <class Fn>
void parallel_for(std::size_t count, int threads, Fn&& fn) {
  parallel_for(count, threads, std::forward<Fn>(fn), [](std::size_t) { return true; });
}

}  // namespace detail

}  // namespace aicast
