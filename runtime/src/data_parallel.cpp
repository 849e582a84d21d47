//===- data_parallel.cpp - Training on several processes (MPI) ------------===//

#include "mtc/data_parallel.h"
#include "mtc/error.h"

#define OMPI_SKIP_MPICXX 1 // the C API only
#include <mpi.h>

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>

namespace mtc {

Shard shardOf(int64_t batch, int rank, int ranks) {
  int64_t first = batch * rank / ranks;
  int64_t end = batch * (rank + 1) / ranks;
  return {first, end - first};
}

/// The few Open MPI entry points the runtime calls, resolved with dlsym.
struct DataParallel::Mpi {
  void *library = nullptr;
  int (*init)(int *, char ***) = nullptr;
  int (*finalize)() = nullptr;
  int (*commRank)(MPI_Comm, int *) = nullptr;
  int (*commSize)(MPI_Comm, int *) = nullptr;
  int (*allreduce)(const void *, void *, int, MPI_Datatype, MPI_Op,
                   MPI_Comm) = nullptr;
  int (*abort)(MPI_Comm, int) = nullptr;
  MPI_Comm world = nullptr;
  MPI_Datatype floatType = nullptr;
  MPI_Op sum = nullptr;

  template <typename T> void resolve(T &slot, const char *name) {
    slot = reinterpret_cast<T>(dlsym(library, name));
    if (!slot)
      throw Error(
          fmt::format("Open MPI's libmpi.so.40 lacks {}: {}", name, dlerror()));
  }

  Mpi() {
    // RTLD_GLOBAL: Open MPI's plugins resolve libmpi's symbols from the
    // global namespace.
    library = dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);
    if (!library)
      throw Error(fmt::format(
          "mpirun started this process, but Open MPI cannot be loaded ({}); "
          "install Debian's openmpi-bin and libopenmpi3",
          dlerror()));
    resolve(init, "MPI_Init");
    resolve(finalize, "MPI_Finalize");
    resolve(commRank, "MPI_Comm_rank");
    resolve(commSize, "MPI_Comm_size");
    resolve(allreduce, "MPI_Allreduce");
    resolve(abort, "MPI_Abort");
    // mpi.h's MPI_COMM_WORLD, MPI_FLOAT, ... are the addresses of these
    // predefined objects.
    resolve(world, "ompi_mpi_comm_world");
    resolve(floatType, "ompi_mpi_float");
    resolve(sum, "ompi_mpi_op_sum");
  }

  /// Sums `count` floats in place, in pieces that fit MPI's int counts.
  void sumInPlace(float *data, int64_t count) {
    for (int64_t done = 0; done < count;) {
      int piece = static_cast<int>(std::min<int64_t>(count - done, INT_MAX));
      // The default error handler (errors are fatal) ends the whole job on
      // a failed reduction, with Open MPI's message.
      allreduce(MPI_IN_PLACE, data + done, piece, floatType, sum, world);
      done += piece;
    }
  }
};

DataParallel &DataParallel::get() {
  static DataParallel group;
  return group;
}

DataParallel::DataParallel() {
  const char *size = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (!size || std::atoi(size) <= 1)
    return;
  mpi = std::make_unique<Mpi>();
  mpi->init(nullptr, nullptr);
  mpi->commRank(mpi->world, &rank_);
  mpi->commSize(mpi->world, &size_);
}

DataParallel::~DataParallel() {
  if (mpi)
    mpi->finalize();
}

void DataParallel::abortAll(int code) {
  if (mpi)
    mpi->abort(mpi->world, code);
}

int DataParallel::allReduce(void *user, int count, const float *const *in,
                            float *const *out, const int64_t *sizes) {
  auto &group = *static_cast<DataParallel *>(user);
  int64_t total = 0;
  for (int i = 0; i < count; ++i)
    total += sizes[i];
  if (group.staging.size() < static_cast<size_t>(total))
    group.staging.resize(total); // only past mtc_training.all_reduce_floats
  float *packed = group.staging.data();
  if (group.contributesNothing)
    std::fill(packed, packed + total, 0.0f);
  else
    for (int i = 0; i < count; packed += sizes[i], ++i)
      std::memcpy(packed, in[i], sizes[i] * sizeof(float));
  packed = group.staging.data();
  group.mpi->sumInPlace(packed, total);
  for (int i = 0; i < count; packed += sizes[i], ++i)
    std::memcpy(out[i], packed, sizes[i] * sizeof(float));
  return 0;
}

DataParallel::Hook::Hook(DataParallel &group, const mtc_training &training)
    : training(training) {
  if (!group.distributed())
    return;
  if (!training.set_all_reduce)
    throw Error("this model's train steps cannot sum over ranks (it was "
                "compiled before data-parallel training); recompile it");
  group.staging.assign(training.all_reduce_floats, 0.0f);
  training.set_all_reduce(&DataParallel::allReduce, &group);
  installed = true;
}

DataParallel::Hook::~Hook() {
  if (installed)
    training.set_all_reduce(nullptr, nullptr);
}

} // namespace mtc
