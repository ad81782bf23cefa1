/* run_names.h - readable names for runs created without one ("brave-otter-417"), in the spirit
 * of MLflow's generated adjective-noun-number names. */
#ifndef LLMOPS_TRACKING_RUN_NAMES_H
#define LLMOPS_TRACKING_RUN_NAMES_H

#include <stddef.h>

#define RUN_NAME_GENERATED_SIZE 48

/* Fill out (at least RUN_NAME_GENERATED_SIZE bytes) with "<adjective>-<noun>-<0..999>". */
void run_names_generate(char *out, size_t size);

#endif
