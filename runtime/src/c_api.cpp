//===- c_api.cpp - The C interface for embedding a compiled model ---------===//
//
// Every entry point runs its body under `guarded`, which turns exceptions
// into a non-zero return and mtc_error() text: nothing escapes into C.
//
//===----------------------------------------------------------------------===//

#include "mtc/cli.h"
#include "mtc/dataset.h"
#include "mtc/error.h"
#include "mtc/model.h"
#include "mtc/mtc.h"
#include "mtc/parameters.h"
#include "mtc/session.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <new>
#include <string>
#include <vector>

struct mtc_session {
  const mtc_model *model = nullptr;
  std::unique_ptr<mtc::Session> session;
  // Set when the Session could not be created (e.g. a missing CPU
  // feature); every later call fails with it.
  std::string creationError;
  std::string error;
  std::string infoJson; // mtc_info_json's text, made on first use
  std::vector<const void *> inputs;
  std::vector<int64_t> inputRows;
  std::vector<mtc::AlignedBuffer> outputs;
  std::vector<void *> outputPointers; // into `outputs`, as forward takes them
  int64_t outputCapacity = 0;
  int64_t lastBatch = -1; // -1: no successful run since the last change
};

namespace {

template <typename Body> int guarded(mtc_session *s, Body &&body) {
  if (!s)
    return -1;
  try {
    if (!s->creationError.empty())
      throw mtc::Error(s->creationError);
    body();
    s->error.clear();
    return 0;
  } catch (const mtc::Error &e) {
    s->error = e.what();
  } catch (const std::bad_alloc &) {
    s->error = "out of memory";
  } catch (const std::exception &e) {
    s->error = std::string("internal error: ") + e.what();
  } catch (...) {
    s->error = "internal error: unknown exception";
  }
  return 1;
}

int inputIndex(const mtc_session &s, const char *name) {
  int i = name ? mtc::findInput(*s.model, name) : -1;
  if (i < 0)
    throw mtc::Error(
        fmt::format("the model has no input '{}'", name ? name : "(null)"));
  return i;
}

void run(mtc_session &s, int64_t batch) {
  const mtc_model &m = *s.model;
  s.lastBatch = -1;
  if (batch < 0)
    throw mtc::Error(fmt::format("batch {} is negative", batch));
  for (int i = 0; i < m.num_inputs; ++i) {
    const mtc_tensor_info &info = m.inputs[i];
    if (!s.inputs[i])
      throw mtc::Error(fmt::format("input '{}' is not bound", info.name));
    if (s.inputRows[i] < batch)
      throw mtc::Error(fmt::format("input '{}' is bound with {} examples, "
                                   "the run asks for {}",
                                   info.name, s.inputRows[i], batch));
    // Ids index tables inside the kernels; out of range they would read
    // outside the parameters.
    if (info.dtype == MTC_I32 && info.id_bound > 0)
      mtc::checkIdRange(fmt::format("input '{}'", info.name),
                        static_cast<const int32_t *>(s.inputs[i]), batch,
                        mtc::rowElements(info), info.id_bound);
  }
  if (batch > s.outputCapacity) {
    s.outputs.clear();
    s.outputPointers.clear();
    for (int i = 0; i < m.num_outputs; ++i) {
      s.outputs.emplace_back(batch * mtc::rowBytes(m.outputs[i]));
      s.outputPointers.push_back(s.outputs.back().data());
    }
    s.outputCapacity = batch;
  }
  s.session->reserve(batch);
  s.session->forward(batch, s.inputs.data(), s.outputPointers.data());
  s.lastBatch = batch;
}

} // namespace

