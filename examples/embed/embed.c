/* embed.c - runs a model compiled with `mtc --emit=library` from C.
 *
 *   mtc examples/multitask_small.mlir --emit=library -o small.a   (writes small.h too)
 *   cc -I. embed.c small.a -lfmt -lstdc++ -lm -lpthread -ldl -o embed
 *   ./embed [weights.safetensors]
 *
 * Builds a deterministic batch (x[b][s][f] = sin(0.01 * flat index), task
 * ids b % 3), initialises the weights from seed 7 (or loads them), runs the
 * model and prints every output value, one per line, as "name[i] value".
 */
#include "small.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { kBatch = 3 };

int main(int argc, char **argv) {
  mtc_session *session = mtc_create();
  if (!session) {
    fprintf(stderr, "embed: out of memory\n");
    return 1;
  }
  int status = argc > 1 ? mtc_load_weights(session, argv[1])
                        : mtc_init_weights(session, 7);
  if (status != 0) {
    fprintf(stderr, "embed: %s\n", mtc_error(session));
    mtc_destroy(session);
    return 1;
  }

  /* One buffer per model input, filled by the rule above. */
  int num_inputs = mtc_num_inputs(session);
  void *buffers[8] = {0};
  for (int i = 0; i < num_inputs && i < 8; ++i) {
    const mtc_tensor_info *info = mtc_input_info(session, i);
    int64_t per_example = 1;
    for (int d = 1; d < info->rank; ++d)
      per_example *= info->shape[d];
    int64_t count = per_example * kBatch;
    if (info->dtype == MTC_F32) {
      float *x = malloc(sizeof(float) * count);
      for (int64_t k = 0; k < count; ++k)
        x[k] = sinf(0.01f * (float)k);
      buffers[i] = x;
    } else {
      int32_t *ids = malloc(sizeof(int32_t) * count);
      for (int64_t k = 0; k < count; ++k)
        ids[k] = (int32_t)((k / per_example) % 3);
      buffers[i] = ids;
    }
    if (mtc_bind_input(session, info->name, buffers[i], kBatch) != 0) {
      fprintf(stderr, "embed: %s\n", mtc_error(session));
      return 1;
    }
  }

  if (mtc_run(session, kBatch) != 0) {
    fprintf(stderr, "embed: %s\n", mtc_error(session));
    return 1;
  }
  for (int o = 0; o < mtc_num_outputs(session); ++o) {
    const mtc_tensor_info *info = mtc_output_info(session, o);
    int64_t n = 0;
    const float *y = mtc_output(session, info->name, &n);
    for (int64_t k = 0; k < n; ++k)
      printf("%s[%lld] %.9g\n", info->name, (long long)k, y[k]);
  }
  for (int i = 0; i < 8; ++i)
    free(buffers[i]);
  mtc_destroy(session);
  return 0;
}
