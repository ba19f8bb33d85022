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
#include <time.h>

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

static char *dup_bytes(const char *s, size_t len) {
    char *out = malloc(len + 1);
    if (out == NULL) abort();
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

/* --- buffered checks and metric values ---------------------------------- */

#define MAX_BUFFERED 256

static volley_scenario_metrics_entry_t entries[MAX_BUFFERED];
static size_t n_entries;

uint64_t volley_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void volley_flush(void) {
    if (n_entries == 0) return;
    volley_scenario_metrics_list_entry_t list = {entries, n_entries};
    volley_scenario_metrics_record_batch(&list);
    for (size_t i = 0; i < n_entries; i++) {
        if (entries[i].tag == VOLLEY_SCENARIO_METRICS_ENTRY_CHECK) free(entries[i].val.check.name.ptr);
    }
    n_entries = 0;
}

static volley_scenario_metrics_entry_t *next_entry(void) {
    if (n_entries == MAX_BUFFERED) volley_flush();
    volley_scenario_metrics_entry_t *e = &entries[n_entries++];
    memset(e, 0, sizeof *e);
    return e;
}

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
    int rc = scenario_setup(&data);
    volley_flush();
    if (rc != 0) {
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
    volley_flush();
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
    volley_flush();
    free(name);
    return rc == 0 ? true : fail_with(err, "scenario_iteration");
}

struct volley_summary {
    exports_volley_scenario_lifecycle_summary_file_t *files;
    size_t len, cap;
};

void volley_summary_add(volley_summary *out, const char *path, const void *content, size_t len) {
    if (len == 0 && content != NULL) len = strlen(content);
    if (out->len == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 4;
        out->files = realloc(out->files, out->cap * sizeof *out->files);
        if (out->files == NULL) abort();
    }
    exports_volley_scenario_lifecycle_summary_file_t *f = &out->files[out->len++];
    scenario_string_dup(&f->path, path);
    f->content.len = len;
    f->content.ptr = malloc(len ? len : 1);
    if (f->content.ptr == NULL) abort();
    if (len) memcpy(f->content.ptr, content, len);
}

__attribute__((weak)) int scenario_handle_summary(const char *data_json, volley_summary *out) {
    (void)data_json;
    (void)out;
    return VOLLEY_NO_SUMMARY;
}

bool exports_volley_scenario_lifecycle_handle_summary(
    scenario_string_t *summary, exports_volley_scenario_lifecycle_option_list_summary_file_t *ret,
    scenario_string_t *err) {
    char *json = take(summary);
    volley_summary out = {NULL, 0, 0};
    int rc = scenario_handle_summary(json, &out);
    volley_flush();
    free(json);
    if (rc == VOLLEY_NO_SUMMARY) {
        ret->is_some = false;
        free(out.files);
        return true;
    }
    if (rc != 0) {
        for (size_t i = 0; i < out.len; i++) {
            scenario_string_free(&out.files[i].path);
            free(out.files[i].content.ptr);
        }
        free(out.files);
        return fail_with(err, "scenario_handle_summary");
    }
    ret->is_some = true;
    ret->val.ptr = out.files;
    ret->val.len = out.len;
    return true;
}

/* --- HTTP ----------------------------------------------------------------- */

static const char *const METHODS[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

static double ms(uint64_t ns) { return (double)ns / 1e6; }

static const char *const ERROR_NAMES[] = {
    "timeout", "dns", "connect", "tls", "protocol", "blocked", "invalid", "interrupted", "body too large",
    "decompression",
};

/* The response head (which the host gave up) as a volley_response; the
 * body is read now unless the request discarded or streamed it. */
static void from_head(volley_scenario_http_response_head_t *h, bool read_body, volley_response *out) {
    memset(out, 0, sizeof *out);
    out->status = h->status;
    out->status_text = take(&h->status_text);
    out->proto = take(&h->proto);
    out->url = take(&h->url);
    out->remote_ip = take(&h->remote_ip);
    out->remote_port = h->remote_port;
    volley_scenario_http_timings_t *t = &h->timings;
    out->timings = (volley_timings){ms(t->blocked), ms(t->connecting), ms(t->tls_handshaking),
                                    ms(t->sending),  ms(t->waiting),    ms(t->receiving),
                                    ms(t->duration)};
    out->body_size = h->body_size;
    out->error_code = h->error_code;
    out->expected = h->expected.is_some ? (h->expected.val ? 1 : 0) : -1;
    out->error_kind = VOLLEY_OK;
    out->handle_ = h->response.__handle;
    if (read_body) {
        scenario_list_u8_t body;
        volley_scenario_http_method_response_body(volley_scenario_http_borrow_response(h->response), &body);
        out->body_len = body.len;
        out->body = take_bytes(&body.ptr, body.len);
    } else {
        out->body = strdup("");
    }
}

static void from_error(volley_scenario_http_error_t *err, const char *url, volley_response *out) {
    memset(out, 0, sizeof *out);
    out->error_kind = (volley_error_kind)err->kind;
    out->error_code = err->code;
    out->error = take(&err->message);
    out->body = strdup("");
    out->url = strdup(url ? url : "");
    out->expected = -1;
    out->handle_ = 0;
}

/* The contract's request for req, borrowing its strings; free_request
 * frees what it allocated. */
static void to_request(const volley_request *req, volley_scenario_http_request_t *r) {
    memset(r, 0, sizeof *r);
    const char *method = req->method ? req->method : "GET";
    r->method.tag = VOLLEY_SCENARIO_HTTP_METHOD_OTHER;
    r->method.val.other = borrow(method);
    for (uint8_t i = 0; i < sizeof METHODS / sizeof *METHODS; i++) {
        if (strcasecmp(method, METHODS[i]) == 0) r->method.tag = i;
    }
    r->url = borrow(req->url);
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
    r->headers = (volley_scenario_http_list_header_t){headers, n};
    r->body = (scenario_list_u8_t){(uint8_t *)body, body ? body_len : 0};
    if (req->timeout_s > 0) {
        r->timeout.is_some = true;
        r->timeout.val = (uint64_t)(req->timeout_s * 1e9);
    }
    if (req->name) {
        r->name.is_some = true;
        r->name.val = borrow(req->name);
    }
    r->expect.tag = req->no_expectation ? VOLLEY_SCENARIO_HTTP_EXPECTATION_NONE
                                        : VOLLEY_SCENARIO_HTTP_EXPECTATION_DEFAULT;
    r->body_mode = req->stream         ? VOLLEY_SCENARIO_HTTP_BODY_MODE_STREAMED
                   : req->discard_body ? VOLLEY_SCENARIO_HTTP_BODY_MODE_DISCARD
                                       : VOLLEY_SCENARIO_HTTP_BODY_MODE_BUFFER;
    if (req->n_cookies) {
        volley_scenario_http_request_cookie_t *cookies = calloc(req->n_cookies, sizeof *cookies);
        if (cookies == NULL) abort();
        for (size_t i = 0; i < req->n_cookies; i++) {
            cookies[i].name = borrow(req->cookies[i].name);
            cookies[i].value = borrow(req->cookies[i].value);
        }
        r->cookies = (volley_scenario_http_list_request_cookie_t){cookies, req->n_cookies};
    }
}

static void free_request(volley_scenario_http_request_t *r) {
    free(r->headers.ptr);
    free(r->cookies.ptr);
}

volley_response volley_send(const volley_request *req) {
    volley_scenario_http_request_t r;
    to_request(req, &r);
    volley_flush();
    volley_scenario_http_response_head_t head;
    volley_scenario_http_error_t err;
    volley_response out;
    if (volley_scenario_http_send(&r, &head, &err)) {
        from_head(&head, !req->discard_body && !req->stream, &out);
    } else {
        from_error(&err, req->url, &out);
    }
    free_request(&r);
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

static volley_scenario_http_borrow_response_t response_of(const volley_response *res) {
    return (volley_scenario_http_borrow_response_t){res->handle_};
}

const volley_header *volley_response_headers(volley_response *res, size_t *n) {
    if (res->headers == NULL) {
        volley_scenario_http_list_header_t list = {NULL, 0};
        if (res->handle_ > 0) volley_scenario_http_method_response_headers(response_of(res), &list);
        res->n_headers = list.len;
        res->headers = calloc(list.len ? list.len : 1, sizeof(volley_header));
        if (res->headers == NULL) abort();
        for (size_t i = 0; i < list.len; i++) {
            res->headers[i].name = take(&list.ptr[i].f0);
            res->headers[i].value = take(&list.ptr[i].f1);
        }
        release(list.ptr, list.len);
    }
    if (n) *n = res->n_headers;
    return res->headers;
}

const char *volley_response_header(volley_response *res, const char *name) {
    volley_response_headers(res, NULL);
    for (size_t i = 0; i < res->n_headers; i++) {
        if (strcasecmp(res->headers[i].name, name) == 0) return res->headers[i].value;
    }
    return NULL;
}

void volley_response_free(volley_response *res) {
    if (res->headers) {
        for (size_t i = 0; i < res->n_headers; i++) {
            free((char *)res->headers[i].name);
            free((char *)res->headers[i].value);
        }
        free(res->headers);
    }
    if (res->handle_ > 0) {
        volley_scenario_http_response_drop_own((volley_scenario_http_own_response_t){res->handle_});
    }
    free(res->body);
    free(res->url);
    free(res->error);
    free(res->status_text);
    free(res->proto);
    free(res->remote_ip);
    memset(res, 0, sizeof *res);
}

volley_pending volley_start(const volley_request *req) {
    volley_scenario_http_request_t r;
    to_request(req, &r);
    volley_flush();
    volley_pending p = {volley_scenario_http_start(&r).__handle, strdup(req->url ? req->url : "")};
    free_request(&r);
    return p;
}

bool volley_pending_ready(const volley_pending *p) {
    return volley_scenario_http_method_pending_is_ready((volley_scenario_http_borrow_pending_t){p->handle_});
}

volley_response volley_wait(volley_pending *p) {
    volley_flush();
    volley_scenario_http_response_head_t head;
    volley_scenario_http_error_t err;
    volley_response out;
    if (volley_scenario_http_method_pending_wait((volley_scenario_http_borrow_pending_t){p->handle_}, &head, &err)) {
        from_head(&head, true, &out);
    } else {
        from_error(&err, p->url_, &out);
    }
    volley_scenario_http_pending_drop_own((volley_scenario_http_own_pending_t){p->handle_});
    free(p->url_);
    p->url_ = NULL;
    p->handle_ = 0;
    return out;
}

static int stream_failed(volley_scenario_http_error_t *err) {
    char *msg = take(&err->message);
    volley_fail("%s (%s, error code %u)", msg, ERROR_NAMES[err->kind < 10 ? err->kind : 6], (unsigned)err->code);
    free(msg);
    return -1;
}

int volley_read_chunk(volley_response *res, uint32_t max, volley_chunk *out) {
    memset(out, 0, sizeof *out);
    if (res->handle_ <= 0) return 0;
    volley_flush();
    volley_scenario_http_option_chunk_t c;
    volley_scenario_http_error_t err;
    if (!volley_scenario_http_method_response_read_chunk(response_of(res), max ? max : 65536, &c, &err)) {
        return stream_failed(&err);
    }
    if (!c.is_some) return 0;
    out->len = c.val.data.len;
    out->data = (uint8_t *)take_bytes(&c.val.data.ptr, c.val.data.len);
    out->at = c.val.at;
    return 1;
}

int volley_next_event(volley_response *res, volley_event *out) {
    memset(out, 0, sizeof *out);
    out->retry_ms = -1;
    if (res->handle_ <= 0) return 0;
    volley_flush();
    volley_scenario_http_option_event_t e;
    volley_scenario_http_error_t err;
    if (!volley_scenario_http_method_response_next_event(response_of(res), &e, &err)) {
        return stream_failed(&err);
    }
    if (!e.is_some) return 0;
    out->event = take(&e.val.event);
    out->data = take(&e.val.data);
    out->id = e.val.id.is_some ? take(&e.val.id.val) : NULL;
    out->retry_ms = e.val.retry.is_some ? (int64_t)e.val.retry.val : -1;
    out->at = e.val.at;
    return 1;
}

int64_t volley_each_event(volley_response *res, volley_event_fn on_event, void *ctx) {
    volley_event ev;
    int64_t n = 0;
    int rc;
    while ((rc = volley_next_event(res, &ev)) == 1) {
        n++;
        bool more = on_event(&ev, ctx);
        volley_event_free(&ev);
        if (!more) return n;
    }
    return rc < 0 ? -1 : n;
}

void volley_chunk_free(volley_chunk *c) {
    free(c->data);
    memset(c, 0, sizeof *c);
}

void volley_event_free(volley_event *e) {
    free(e->event);
    free(e->data);
    free(e->id);
    memset(e, 0, sizeof *e);
}

bool volley_jar_set(const char *url, const char *name, const char *value) {
    scenario_string_t u = borrow(url), n = borrow(name), v = borrow(value), err;
    volley_scenario_http_cookie_options_t options;
    memset(&options, 0, sizeof options);
    if (volley_scenario_http_jar_set(&u, &n, &v, &options, &err)) return true;
    char *msg = take(&err);
    volley_fail("jar set %s: %s", name, msg);
    free(msg);
    return false;
}

void volley_jar_clear(const char *url) {
    scenario_string_t u = borrow(url);
    volley_scenario_http_jar_clear(url ? &u : NULL);
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
    size_t len = strlen(name);
    volley_scenario_metrics_entry_t *e = next_entry();
    e->tag = VOLLEY_SCENARIO_METRICS_ENTRY_CHECK;
    e->val.check.name = (scenario_string_t){(uint8_t *)dup_bytes(name, len), len};
    e->val.check.ok = ok;
    e->val.check.at = volley_now_ns();
    return ok;
}

void volley_sleep(double seconds) {
    volley_flush();
    volley_scenario_vu_sleep(seconds > 0 ? (uint64_t)(seconds * 1e9) : 0);
}

void volley_group_begin(const char *name) {
    volley_flush();
    scenario_string_t n = borrow(name);
    volley_scenario_vu_enter_group(&n);
}

void volley_group_end(void) {
    volley_flush();
    volley_scenario_vu_exit_group();
}

void volley_set_tag(const char *key, const char *value) {
    volley_flush();
    scenario_string_t k = borrow(key), v = borrow(value);
    volley_scenario_vu_set_tag(&k, &v);
}

void volley_delete_tag(const char *key) {
    volley_flush();
    scenario_string_t k = borrow(key);
    volley_scenario_vu_delete_tag(&k);
}

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
    volley_flush();
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
    volley_scenario_metrics_entry_t *e = next_entry();
    e->tag = VOLLEY_SCENARIO_METRICS_ENTRY_ADD;
    e->val.add.metric = metric;
    e->val.add.value = value;
    e->val.add.at = volley_now_ns();
}

/* --- crypto -------------------------------------------------------------------- */

static size_t copy_out(scenario_list_u8_t *digest, uint8_t *out) {
    size_t len = digest->len;
    if (len) memcpy(out, digest->ptr, len);
    release(digest->ptr, digest->len);
    return len;
}

size_t volley_hash(volley_hash_alg alg, const void *data, size_t len, uint8_t *out) {
    scenario_list_u8_t in = {(uint8_t *)data, len}, digest;
    volley_scenario_crypto_hash((volley_scenario_crypto_algorithm_t)alg, &in, &digest);
    return copy_out(&digest, out);
}

size_t volley_hmac(volley_hash_alg alg, const void *key, size_t key_len, const void *data, size_t len,
                   uint8_t *out) {
    scenario_list_u8_t k = {(uint8_t *)key, key_len}, in = {(uint8_t *)data, len}, digest;
    volley_scenario_crypto_hmac((volley_scenario_crypto_algorithm_t)alg, &k, &in, &digest);
    return copy_out(&digest, out);
}

void volley_random_bytes(void *out, size_t n) {
    uint8_t *at = out;
    while (n > 0) {
        uint32_t want = n > 65536 ? 65536 : (uint32_t)n;
        scenario_list_u8_t got;
        volley_scenario_crypto_random_bytes(want, &got);
        size_t len = got.len < want ? got.len : want;
        if (len) memcpy(at, got.ptr, len);
        release(got.ptr, got.len);
        if (len == 0) abort();
        at += len;
        n -= len;
    }
}

void volley_hex(const uint8_t *bytes, size_t len, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * len] = '\0';
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
