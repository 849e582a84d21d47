/* model_abi.h - what a compiled model gives the runtime.
 *
 * `mtc` generates one C++ file per model that defines `mtc_model_get()`;
 * the runtime (CLI, C API) only ever sees the model through this struct.
 * Plain C so the generated code and the embedding header stay simple.
 */
#ifndef MTC_MODEL_ABI_H
#define MTC_MODEL_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { MTC_F32 = 0, MTC_I32 = 1, MTC_U8 = 2 } mtc_dtype;

/* Halide's parallel-loop interface (halide_task_t, halide_do_par_for_t):
 * the runtime's thread pool implements it. */
typedef int (*mtc_task_fn)(void *user_context, int index, uint8_t *closure);
typedef int (*mtc_do_par_for_fn)(void *user_context, mtc_task_fn task, int min,
                                 int size, uint8_t *closure);

/* An input or output tensor. shape[0] == -1 is the batch dimension. */
typedef struct {
  const char *name;      /* dataset name: "x", "tokens", "task"; outputs: task name */
  mtc_dtype dtype;
  int rank;
  const int64_t *shape;
  int64_t id_bound;      /* i32 ids must lie in [0, id_bound); 0 = unchecked */
} mtc_tensor_info;

/* A parameter, named as in PyTorch's state_dict. */
typedef struct {
  const char *name;
  int rank;
  const int64_t *shape;
  const char *init;      /* "zeros" | "ones" | "uniform" | "normal" */
  double scale;          /* U(-scale, scale) or N(0, scale^2) */
} mtc_param_info;

typedef struct {
  const char *name;
  const char *kind;      /* "cross_entropy" | "binary_cross_entropy" | "mse" */
  int64_t classes;       /* last dimension of the task's output */
  int output;            /* index into outputs */
  double weight;         /* the loss weight w_j the model file gives the task */
} mtc_task_info;

/* Runs the forward entry point for `batch` examples. inputs/params/outputs
 * follow the order of the tables below; every buffer is dense row-major
 * with the batch dimension set to `batch`. `arena` holds at least
 * arena_static_bytes + batch * arena_bytes_per_example bytes, 64-byte
 * aligned. Returns 0, or a non-zero Halide error code (the message went
 * to the Halide error handler). */
typedef int (*mtc_forward_fn)(void *arena, int64_t batch,
                              const void *const *inputs,
                              const float *const *params,
                              void *const *outputs);

/* Per-task sums an eval step accumulates over a batch, 5 floats per task:
 * loss sum, labelled examples, correct predictions (classification: argmax
 * or logit > 0 equals the label), squared-error sum and absolute-error sum
 * (regression; per element, divided by the element count per example). */
enum { MTC_EVAL_LOSS_SUM = 0, MTC_EVAL_COUNT, MTC_EVAL_CORRECT,
       MTC_EVAL_SQUARED_ERROR, MTC_EVAL_ABSOLUTE_ERROR, MTC_EVAL_FIELDS };

/* One optimizer step on a batch. `current` holds the parameters (in the
 * order of mtc_model.params) then the training state (mtc_training.state);
 * `updated` receives their new values in the same order and never aliases
 * `current` (the runtime swaps them after the step). `hyper` follows
 * mtc_training.hyper_names. `losses` receives the total loss then the T
 * per-task losses (means over the examples labelled for each task).
 *
 * Data parallel: the batch is this rank's rows of a global batch, starting
 * at row `first_row` of it (0 in one process); the step sums its labelled
 * counts, losses and gradients over the ranks through the hook that
 * mtc_training.set_all_reduce installed, so every rank makes the update of
 * the global batch and receives its losses. */
typedef int (*mtc_train_step_fn)(void *arena, int64_t batch,
                                 const void *const *inputs,
                                 const void *const *labels,
                                 const float *const *current,
                                 float *const *updated, const float *hyper,
                                 uint64_t seed, int64_t first_row,
                                 float *losses);

/* Sums `count` tensors over the ranks: out[i][k] = the sum over ranks of
 * in[i][k], for k < sizes[i]; in[i] and out[i] do not overlap. Returns 0,
 * or non-zero when the reduction failed. */
typedef int (*mtc_all_reduce_fn)(void *user, int count, const float *const *in,
                                 float *const *out, const int64_t *sizes);

/* Accumulates (adds into) `sums`: MTC_EVAL_FIELDS floats per task. */
typedef int (*mtc_eval_step_fn)(void *arena, int64_t batch,
                                const void *const *inputs,
                                const void *const *labels,
                                const float *const *params, float *sums);

/* What a model compiled for training adds. */
typedef struct {
  int num_labels;
  const mtc_tensor_info *labels; /* "y.<task>" per task, then "mask" (u8 [N,T]) if used */
  int num_state;
  const mtc_param_info *state;   /* optimizer and balancing state, after the params */
  int num_hyper;
  const char *const *hyper_names; /* "lr", "step", "beta1", ... then "task_weight.<task>" */
  const char *balance;            /* "static" | "uncertainty" | "dwa" | "gradnorm" */
  const char *surgery;            /* "none" | "pcgrad" */
  int64_t train_arena_static_bytes;
  int64_t train_arena_bytes_per_example;
  int64_t eval_arena_static_bytes;
  int64_t eval_arena_bytes_per_example;
  mtc_train_step_fn train_step_adam; /* Adam and AdamW (hyper "decoupled") */
  mtc_train_step_fn train_step_sgd;  /* SGD, momentum, Nesterov */
  mtc_eval_step_fn eval_step;
  /* Installs the train steps' reduction over the ranks; NULL (the
   * default): one process, each sum is its own operand. */
  void (*set_all_reduce)(mtc_all_reduce_fn hook, void *user);
  int64_t all_reduce_floats; /* floats one train step sums over the ranks */
} mtc_training;

typedef struct {
  const char *name;          /* the model file's base name */
  const char *fingerprint;   /* hex hash of the compiled IR */
  const char *target;        /* Halide target string the kernels were built for */
  int num_required_cpu_features;
  const char *const *required_cpu_features; /* e.g. "avx2", "fma", "avx512f" */
  int num_inputs;
  const mtc_tensor_info *inputs;
  int num_outputs;
  const mtc_tensor_info *outputs;
  int num_params;
  const mtc_param_info *params;
  int num_tasks;
  const mtc_task_info *tasks;
  int64_t arena_static_bytes;
  int64_t arena_bytes_per_example;
  int num_kernels;
  const char *const *kernel_names;
  mtc_forward_fn forward;
  /* Routes kernel error messages (Halide's error handler) to `handler`;
   * the generated code calls halide_set_error_handler, so the runtime
   * itself needs no Halide symbols. */
  void (*install_error_handler)(void (*handler)(void *user_context,
                                                const char *message));
  const mtc_training *training; /* NULL: compiled for inference only */
  /* Runs the kernels' parallel loops through `do_par_for` (the generated
   * code calls halide_set_custom_do_par_for); NULL: Halide's own pool. */
  void (*install_do_par_for)(mtc_do_par_for_fn do_par_for);
} mtc_model;

/* Defined by the generated code of each compiled model. */
const mtc_model *mtc_model_get(void);

#ifdef __cplusplus
}
#endif

#endif /* MTC_MODEL_ABI_H */