extern "C" {

mtc_session *mtc_create(void) {
  auto *s = new (std::nothrow) mtc_session;
  if (!s)
    return nullptr;
  try {
    s->model = mtc_model_get();
    s->inputs.assign(s->model->num_inputs, nullptr);
    s->inputRows.assign(s->model->num_inputs, 0);
    s->session = std::make_unique<mtc::Session>(*s->model, 1);
  } catch (const mtc::Error &e) {
    s->creationError = e.what();
  } catch (...) {
    delete s;
    return nullptr;
  }
  s->error = s->creationError;
  return s;
}

int mtc_init_weights(mtc_session *session, uint64_t seed) {
  return guarded(session, [&] {
    session->lastBatch = -1;
    session->session->initWeights(seed);
  });
}

int mtc_load_weights(mtc_session *session, const char *path) {
  return guarded(session, [&] {
    session->lastBatch = -1;
    if (!path)
      throw mtc::Error("weights path is NULL");
    session->session->loadWeights(path);
  });
}

int mtc_save_weights(mtc_session *session, const char *path) {
  return guarded(session, [&] {
    if (!path)
      throw mtc::Error("weights path is NULL");
    if (!session->session->hasWeights())
      throw mtc::Error("no weights to save: call mtc_init_weights or "
                       "mtc_load_weights first");
    const mtc_model &m = *session->model;
    mtc::saveWeights(path, session->session->parameters(),
                     {{"fingerprint", m.fingerprint}, {"model", m.name}});
  });
}

int mtc_parameter(mtc_session *session, int index, const float **data,
                  int64_t *num_elements) {
  return guarded(session, [&] {
    if (index < 0 || index >= session->model->num_params)
      throw mtc::Error(fmt::format("parameter index {} is out of range [0, {})",
                                   index, session->model->num_params));
    if (!session->session->hasWeights())
      throw mtc::Error("the weights are unset: call mtc_init_weights or "
                       "mtc_load_weights first");
    const mtc::ParameterStore &params = session->session->parameters();
    if (data)
      *data = params.data(index);
    if (num_elements)
      *num_elements = params.numElements(index);
  });
}

const char *mtc_info_json(mtc_session *session) {
  if (!session)
    return "";
  if (session->infoJson.empty() && guarded(session, [&] {
                                     session->infoJson =
                                         mtc::infoJson(*session->model).dump(2);
                                   }) != 0)
    return "";
  return session->infoJson.c_str();
}

int mtc_command(mtc_session *session, int argc, const char *const *argv) {
  int status = 1;
  int guard = guarded(session, [&] {
    if (argc < 1 || !argv)
      throw mtc::Error("mtc_command needs argv[0] (the program name)");
    // CLI11 takes char **; it does not write through them.
    std::vector<std::string> copies(argv, argv + argc);
    std::vector<char *> args;
    for (std::string &a : copies)
      args.push_back(a.data());
    std::string error;
    status = mtc::runCommandLine(*session->model, argc, args.data(), &error);
    if (status != 0)
      throw mtc::Error(error);
  });
  return guard == 0 ? 0 : std::max(status, 1);
}

int mtc_bind_input(mtc_session *session, const char *name, const void *data,
                   int64_t batch) {
  return guarded(session, [&] {
    int i = inputIndex(*session, name);
    if (!data)
      throw mtc::Error(fmt::format("input '{}': data is NULL", name));
    if (batch < 0)
      throw mtc::Error(
          fmt::format("input '{}': batch {} is negative", name, batch));
    session->inputs[i] = data;
    session->inputRows[i] = batch;
  });
}

int mtc_run(mtc_session *session, int64_t batch) {
  return guarded(session, [&] { run(*session, batch); });
}

const void *mtc_output(mtc_session *session, const char *name,
                       int64_t *num_elements) {
  const void *result = nullptr;
  int64_t count = 0;
  guarded(session, [&] {
    int i = name ? mtc::findOutput(*session->model, name) : -1;
    if (i < 0)
      throw mtc::Error(
          fmt::format("the model has no output '{}'", name ? name : "(null)"));
    if (session->lastBatch < 0)
      throw mtc::Error("no output yet: mtc_run has not succeeded");
    result = session->outputs.empty() ? nullptr : session->outputs[i].data();
    count = session->lastBatch * mtc::rowElements(session->model->outputs[i]);
  });
  if (num_elements)
    *num_elements = count;
  return result;
}

const char *mtc_error(const mtc_session *session) {
  if (!session)
    return "no session (mtc_create returned NULL: out of memory)";
  return session->error.c_str();
}

void mtc_destroy(mtc_session *session) { delete session; }

const mtc_model *mtc_model_of(const mtc_session *session) {
  return session ? session->model : nullptr;
}

int mtc_num_inputs(const mtc_session *session) {
  return session ? session->model->num_inputs : 0;
}

const mtc_tensor_info *mtc_input_info(const mtc_session *session, int index) {
  if (!session || index < 0 || index >= session->model->num_inputs)
    return nullptr;
  return &session->model->inputs[index];
}

int mtc_num_outputs(const mtc_session *session) {
  return session ? session->model->num_outputs : 0;
}

const mtc_tensor_info *mtc_output_info(const mtc_session *session, int index) {
  if (!session || index < 0 || index >= session->model->num_outputs)
    return nullptr;
  return &session->model->outputs[index];
}

int mtc_num_tasks(const mtc_session *session) {
  return session ? session->model->num_tasks : 0;
}

const mtc_task_info *mtc_task(const mtc_session *session, int index) {
  if (!session || index < 0 || index >= session->model->num_tasks)
    return nullptr;
  return &session->model->tasks[index];
}

} // extern "C"
