/* Benchmark twin of bench/scenarios/get-check in C: one GET and one check
 * per iteration, no sleep. */
#include <stdbool.h>

#include "volley.h"

static char *url;

int scenario_vu_init(const volley_bytes *setup_data) {
    (void)setup_data;
    url = volley_env("TARGET_URL", "http://127.0.0.1:3030/health");
    return 0;
}

int scenario_iteration(const char *exec) {
    (void)exec;
    volley_request req = {.url = url, .discard_body = true};
    volley_response res = volley_send(&req);
    volley_check("status is 200", res.status == 200);
    volley_response_free(&res);
    return 0;
}
