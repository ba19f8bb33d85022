/*
 * The C SDK: volley.h's helpers over the generated bindings (scenario.h, made
 * by `volley-guest-tools c-bindings`), and the lifecycle exports that call
 * the scenario_* functions a scenario defines.
 */
#include "volley.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scenario.h"

static scenario_string_t borrow(const char *s) {
    scenario_string_t out = {(uint8_t *)s, s ? strlen(s) : 0};
    return out;
}

/* A NUL-terminated string made of a canonical-ABI list the host handed
 * over (which it owns no more). An empty list was not allocated: its
 * pointer is only the alignment that cabi_realloc returns for size 0. */
static char *take_bytes(uint8_t **ptr, size_t len) {
    char *out = len ? realloc(*ptr, len + 1) : malloc(1);
    if (out == NULL) abort();
    out[len] = '\0';
    *ptr = NULL;
    return out;
}

static char *take(scenario_string_t *s) {
    char *out = take_bytes(&s->ptr, s->len);
    s->len = 0;
    return out;
}

/* Free a canonical-ABI allocation the host made, unless it is empty. */
static void release(void *ptr, size_t len) {
    if (len) free(ptr);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* --- failures ------------------------------------------------------------- */

static char *failure;

void volley_fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    free(failure);
    failure = msg;
}

static bool fail_with(scenario_string_t *err, const char *stage) {
    if (failure != NULL) {
        scenario_string_dup(err, failure);
        free(failure);
        failure = NULL;
    } else {
        char msg[96];
        snprintf(msg, sizeof msg, "%s returned non-zero", stage);
        scenario_string_dup(err, msg);
    }
    return false;
}

/* --- lifecycle exports ---------------------------------------------------- */

__attribute__((weak)) const char *scenario_options(void) { return "{}"; }
__attribute__((weak)) int scenario_setup(volley_bytes *data) {
    data->ptr = NULL;
    data->len = 0;
    return 0;
}
__attribute__((weak)) int scenario_vu_init(const volley_bytes *data) {
    (void)data;
    return 0;
}
__attribute__((weak)) int scenario_teardown(const volley_bytes *data) {
    (void)data;
    return 0;
}

void exports_volley_scenario_lifecycle_options(scenario_string_t *ret) {
    scenario_string_dup(ret, scenario_options());
}

bool exports_volley_scenario_lifecycle_setup(scenario_list_u8_t *ret, scenario_string_t *err) {
    volley_bytes data = {NULL, 0};
    if (scenario_setup(&data) != 0) {
        free(data.ptr);
        return fail_with(err, "scenario_setup");
    }
    ret->ptr = data.ptr;
    ret->len = data.len;
    return true;
}

static bool with_data(scenario_list_u8_t *setup_data, scenario_string_t *err,
                      int (*stage)(const volley_bytes *), const char *name) {
    volley_bytes data = {setup_data->len ? setup_data->ptr : NULL, setup_data->len};
    int rc = stage(&data);
    release(setup_data->ptr, setup_data->len);
    return rc == 0 ? true : fail_with(err, name);
}

bool exports_volley_scenario_lifecycle_vu_init(scenario_list_u8_t *setup_data, scenario_string_t *err) {
    return with_data(setup_data, err, scenario_vu_init, "scenario_vu_init");
}

bool exports_volley_scenario_lifecycle_teardown(scenario_list_u8_t *setup_data, scenario_string_t *err) {
    return with_data(setup_data, err, scenario_teardown, "scenario_teardown");
}

bool exports_volley_scenario_lifecycle_iteration(scenario_string_t *exec, scenario_string_t *err) {
    char *name = take(exec);
    int rc = scenario_iteration(name);
    free(name);
    return rc == 0 ? true : fail_with(err, "scenario_iteration");
}

/* --- HTTP ----------------------------------------------------------------- */

