// A std::vector whose buffer starts on a 64-byte boundary (a cache line), for the buffers the SIMD
// kernels stream through. Emscripten's malloc only guarantees 8 bytes: a buffer at 8 mod 16 makes
// every f32x4 load and store unaligned and one in four of them split across two cache lines, which
// measured 15 % slower for a whole MLP training step, depending only on where malloc put it.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace ll {

template <class T>
struct AlignedAllocator {
  using value_type = T;
  static constexpr std::size_t kAlign = 64;

  AlignedAllocator() noexcept = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_alloc();
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(kAlign)));
  }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, std::align_val_t(kAlign)); }

  template <class U>
  bool operator==(const AlignedAllocator<U>&) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const AlignedAllocator<U>&) const noexcept {
    return false;
  }
};

template <class T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

}  // namespace ll
