/* Benchmark scenario for memory per idle VU in C: sleep 1 s per iteration. */
#include "volley.h"

int scenario_iteration(const char *exec) {
    (void)exec;
    volley_sleep(1.0);
    return 0;
}
