/* clock.h - time as the platform stores it: integer milliseconds since the epoch, UTC, plus a
 * monotonic clock for measuring durations. */
#ifndef LLMOPS_BASE_CLOCK_H
#define LLMOPS_BASE_CLOCK_H

#include <stdint.h>

int64_t clock_now_ms(void);  /* wall clock, ms since 1970-01-01 UTC */
int64_t clock_mono_us(void); /* monotonic, microseconds, for durations */
void clock_sleep_ms(int64_t ms);

#endif
