//===- DataParallelTest.cpp - Shards and the group of one -----------------===//
//
// mpirun runs are tested end to end (test/e2e/data-parallel.test); here:
// the shards of a global batch cover every row once, in order, as evenly as
// they can, and without mpirun a process is a group of one that installs
// no reduction hook.
//
//===----------------------------------------------------------------------===//

#include "mtc/data_parallel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

namespace {

TEST(ShardTest, ShardsCoverEveryRowOnceAndDifferByAtMostOne) {
  for (int64_t batch = 1; batch <= 40; ++batch)
    for (int ranks = 1; ranks <= 7; ++ranks) {
      int64_t next = 0, smallest = batch, largest = 0;
      for (int rank = 0; rank < ranks; ++rank) {
        mtc::Shard shard = mtc::shardOf(batch, rank, ranks);
        EXPECT_EQ(shard.first, next) << batch << " rows, rank " << rank;
        next += shard.count;
        smallest = std::min(smallest, shard.count);
        largest = std::max(largest, shard.count);
      }
      EXPECT_EQ(next, batch) << batch << " rows on " << ranks << " ranks";
      EXPECT_LE(largest - smallest, 1) << batch << " rows on " << ranks;
      // The runtime sizes its buffers for the last rank's shard.
      EXPECT_EQ(mtc::shardOf(batch, ranks - 1, ranks).count, largest);
    }
}

int hookInstalls = 0;
void countInstall(mtc_all_reduce_fn, void *) { ++hookInstalls; }

TEST(DataParallelTest, WithoutMpirunAProcessIsAGroupOfOne) {
  ASSERT_EQ(std::getenv("OMPI_COMM_WORLD_SIZE"), nullptr)
      << "run the runtime tests without mpirun";
  mtc::DataParallel &group = mtc::DataParallel::get();
  EXPECT_EQ(group.rank(), 0);
  EXPECT_EQ(group.size(), 1);
  EXPECT_FALSE(group.distributed());

  mtc_training training{};
  training.set_all_reduce = countInstall;
  { mtc::DataParallel::Hook hook(group, training); }
  EXPECT_EQ(hookInstalls, 0);
  // A model without a hook trains in one process all the same.
  training.set_all_reduce = nullptr;
  EXPECT_NO_THROW({ mtc::DataParallel::Hook hook(group, training); });
}

} // namespace
