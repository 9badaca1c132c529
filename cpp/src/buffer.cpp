// buffer.cpp — big anonymous mappings, with the last released one kept for reuse until idle.
#include "aicast/buffer.hpp"

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <new>
#include <utility>

#include <sys/mman.h>
#include <unistd.h>

namespace aicast {

namespace {

constexpr std::size_t kGranule = std::size_t{2} << 20;  // sizes rounded up to 2 MiB, so similar runs share one

struct Kept {
  std::mutex mutex;
  std::condition_variable wake;
  void* data = nullptr;
  std::size_t mapped = 0;
  std::chrono::steady_clock::time_point since;  // when it was kept
  double idle_seconds = kKeptIdleSeconds;
  bool watching = false;  // a watcher thread is running
};
// Never destroyed: the detached watcher may still wait on it while the process exits.
Kept& kept() {
  static Kept* k = new Kept;
  return *k;
}

// The watcher: gives the kept buffer back once it has waited idle_seconds; exits when none is kept.
void watch() noexcept {
  auto& k = kept();
  std::unique_lock<std::mutex> lock(k.mutex);
  while (k.data != nullptr) {
    const auto due = k.since + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(k.idle_seconds));
    if (std::chrono::steady_clock::now() >= due) {
      munmap(k.data, k.mapped);
      k.data = nullptr;
      k.mapped = 0;
      break;
    }
    k.wake.wait_until(lock, due);
  }
  k.watching = false;
}

std::size_t round_up(std::size_t bytes) { return (bytes + kGranule - 1) / kGranule * kGranule; }

}  // namespace

Buffer::Buffer(std::size_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  const std::size_t want = round_up(bytes);
  {
    // reuse the kept mapping when it is big enough and not more than twice what is asked
    auto& k = kept();
    std::lock_guard<std::mutex> lock(k.mutex);
    if (k.data != nullptr && k.mapped >= want && k.mapped <= 2 * want) {
      data_ = std::exchange(k.data, nullptr);
      mapped_ = std::exchange(k.mapped, 0);
      return;
    }
  }
  void* p = mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  data_ = p;
  mapped_ = want;
}

Buffer::~Buffer() {
  if (data_ == nullptr) return;
  if (mapped_ <= kKeptBytesMax) {
    auto& k = kept();
    std::lock_guard<std::mutex> lock(k.mutex);
    bool watched = k.watching;
    if (!watched) {
      try {
        std::thread(watch).detach();
        watched = k.watching = true;
      } catch (...) {  // no thread for the watcher: do not keep it
      }
    }
    if (watched) {
      if (k.data != nullptr) munmap(k.data, k.mapped);  // keep only the latest
      k.data = data_;
      k.mapped = mapped_;
      k.since = std::chrono::steady_clock::now();
      k.wake.notify_all();
      return;
    }
  }
  munmap(data_, mapped_);
}

Buffer::Buffer(Buffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      bytes_(std::exchange(other.bytes_, 0)),
      mapped_(std::exchange(other.mapped_, 0)) {}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    Buffer gone(std::move(*this));
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    mapped_ = std::exchange(other.mapped_, 0);
  }
  return *this;
}

double available_memory_bytes() {
  std::ifstream f("/proc/meminfo");
  std::string key;
  double kb = 0;
  std::string unit;
  while (f >> key >> kb >> unit)
    if (key == "MemAvailable:") return kb * 1024.0;
  const long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 8.0 * (1ull << 30);
}

std::size_t kept_buffer_bytes() noexcept {
  auto& k = kept();
  std::lock_guard<std::mutex> lock(k.mutex);
  return k.mapped;
}

double set_kept_idle_seconds(double seconds) noexcept {
  auto& k = kept();
  std::lock_guard<std::mutex> lock(k.mutex);
  const double before = k.idle_seconds;
  k.idle_seconds = seconds;
  k.wake.notify_all();
  return before;
}

std::size_t release_kept_buffers() noexcept {
  auto& k = kept();
  std::lock_guard<std::mutex> lock(k.mutex);
  const std::size_t freed = k.mapped;
  if (k.data != nullptr) munmap(k.data, k.mapped);
  k.data = nullptr;
  k.mapped = 0;
  k.wake.notify_all();  // the watcher can stop
  return freed;
}

}  // namespace aicast
