//===- InterpreterBackend.cpp - mtc --backend=interpreter -----------------===//
//
// Reads the dataset and weights with the runtime's safetensors reader,
// converts them to the interpreter's tensors, interprets the entry point and
// writes its results with the runtime's (atomic) writer.
//
//===----------------------------------------------------------------------===//

#include "InterpreterBackend.h"

#include "Interpreter/Interpreter.h"
#include "mt/Dialect/MTOps.h"
#include "mtc/safetensors.h"

#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir;

namespace mt {
namespace {

int fail(const std::string &message) {
  llvm::errs() << "mtc: " << message << "\n";
  return 1;
}

/// Copies a stored tensor into the interpreter's representation.
interp::Tensor toInterpreter(const mtc::TensorView &view,
                             interp::ElementKind kind) {
  interp::Tensor tensor;
  tensor.shape = view.shape;
  tensor.kind = kind;
  int64_t n = view.numElements();
  tensor.data.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    switch (view.dtype) {
    case mtc::DType::F32: {
      float v;
      std::memcpy(&v, static_cast<const char *>(view.data) + 4 * i, 4);
      tensor.data[i] = v;
      break;
    }
    case mtc::DType::I32: {
      int32_t v;
      std::memcpy(&v, static_cast<const char *>(view.data) + 4 * i, 4);
      tensor.data[i] = v;
      break;
    }
    case mtc::DType::I64: {
      int64_t v;
      std::memcpy(&v, static_cast<const char *>(view.data) + 8 * i, 8);
      tensor.data[i] = static_cast<double>(v);
      break;
    }
    default:
      tensor.data[i] = static_cast<const uint8_t *>(view.data)[i] != 0;
    }
  }
  return tensor;
}

mtc::DType storedDType(Type element) {
  if (element.isF32())
    return mtc::DType::F32;
  if (element.isInteger(32))
    return mtc::DType::I32;
  if (element.isInteger(64))
    return mtc::DType::I64;
  return mtc::DType::U8;
}

interp::ElementKind kindOf(Type element) {
  if (element.isF32())
    return interp::ElementKind::F32;
  if (element.isInteger(32))
    return interp::ElementKind::I32;
  if (element.isInteger(64))
    return interp::ElementKind::I64;
  return interp::ElementKind::I1;
}

} // namespace

int runInterpreterBackend(ModuleOp module, const std::string &entry,
                          const std::string &dataPath,
                          const std::string &weightsPath,
                          const std::string &outputPath) {
  if (dataPath.empty() || weightsPath.empty() || outputPath.empty())
    return fail("--backend=interpreter needs --data, --weights and --out");
  auto func = module.lookupSymbol<FuncOp>(entry);
  if (!func)
    return fail("the model has no @" + entry + " entry point");
  try {
    mtc::SafetensorsFile data = mtc::SafetensorsFile::read(dataPath);
    mtc::SafetensorsFile weights = mtc::SafetensorsFile::read(weightsPath);

    std::vector<interp::Tensor> args;
    for (BlockArgument arg : func.getArguments()) {
      auto nameAttr =
          func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "mt.input");
      if (!nameAttr)
        return fail("argument #" + std::to_string(arg.getArgNumber()) +
                    " of @" + entry + " has no dataset name (mt.input)");
      std::string name = nameAttr.getValue().str();
      Type element = arg.getType().cast<TensorType>().getElementType();
      const mtc::TensorView *view = data.find(name);
      if (!view)
        return fail(dataPath + ": no tensor '" + name + "'");
      if (view->dtype != storedDType(element))
        return fail(dataPath + ": tensor '" + name + "' has dtype " +
                    std::string(mtc::dtypeName(view->dtype)));
      args.push_back(toInterpreter(*view, kindOf(element)));
    }
    interp::ParameterValues params;
    for (ParamOp param : module.getOps<ParamOp>()) {
      std::string name = param.getSymName().str();
      const mtc::TensorView *view = weights.find(name);
      if (!view && param->hasAttr("mt.role")) {
        // Training state not in the file yet: a fresh run starts at zero.
        auto type = param.type().cast<RankedTensorType>();
        params[name] = interp::Tensor::zeros(
            std::vector<int64_t>(type.getShape().begin(),
                                 type.getShape().end()),
            interp::ElementKind::F32);
        continue;
      }
      if (!view || view->dtype != mtc::DType::F32)
        return fail(weightsPath + ": no f32 tensor '" + name + "'");
      params[name] = toInterpreter(*view, interp::ElementKind::F32);
    }

    FailureOr<std::vector<interp::Tensor>> results =
        interp::interpret(func, args, params);
    if (failed(results))
      return 1; // the interpreter reported the error on the op

    std::vector<std::vector<float>> storage;
    std::vector<mtc::NamedTensor> outputs;
    for (unsigned i = 0; i < results->size(); ++i) {
      const interp::Tensor &result = (*results)[i];
      storage.emplace_back(result.data.begin(), result.data.end());
      mtc::TensorView view;
      view.dtype = mtc::DType::F32;
      view.shape = result.shape;
      view.data = storage.back().data();
      auto name = func.getResultAttrOfType<StringAttr>(i, "mt.output");
      if (!name)
        name = func.getResultAttrOfType<StringAttr>(i, "mt.updates");
      outputs.push_back({name ? name.str() : "result" + std::to_string(i),
                         view});
    }
    mtc::writeSafetensors(outputPath, outputs, {{"backend", "interpreter"}});
  } catch (const std::exception &error) {
    return fail(error.what());
  }
  return 0;
}

} // namespace mt
