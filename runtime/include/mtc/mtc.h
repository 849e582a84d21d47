/* mtc.h - embedding a model compiled by mtc.
 *
 * Link the model's library (it defines mtc_model_get()) and mtc_runtime,
 * then:
 *
 *   mtc_session *s = mtc_create();
 *   if (mtc_load_weights(s, "w.safetensors") != 0)   // or mtc_init_weights
 *     fprintf(stderr, "%s\n", mtc_error(s));
 *   mtc_bind_input(s, "x", x, batch);                // every model input
 *   mtc_bind_input(s, "task", task, batch);
 *   if (mtc_run(s, batch) != 0)
 *     fprintf(stderr, "%s\n", mtc_error(s));
 *   int64_t n;
 *   const float *y = mtc_output(s, "sentiment", &n); // [batch, classes]
 *   mtc_destroy(s);
 *
 * Tensors are dense row-major with the batch dimension first; the tables
 * (mtc_input_info, ...) give each one's dtype and shape (shape[0] == -1
 * stands for the batch). Functions returning int return 0 on success and
 * non-zero on failure, with mtc_error() describing it. No C++ exception
 * crosses this interface. A session is not thread-safe: use one session
 * per thread.
 */
#ifndef MTC_MTC_H
#define MTC_MTC_H

#include "mtc/model_abi.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mtc_session mtc_session;

/* Creates a session for the linked model (mtc_model_get()). Returns NULL
 * only when out of memory. If this CPU lacks a feature the kernels were
 * compiled for, the session is still returned, every call on it fails and
 * mtc_error() says which feature is missing. The weights start unset. */
mtc_session *mtc_create(void);

/* Draws every parameter from its PyTorch init, seeded by `seed`; the same
 * seed gives the same weights as `<model> init --seed`. */
int mtc_init_weights(mtc_session *session, uint64_t seed);

/* Loads every parameter from a safetensors file (names as in the model's
 * parameter table, F32, exact shapes). On failure the weights stay as they
 * were. */
int mtc_load_weights(mtc_session *session, const char *path);

/* Writes the weights to a safetensors file (atomically), as `init` does. */
int mtc_save_weights(mtc_session *session, const char *path);

/* Parameter `index` (the parameter table's order) of the weights: `*data`
 * receives a read-only view of its elements, `*num_elements` their count.
 * Valid until the weights next change. Fails while the weights are unset. */
int mtc_parameter(mtc_session *session, int index, const float **data,
                  int64_t *num_elements);

/* Binds input `name` to `data`: `batch` rows of the input's dtype and
 * non-batch shape. The data is not copied; it must stay valid until
 * mtc_run returns. */
int mtc_bind_input(mtc_session *session, const char *name, const void *data,
                   int64_t batch);

/* Runs the model on the first `batch` rows of every bound input (each must
 * be bound with at least `batch` rows). Integer ids are checked against the
 * model's bounds first. A batch larger than any before grows the arena,
 * the session's only allocation. */
int mtc_run(mtc_session *session, int64_t batch);

/* Output `name` of the last successful mtc_run, dense [batch, ...] of the
 * output's dtype; `*num_elements` (if not NULL) receives its element
 * count. Valid until the next mtc_run or mtc_destroy. NULL (and
 * mtc_error set) for an unknown name or before any run. */
const void *mtc_output(mtc_session *session, const char *name,
                       int64_t *num_elements);

/* The last failure's message; "" after success. Never NULL; for a NULL
 * session it says that no session exists. */
const char *mtc_error(const mtc_session *session);

void mtc_destroy(mtc_session *session);

/* Runs one of the executable's commands (info, init, predict, train, eval)
 * in this process: argv[0] is the program name, then the command and its
 * options, e.g. {"model", "train", "--data", "t.safetensors", ...}. Output
 * goes where the executable writes it (the progress line to stderr, --json
 * to stdout); a failure's message goes to mtc_error() instead of stderr.
 * Returns the executable's exit status: 0, 1 (bad input) or 2 (usage). The
 * session's weights are not touched: load a checkpoint after `train`. */
int mtc_command(mtc_session *session, int argc, const char *const *argv);

/* The model's tables as JSON, what `<model> info --json` prints. Owned by
 * the session; "" for a NULL session or a failure (see mtc_error). */
const char *mtc_info_json(mtc_session *session);

/* The model's tables. Index out of range: NULL. */
const mtc_model *mtc_model_of(const mtc_session *session);
int mtc_num_inputs(const mtc_session *session);
const mtc_tensor_info *mtc_input_info(const mtc_session *session, int index);
int mtc_num_outputs(const mtc_session *session);
const mtc_tensor_info *mtc_output_info(const mtc_session *session, int index);
int mtc_num_tasks(const mtc_session *session);
const mtc_task_info *mtc_task(const mtc_session *session, int index);

#ifdef __cplusplus
}
#endif

#endif /* MTC_MTC_H */
