// buffer.hpp — large uninitialized buffers for a run's month slab, kept for the next run.
//
// A fresh anonymous mapping costs a page fault per 4 KiB page on first touch (about 1.5 us each on
// this virtual machine: 0.18 s for the 480 MB slab of a million paths over five years, as much as
// the whole simulation). So the last buffer released is kept (up to kKeptBytesMax) and the next run
// of a similar size reuses it without faults. (Transparent huge pages were measured five times
// slower to fault in here, so they are not requested.)
//
// The trade: memory held between runs against page faults on the next run. A kept buffer is given
// back to the system after kKeptIdleSeconds without a run that reuses it (a background thread waits
// for that), and a buffer larger than kKeptBytesMax is given back as soon as its run ends. So back-to-
// back runs (sweeps, benchmarks, a sensitivity analysis) reuse it, while a notebook idling between
// cells holds it only a few seconds; release_kept_buffers() gives it back at once.
#pragma once

#include <cstddef>

namespace aicast {

class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(std::size_t bytes);  // throws std::bad_alloc
  ~Buffer();
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  template <class T>
  T* as() const noexcept {
    return static_cast<T*>(data_);
  }
  std::size_t bytes() const noexcept { return bytes_; }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;    // requested
  std::size_t mapped_ = 0;   // mapped (rounded up)
};

// Largest buffer kept between runs.
inline constexpr std::size_t kKeptBytesMax = std::size_t{1} << 30;
// Seconds a kept buffer waits for a run before it is given back.
inline constexpr double kKeptIdleSeconds = 5.0;

// Bytes of the buffer kept now (0 if none).
std::size_t kept_buffer_bytes() noexcept;
// Changes the idle time (for tests); returns the previous one.
double set_kept_idle_seconds(double seconds) noexcept;

// Unmaps the kept buffer (memory goes back to the system); returns the bytes freed.
std::size_t release_kept_buffers() noexcept;

// Memory the system can give without swapping (MemAvailable), in bytes.
double available_memory_bytes();

}  // namespace aicast
