//===- data_parallel.h - Training on several processes (MPI) ----*- C++ -*-===//
//
// `mpirun -np N ./model train ...` trains data-parallel (DESIGN.md §4):
// every rank draws the same shuffle, takes its rows of each global batch
// (shardOf) and runs the compiled train step on them; the step sums its
// labelled counts, losses and gradients over the ranks through the
// reduction hook installed here, between the backward pass and the update,
// so every rank makes the same update: that of one process on the global
// batch, up to the order of the float sums.
//
// Why dlopen: Open MPI (libmpi.so.40, Debian's openmpi) is loaded only when
// the process was started by mpirun with more than one rank
// (OMPI_COMM_WORLD_SIZE in the environment). A binary run on its own, and
// every embedder of the runtime, has no MPI dependency at run time, and one
// build serves both uses; mpi.h is only read at build time for the types.
//
// The hook packs every tensor of one reduction into one buffer (allocated
// when the hook is installed) and sums it with one MPI_Allreduce, so a step
// costs two collective calls: the labelled counts, then the rest. A rank
// whose share of a (last, small) batch is empty runs the step on one row
// and contributes zeros.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_DATA_PARALLEL_H
#define MTC_DATA_PARALLEL_H

#include "mtc/model_abi.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace mtc {

/// Rows [first, first + count) of a global batch of `batch` rows that rank
/// `rank` of `ranks` trains on: consecutive, as even as they can be.
struct Shard {
  int64_t first = 0;
  int64_t count = 0;
};
Shard shardOf(int64_t batch, int rank, int ranks);

class DataParallel {
public:
  /// The group this process belongs to: MPI_Init on first use under
  /// mpirun with N > 1, else a group of one. Throws Error when mpirun
  /// started the process but Open MPI cannot be loaded.
  static DataParallel &get();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool isRoot() const { return rank_ == 0; }
  bool distributed() const { return size_ > 1; }

  /// Installs the reduction hook of `training`'s train steps for this
  /// group (nothing for a group of one) and removes it on destruction.
  /// Throws Error when the model has no hook (compiled before data
  /// parallelism) and the group has several ranks.
  class Hook {
  public:
    Hook(DataParallel &group, const mtc_training &training);
    ~Hook();
    Hook(const Hook &) = delete;
    Hook &operator=(const Hook &) = delete;

  private:
    const mtc_training &training;
    bool installed = false;
  };

  /// Whether this rank's next steps contribute zeros (an empty shard).
  void setContributesNothing(bool nothing) { contributesNothing = nothing; }

  /// Ends every rank of the job (MPI_Abort) after an error on this one, so
  /// that the others do not wait for it forever; a group of one returns.
  void abortAll(int code);

  ~DataParallel();

private:
  DataParallel();
  struct Mpi;
  static int allReduce(void *user, int count, const float *const *in,
                       float *const *out, const int64_t *sizes);

  std::unique_ptr<Mpi> mpi;
  int rank_ = 0, size_ = 1;
  bool contributesNothing = false;
  std::vector<float> staging;
};

} // namespace mtc

#endif // MTC_DATA_PARALLEL_H
