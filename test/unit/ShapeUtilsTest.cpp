// Broadcasting rules against hand-worked cases.

#include "mt/Dialect/ShapeUtils.h"

#include "mlir/IR/BuiltinTypes.h"

#include <gtest/gtest.h>

namespace {
constexpr int64_t kDyn = mlir::ShapedType::kDynamicSize;

std::vector<int64_t> broadcast(std::vector<int64_t> a,
                               std::vector<int64_t> b) {
  std::string why;
  auto result = mt::broadcastShapes(a, b, why);
  if (mlir::failed(result))
    return {-42};
  return std::vector<int64_t>(result->begin(), result->end());
}

TEST(BroadcastShapes, RightAlignsAndStretchesOnes) {
  EXPECT_EQ(broadcast({kDyn, 8, 4}, {4}), (std::vector<int64_t>{kDyn, 8, 4}));
  EXPECT_EQ(broadcast({kDyn, 1, 4}, {3, 1}),
            (std::vector<int64_t>{kDyn, 3, 4}));
  EXPECT_EQ(broadcast({}, {2, 3}), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(broadcast({1}, {kDyn}), (std::vector<int64_t>{kDyn}));
}

TEST(BroadcastShapes, BatchMeetsOnlyBatchOrOne) {
  EXPECT_EQ(broadcast({kDyn, 4}, {kDyn, 4}), (std::vector<int64_t>{kDyn, 4}));
  EXPECT_EQ(broadcast({kDyn, 4}, {3, 4}), (std::vector<int64_t>{-42}));
}

TEST(BroadcastShapes, ExplainsAClash) {
  std::string why;
  std::vector<int64_t> a{kDyn, 8, 4}, b{8, 5};
  EXPECT_TRUE(mlir::failed(mt::broadcastShapes(a, b, why)));
  EXPECT_EQ(why, "dimension 2 of the broadcast shape: 4 vs 5 (shapes "
                 "[?, 8, 4] and [8, 5])");
}

TEST(FormatShape, PrintsDynamicAsQuestionMark) {
  std::vector<int64_t> shape{kDyn, 16, 128};
  EXPECT_EQ(mt::formatShape(shape), "[?, 16, 128]");
  EXPECT_EQ(mt::formatShape({}), "[]");
}
} // namespace
