// Parameter counts of the bundled examples: mt-materialize-params against
// closed forms derived from each example's configuration, and PyTorch's
// names and init bounds on a few representative parameters.

#include "Transforms/Passes.h"
#include "mt/Dialect/MTOps.h"

#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/SourceMgr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace {

struct Materialized {
  int64_t recordedTotal = -1; // the module's mt.num_parameters
  int64_t summedTotal = 0;    // the sum over its mt.param ops
  std::map<std::string, mt::ParamOp> params;
};

class ParameterCountTest : public ::testing::Test {
protected:
  ParameterCountTest() {
    context.loadDialect<mt::MTDialect, mlir::StandardOpsDialect>();
  }

  Materialized materialize(const std::string &example) {
    std::string path = std::string(MT_SOURCE_DIR) + "/examples/" + example;
    llvm::SourceMgr sourceMgr;
    module = mlir::parseSourceFile(path, sourceMgr, &context);
    EXPECT_TRUE(module) << "cannot parse " << path;
    Materialized result;
    if (!module)
      return result;
    mlir::PassManager pm(&context);
    pm.addPass(mt::createInferShapesPass());
    pm.addPass(mt::createMaterializeParamsPass());
    EXPECT_TRUE(mlir::succeeded(pm.run(*module)));
    if (auto total = (*module)->getAttrOfType<mlir::IntegerAttr>(
            "mt.num_parameters"))
      result.recordedTotal = total.getInt();
    for (mt::ParamOp param : module->getOps<mt::ParamOp>()) {
      result.summedTotal +=
          param.type().cast<mlir::RankedTensorType>().getNumElements();
      result.params[param.getSymName().str()] = param;
    }
    return result;
  }

  static std::vector<int64_t> shapeOf(mt::ParamOp param) {
    auto shape = param.type().cast<mlir::RankedTensorType>().getShape();
    return std::vector<int64_t>(shape.begin(), shape.end());
  }

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

// nn.TransformerEncoderLayer(D, H, FF): in_proj 3D^2 + 3D, out_proj D^2 + D,
// linear1 D FF + FF, linear2 FF D + D, two LayerNorms 4D.
int64_t encoderLayerCount(int64_t d, int64_t ff) {
  return 4 * d * d + 4 * d + 2 * d * ff + ff + d + 4 * d;
}
int64_t linearCount(int64_t in, int64_t out) { return in * out + out; }

TEST_F(ParameterCountTest, SeedTransformerMatchesClosedForm) {
  const int64_t features = 32, d = 512, ff = 2048, layers = 6, tasks = 3;
  int64_t expected = linearCount(features, d)   // input_proj
                     + linearCount(tasks, d)    // task_encoder
                     + layers * encoderLayerCount(d, ff) //
                     + tasks * linearCount(d, 1); // per-position heads
  Materialized m = materialize("seed_transformer.mlir");
  EXPECT_EQ(m.summedTotal, expected);
  EXPECT_EQ(m.recordedTotal, expected);
  // 2 + 2 + 6 * 12 + 3 * 2 tensors.
  EXPECT_EQ(m.params.size(), 82u);

  ASSERT_TRUE(m.params.count("encoder.layers.5.self_attn.in_proj_weight"));
  mt::ParamOp inProj = m.params["encoder.layers.5.self_attn.in_proj_weight"];
  EXPECT_EQ(shapeOf(inProj), (std::vector<int64_t>{3 * d, d}));
  EXPECT_EQ(inProj.getInit(), "uniform");
  EXPECT_DOUBLE_EQ(inProj.getScaleAttr().getValueAsDouble(),
                   std::sqrt(6.0 / (4 * d)));

  ASSERT_TRUE(m.params.count("encoder.layers.0.linear1.weight"));
  mt::ParamOp linear1 = m.params["encoder.layers.0.linear1.weight"];
  EXPECT_EQ(shapeOf(linear1), (std::vector<int64_t>{ff, d}));
  EXPECT_DOUBLE_EQ(linear1.getScaleAttr().getValueAsDouble(),
                   1.0 / std::sqrt(double(d)));

  ASSERT_TRUE(m.params.count("task_encoder.weight"));
  EXPECT_EQ(shapeOf(m.params["task_encoder.weight"]),
            (std::vector<int64_t>{d, tasks}));
  ASSERT_TRUE(m.params.count("encoder.layers.3.norm2.bias"));
  EXPECT_EQ(m.params["encoder.layers.3.norm2.bias"].getInit(), "zeros");
  EXPECT_EQ(m.params["encoder.layers.3.self_attn.out_proj.bias"].getInit(),
            "zeros");
}

TEST_F(ParameterCountTest, MultitaskSmallMatchesClosedForm) {
  const int64_t features = 16, d = 128, ff = 512, layers = 2, tasks = 3;
  const int64_t attention = 4 * d * d + 4 * d, layerNorm = 2 * d;
  int64_t expected = linearCount(features, d)                  //
                     + linearCount(tasks, d)                   //
                     + layers * encoderLayerCount(d, ff)       //
                     + tasks * d + 2 * (attention + layerNorm) // task attention
                     + linearCount(d, 10) + 2 * linearCount(d, 1) // heads
                     + tasks; // uncertainty log-variances
  Materialized m = materialize("multitask_small.mlir");
  EXPECT_EQ(m.summedTotal, expected);
  EXPECT_EQ(m.recordedTotal, expected);

  ASSERT_TRUE(m.params.count("task_attention.task_tokens"));
  EXPECT_EQ(shapeOf(m.params["task_attention.task_tokens"]),
            (std::vector<int64_t>{tasks, d}));
  EXPECT_EQ(m.params["task_attention.task_tokens"].getInit(), "normal");
  ASSERT_TRUE(m.params.count("heads.digit.weight"));
  EXPECT_EQ(shapeOf(m.params["heads.digit.weight"]),
            (std::vector<int64_t>{10, d}));
  ASSERT_TRUE(m.params.count("loss.log_vars"));
  EXPECT_EQ(m.params["loss.log_vars"].getInit(), "zeros");
}

} // namespace
