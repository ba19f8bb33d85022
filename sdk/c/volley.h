/*
 * Volley scenarios in C.
 *
 * A scenario defines two functions and may define three more:
 *
 *     const char *scenario_options(void);              // k6-style options as JSON
 *     int scenario_iteration(const char *exec);        // one iteration; 0 = ok
 *     int scenario_setup(volley_bytes *data);          // optional, once per run
 *     int scenario_vu_init(const volley_bytes *data);  // optional, once per VU
 *     int scenario_teardown(const volley_bytes *data); // optional, at the end
 *
 * A non-zero return fails that stage; call volley_fail("...") first to say
 * why. The helpers below wrap the volley:scenario contract (wit/): every
 * request is timed by the engine, not by the guest.
 *
 * Build with scripts/build-c.sh (clang-19 and wasi-libc from Debian).
 */
#ifndef VOLLEY_H
#define VOLLEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes owned by the caller (setup data). */
typedef struct volley_bytes {
    uint8_t *ptr;
    size_t len;
} volley_bytes;

/* --- lifecycle, defined by the scenario --------------------------------- */

const char *scenario_options(void);
int scenario_iteration(const char *exec);
int scenario_setup(volley_bytes *data);
int scenario_vu_init(const volley_bytes *data);
int scenario_teardown(const volley_bytes *data);

/* Set the message of the failure the current stage is about to return. */
void volley_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- HTTP ---------------------------------------------------------------- */

/* Why a request got no response (VOLLEY_OK when it got one). */
typedef enum volley_error_kind {
    VOLLEY_OK = -1,
    VOLLEY_ERR_TIMEOUT = 0,
    VOLLEY_ERR_DNS,
    VOLLEY_ERR_CONNECT,
    VOLLEY_ERR_TLS,
    VOLLEY_ERR_PROTOCOL,
    VOLLEY_ERR_DENIED,
    VOLLEY_ERR_INVALID,
} volley_error_kind;

/* Host-measured phases of a request, in milliseconds (k6's res.timings). */
typedef struct volley_timings {
    double blocked, connecting, tls_handshaking, sending, waiting, receiving, duration;
} volley_timings;

typedef struct volley_header {
    const char *name;
    const char *value;
} volley_header;

/* One request. Zero-initialise and set what you need:
 *   volley_request req = { .method = "POST", .url = url, .body = json, .name = "login" };
 */
typedef struct volley_request {
    const char *method;           /* "GET" when NULL */
    const char *url;
    const volley_header *headers; /* n_headers entries */
    size_t n_headers;
    const char *body;             /* NUL-terminated unless body_len is set */
    size_t body_len;
    const char *name;             /* the `name` tag (k6's tags.name); NULL tags the URL */
    const char *json;             /* shortcut: body with content-type application/json */
    double timeout_s;             /* 0 = the run's default */
    bool discard_body;            /* count the body, do not copy it into the guest */
} volley_request;

/* A response. status is 0 and error set when no response came. Free with
 * volley_response_free. body is NUL-terminated. */
typedef struct volley_response {
    int status;
    char *body;
    size_t body_len;
    char *url;
    volley_timings timings;
    volley_error_kind error_kind;
    char *error; /* NULL on success */
    size_t n_headers;
    volley_header *headers; /* names in lower case */
} volley_response;

volley_response volley_send(const volley_request *req);
volley_response volley_get(const char *url, const char *name);
volley_response volley_post_json(const char *url, const char *json, const char *name);
/* A response header's value (case-insensitive name), or NULL. */
const char *volley_response_header(const volley_response *res, const char *name);
/* The number after "key": in a JSON body, as text (a string's quotes
 * removed), malloc'd; NULL when absent. Enough for ids; use a JSON library
 * for more. */
char *volley_json_field(const char *json, const char *key);
void volley_response_free(volley_response *res);

/* --- the virtual user ----------------------------------------------------- */

/* Record a check; returns ok. */
bool volley_check(const char *name, bool ok);
void volley_sleep(double seconds);
void volley_group_begin(const char *name);
void volley_group_end(void);
void volley_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* --env KEY=VALUE, malloc'd, or a malloc'd copy of fallback (NULL if NULL). */
char *volley_env(const char *key, const char *fallback);
uint32_t volley_vu_id(void);
uint64_t volley_vu_iteration(void);
uint64_t volley_random_u64(void);
/* 0..n-1 from the VU's seeded stream, the same numbers as the Rust SDK. */
uint64_t volley_random_below(uint64_t n);
/* Stop the whole test (exit code 108); does not return. */
void volley_abort(const char *reason) __attribute__((noreturn));

/* --- custom metrics ------------------------------------------------------- */

typedef enum volley_metric_kind {
    VOLLEY_COUNTER = 0,
    VOLLEY_GAUGE,
    VOLLEY_RATE,
    VOLLEY_TREND,
} volley_metric_kind;

/* Define (or look up) a metric; is_time shows trend values as milliseconds.
 * Returns its id, or UINT32_MAX with a logged error on a bad name. */
uint32_t volley_metric(const char *name, volley_metric_kind kind, bool is_time);
void volley_metric_add(uint32_t metric, double value);

/* --- data sets (--data NAME=FILE) ----------------------------------------- */

/* Records in data set name; -1 when there is no such data set. */
int64_t volley_data_len(const char *name);
/* Record index as malloc'd text, or NULL. */
char *volley_data_get(const char *name, uint64_t index);

#ifdef __cplusplus
}
#endif
#endif