static const char *const METHODS[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

static double ms(uint64_t ns) { return (double)ns / 1e6; }

static void to_response(volley_scenario_http_response_t *r, volley_response *out) {
    out->status = r->status;
    out->body_len = r->body.len;
    out->body = take_bytes(&r->body.ptr, r->body.len);
    out->url = take(&r->url);
    volley_scenario_http_timings_t *t = &r->timings;
    out->timings = (volley_timings){ms(t->blocked), ms(t->connecting), ms(t->tls_handshaking),
                                    ms(t->sending),  ms(t->waiting),    ms(t->receiving),
                                    ms(t->duration)};
    out->n_headers = r->headers.len;
    out->headers = calloc(r->headers.len ? r->headers.len : 1, sizeof(volley_header));
    if (out->headers == NULL) abort();
    for (size_t i = 0; i < r->headers.len; i++) {
        out->headers[i].name = take(&r->headers.ptr[i].f0);
        out->headers[i].value = take(&r->headers.ptr[i].f1);
    }
    release(r->headers.ptr, r->headers.len);
}

volley_response volley_send(const volley_request *req) {
    volley_scenario_http_request_t r;
    memset(&r, 0, sizeof r);
    const char *method = req->method ? req->method : "GET";
    r.method.tag = VOLLEY_SCENARIO_HTTP_METHOD_OTHER;
    r.method.val.other = borrow(method);
    for (uint8_t i = 0; i < sizeof METHODS / sizeof *METHODS; i++) {
        if (strcasecmp(method, METHODS[i]) == 0) r.method.tag = i;
    }
    r.url = borrow(req->url);
    size_t n = req->n_headers + (req->json ? 1 : 0);
    volley_scenario_http_header_t *headers = calloc(n ? n : 1, sizeof *headers);
    if (headers == NULL) abort();
    for (size_t i = 0; i < req->n_headers; i++) {
        headers[i].f0 = borrow(req->headers[i].name);
        headers[i].f1 = borrow(req->headers[i].value);
    }
    const char *body = req->body;
    size_t body_len = req->body_len;
    if (req->json) {
        headers[req->n_headers].f0 = borrow("content-type");
        headers[req->n_headers].f1 = borrow("application/json");
        body = req->json;
        body_len = 0;
    }
    if (body != NULL && body_len == 0) body_len = strlen(body);
    r.headers = (volley_scenario_http_list_header_t){headers, n};
    r.body = (scenario_list_u8_t){(uint8_t *)body, body ? body_len : 0};
    if (req->timeout_s > 0) {
        r.timeout.is_some = true;
        r.timeout.val = (uint64_t)(req->timeout_s * 1e9);
    }
    if (req->name) {
        r.name.is_some = true;
        r.name.val = borrow(req->name);
    }
    r.discard_body = req->discard_body;

    volley_scenario_http_response_t res;
    volley_scenario_http_error_t err;
    volley_response out;
    memset(&out, 0, sizeof out);
    if (volley_scenario_http_send(&r, &res, &err)) {
        to_response(&res, &out);
        out.error_kind = VOLLEY_OK;
    } else {
        out.error_kind = (volley_error_kind)err.tag;
        if (err.tag == VOLLEY_SCENARIO_HTTP_ERROR_TIMEOUT) {
            out.error = strdup("request timed out");
        } else {
            /* every other case carries a message at the same place */
            out.error = take(&err.val.dns);
        }
        out.body = strdup("");
        out.url = strdup(req->url ? req->url : "");
    }
    free(headers);
    return out;
}

volley_response volley_get(const char *url, const char *name) {
    volley_request req = {.url = url, .name = name};
    return volley_send(&req);
}

volley_response volley_post_json(const char *url, const char *json, const char *name) {
    volley_request req = {.method = "POST", .url = url, .json = json, .name = name};
    return volley_send(&req);
}

const char *volley_response_header(const volley_response *res, const char *name) {
    for (size_t i = 0; i < res->n_headers; i++) {
        if (strcasecmp(res->headers[i].name, name) == 0) return res->headers[i].value;
    }
    return NULL;
}

void volley_response_free(volley_response *res) {
    for (size_t i = 0; i < res->n_headers; i++) {
        free((char *)res->headers[i].name);
        free((char *)res->headers[i].value);
    }
    free(res->headers);
    free(res->body);
    free(res->url);
    free(res->error);
    memset(res, 0, sizeof *res);
}

char *volley_json_field(const char *json, const char *key) {
    size_t klen = strlen(key);
    for (const char *p = json; p && (p = strchr(p, '"')) != NULL; p++) {
        if (strncmp(p + 1, key, klen) != 0 || p[1 + klen] != '"') continue;
        const char *v = p + 2 + klen;
        while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r') v++;
        if (*v != ':') continue;
        v++;
        while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r') v++;
        const char *end;
        if (*v == '"') {
            v++;
            end = strchr(v, '"');
            if (end == NULL) return NULL;
        } else {
            end = v + strcspn(v, ",}] \t\r\n");
        }
        return strndup(v, (size_t)(end - v));
    }
    return NULL;
}

/* --- the virtual user ------------------------------------------------------ */

bool volley_check(const char *name, bool ok) {
    scenario_string_t n = borrow(name);
    volley_scenario_vu_tags_t tags = {NULL, 0};
    return volley_scenario_vu_check(&n, ok, &tags);
}

void volley_sleep(double seconds) {
    volley_scenario_vu_sleep(seconds > 0 ? (uint64_t)(seconds * 1e9) : 0);
}

void volley_group_begin(const char *name) {
    scenario_string_t n = borrow(name);
    volley_scenario_vu_enter_group(&n);
}

void volley_group_end(void) { volley_scenario_vu_exit_group(); }

void volley_log(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    int len = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (len < 0) return;
    scenario_string_t s = {(uint8_t *)msg, (size_t)len};
    volley_scenario_vu_log(VOLLEY_SCENARIO_VU_LOG_LEVEL_INFO, &s);
    free(msg);
}

char *volley_env(const char *key, const char *fallback) {
    scenario_string_t k = borrow(key), value;
    if (volley_scenario_vu_env(&k, &value)) return take(&value);
    return dup_or_null(fallback);
}

/* The current VU's id and iteration (the scenario name is dropped). */
static volley_scenario_vu_vu_info_t vu_info(void) {
    volley_scenario_vu_vu_info_t info;
    volley_scenario_vu_info(&info);
    scenario_string_free(&info.scenario);
    return info;
}

uint32_t volley_vu_id(void) { return vu_info().id; }

uint64_t volley_vu_iteration(void) { return vu_info().iteration; }

uint64_t volley_random_u64(void) { return volley_scenario_vu_random(); }

uint64_t volley_random_below(uint64_t n) {
    if (n == 0) return 0;
    return (uint64_t)(((unsigned __int128)volley_scenario_vu_random() * n) >> 64);
}

void volley_abort(const char *reason) {
    scenario_string_t r = borrow(reason);
    volley_scenario_vu_abort(&r);
    abort();
}

/* --- custom metrics ---------------------------------------------------------- */

uint32_t volley_metric(const char *name, volley_metric_kind kind, bool is_time) {
    scenario_string_t n = borrow(name), err;
    uint32_t id;
    volley_scenario_metrics_value_type_t vt =
        is_time ? VOLLEY_SCENARIO_METRICS_VALUE_TYPE_TIME : VOLLEY_SCENARIO_METRICS_VALUE_TYPE_DEFAULT;
    if (volley_scenario_metrics_define(&n, (uint8_t)kind, vt, &id, &err)) return id;
    volley_scenario_vu_log(VOLLEY_SCENARIO_VU_LOG_LEVEL_ERROR, &err);
    scenario_string_free(&err);
    return UINT32_MAX;
}

void volley_metric_add(uint32_t metric, double value) {
    if (metric == UINT32_MAX) return;
    volley_scenario_metrics_tags_t tags = {NULL, 0};
    volley_scenario_metrics_add(metric, value, &tags);
}

/* --- data sets --------------------------------------------------------------- */

int64_t volley_data_len(const char *name) {
    scenario_string_t n = borrow(name);
    uint64_t len;
    return volley_scenario_data_len(&n, &len) ? (int64_t)len : -1;
}

char *volley_data_get(const char *name, uint64_t index) {
    scenario_string_t n = borrow(name), value;
    return volley_scenario_data_get(&n, index, &value) ? take(&value) : NULL;
}
