//===- thread_pool.cpp - Spinning workers for the parallel loops ----------===//
//
// One loop runs at a time. The caller publishes it (`current`, then a new
// `generation`), wakes sleeping workers if there are any, and claims
// iterations from the loop's counter like the workers do; it returns once
// every iteration has finished and no worker still holds the loop, which
// lives on the caller's stack. A worker counts itself in `holders` before
// it reads `current`, and the caller clears `current` before it waits for
// `holders` to drain, so a worker either sees the loop while it is alive
// or sees it cleared (every access is sequentially consistent).
//
//===----------------------------------------------------------------------===//

#include "mtc/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace mtc {

namespace {

/// How long an idle worker spins before it sleeps. The parallel loops of a
/// step come tens of microseconds apart; between steps the runtime spends
/// well under a millisecond. While it spins, the worker yields its core
/// every kSpinsPerYield pauses (measured: 116 us on Zen 3), so it costs little
/// where the cores are oversubscribed (several ranks of a data-parallel run
/// on one machine).
/// Measured (2 vCPUs of an AMD EPYC, Zen 3): the token model's train step
/// (bench/models/tokens.mlir, 64 steps of batch 64) took 2.30-3.10 s
/// against 2.71-4.73 s on Halide's pool, 5 interleaved runs each; a
/// quarter to a third of the CPU time was stolen by the hypervisor while
/// Halide's workers slept and woke (vCPUs halting), 2-6% with this pool.
constexpr std::chrono::microseconds kSpinBeforeSleep(2000);
constexpr unsigned kSpinsPerYield = 4096;

void relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

/// Spins until `done()`, yielding the core every kSpinsPerYield pauses (a
/// worker still finishing an iteration may be waiting for it); false if
/// `deadline` passes first.
template <typename Done>
bool spinUntil(Done done, std::chrono::steady_clock::time_point deadline =
                              std::chrono::steady_clock::time_point::max()) {
  for (unsigned spins = 1; !done(); ++spins) {
    relax();
    if (spins % kSpinsPerYield != 0)
      continue;
    std::this_thread::yield();
    if (std::chrono::steady_clock::now() > deadline)
      return false;
  }
  return true;
}

struct Loop {
  void *userContext;
  mtc_task_fn task;
  int min, size;
  uint8_t *closure;
  std::atomic<int> next{0}, finished{0}, error{0};

  /// Claims and runs iterations until none is left.
  void work() {
    for (int i = next.fetch_add(1); i < size; i = next.fetch_add(1)) {
      int rc = task(userContext, min + i, closure);
      int none = 0;
      if (rc != 0)
        error.compare_exchange_strong(none, rc);
      finished.fetch_add(1);
    }
  }
};

/// Set on the pool's workers, and on a caller while its loop runs: a loop
/// entered there runs inline.
thread_local bool insideLoop = false;

int threadCount() {
  if (const char *env = std::getenv("HL_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0)
      return std::min(n, 256);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

class ThreadPool {
public:
  explicit ThreadPool(int workers) : workers(workers) {
    for (int i = 0; i < workers; ++i)
      std::thread([this] { workerLoop(); }).detach();
  }

  int run(void *userContext, mtc_task_fn task, int min, int size,
          uint8_t *closure) {
    Loop loop{userContext, task, min, size, closure};
    if (workers == 0 || size <= 1 || insideLoop || busy.exchange(true)) {
      loop.work(); // inline, on this thread alone
      return loop.error.load();
    }
    current.store(&loop);
    generation.fetch_add(1);
    if (sleepers.load() > 0) {
      // Under the mutex, so no worker is between its check of
      // `generation` and its wait.
      std::lock_guard<std::mutex> lock(sleepMutex);
      wake.notify_all();
    }
    insideLoop = true;
    loop.work();
    insideLoop = false;
    spinUntil([&] { return loop.finished.load() == size; });
    current.store(nullptr);
    spinUntil([&] { return holders.load() == 0; });
    busy.store(false);
    return loop.error.load();
  }

private:
  void workerLoop() {
    insideLoop = true;
    uint64_t seen = generation.load();
    for (;;) {
      waitForLoop(seen);
      seen = generation.load();
      holders.fetch_add(1);
      if (Loop *loop = current.load())
        loop->work();
      holders.fetch_sub(1);
    }
  }

  /// Returns once `generation` is no longer `seen`: spinning first, then
  /// asleep.
  void waitForLoop(uint64_t seen) {
    auto moved = [&] { return generation.load() != seen; };
    if (spinUntil(moved, std::chrono::steady_clock::now() + kSpinBeforeSleep))
      return;
    std::unique_lock<std::mutex> lock(sleepMutex);
    sleepers.fetch_add(1);
    wake.wait(lock, moved);
    sleepers.fetch_sub(1);
  }

  const int workers;
  std::atomic<bool> busy{false};
  std::atomic<Loop *> current{nullptr};
  std::atomic<uint64_t> generation{0};
  std::atomic<int> holders{0};
  std::atomic<int> sleepers{0};
  std::mutex sleepMutex;
  std::condition_variable wake;
};

ThreadPool &pool() {
  // Never destroyed: detached workers may still be waiting on it at exit.
  static ThreadPool *instance = new ThreadPool(threadCount() - 1);
  return *instance;
}

} // namespace

int doParFor(void *userContext, mtc_task_fn task, int min, int size,
             uint8_t *closure) {
  return pool().run(userContext, task, min, size, closure);
}

void installThreadPool(const mtc_model &model) {
  if (model.install_do_par_for)
    model.install_do_par_for(doParFor);
}

} // namespace mtc
