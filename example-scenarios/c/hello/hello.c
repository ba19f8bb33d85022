/*
 * The smallest useful scenario, in C: each iteration lists the demo shop's
 * products, checks the answer, and pauses half a second like a user would.
 * The same flow as example-scenarios/rust/hello.
 *
 *   bash scripts/build-c.sh example-scenarios/c/hello
 *   volley run target/c/hello.wasm --with-demo-target
 */
#include <stdlib.h>
#include <string.h>

#include "volley.h"

const char *scenario_options(void) {
    return "{"
           "  \"vus\": 5,"
           "  \"duration\": \"10s\","
           "  \"thresholds\": {"
           "    \"http_req_failed\": [\"rate<0.01\"],"
           "    \"http_req_duration\": [\"p(95)<200\"],"
           "    \"checks\": [\"rate>0.99\"]"
           "  }"
           "}";
}

static char *base;
static char *products_url;

int scenario_vu_init(const volley_bytes *setup_data) {
    (void)setup_data;
    base = volley_env("BASE_URL", "http://127.0.0.1:3030");
    products_url = malloc(strlen(base) + sizeof "/products");
    strcpy(products_url, base);
    strcat(products_url, "/products");
    return 0;
}

static size_t count(const char *haystack, const char *needle) {
    size_t n = 0;
    for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

int scenario_iteration(const char *exec) {
    (void)exec;
    volley_response res = volley_get(products_url, "products");
    if (res.error) {
        volley_fail("GET %s: %s", products_url, res.error);
        volley_response_free(&res);
        return 1;
    }
    volley_check("status is 200", res.status == 200);
    volley_check("lists 20 products", count(res.body, "\"id\"") == 20);
    volley_response_free(&res);
    volley_sleep(0.5);
    return 0;
}
