/* A Volley scenario: what one virtual user does in one iteration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "volley.h"

const char *scenario_options(void) {
    return "{\"vus\": 5, \"duration\": \"10s\", \"thresholds\": {"
           "\"http_req_failed\": [\"rate<0.01\"], \"http_req_duration\": [\"p(95)<500\"]}}";
}

static char url[512];

int scenario_vu_init(const volley_bytes *setup_data) {
    (void)setup_data;
    char *base = volley_env("BASE_URL", "http://127.0.0.1:3030");
    snprintf(url, sizeof url, "%s/health", base);
    free(base);
    return 0;
}

int scenario_iteration(const char *exec) {
    (void)exec;
    /* The engine reads and counts the body; discard_body keeps it there. */
    volley_request req = {.url = url, .name = "health", .discard_body = true};
    volley_response res = volley_send(&req);
    volley_check("status is 200", res.status == 200);
    volley_response_free(&res);
    volley_sleep(1.0);
    return 0;
}
