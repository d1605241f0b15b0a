/*
 * base/time.h: clocks. Layer: base. Thread-safe.
 */
#ifndef SF_BASE_TIME_H
#define SF_BASE_TIME_H

#include <stdint.h>

/* Monotonic clock in nanoseconds, for measuring durations. */
uint64_t sf_now_ns(void);
/* Wall clock in milliseconds since the epoch (UTC). */
int64_t sf_wall_ms(void);

#endif
