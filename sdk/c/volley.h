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
 *     int scenario_handle_summary(const char *data_json, volley_summary *out);
 *                                                      // optional, after the run
 *
 * A non-zero return fails that stage; call volley_fail("...") first to say
 * why. The helpers below wrap the volley:scenario contract 0.2.0 (wit/):
 * every request is timed by the engine, not by the guest. Checks and metric
 * values are buffered in the VU, each stamped with the monotonic clock
 * (CLOCK_MONOTONIC, which is wasi:clocks/monotonic-clock, the engine's
 * clock), and delivered in batches: before every request, wait, sleep and
 * streamed read, around groups and tag changes, before an abort, at the end
 * of each stage, and every 256 entries.
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

/* Files handleSummary asks the engine to write ("stdout" and "stderr" are
 * the streams); fill with volley_summary_add. */
typedef struct volley_summary volley_summary;
/* Add a file of len bytes (len 0: content is NUL-terminated). */
void volley_summary_add(volley_summary *out, const char *path, const void *content, size_t len);
/* k6's handleSummary: data_json is k6's summary data object. Return 0
 * with the files added, VOLLEY_NO_SUMMARY to keep the engine's summary (the
 * default when a scenario does not define it), anything else to fail. */
#define VOLLEY_NO_SUMMARY (-1)
int scenario_handle_summary(const char *data_json, volley_summary *out);

/* Set the message of the failure the current stage is about to return. */
void volley_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- HTTP ---------------------------------------------------------------- */

/* Why a request got no response (VOLLEY_OK when it got one); the
 * response's error_code says exactly which, in k6's table. */
typedef enum volley_error_kind {
    VOLLEY_OK = -1,
    VOLLEY_ERR_TIMEOUT = 0,
    VOLLEY_ERR_DNS,
    VOLLEY_ERR_CONNECT,
    VOLLEY_ERR_TLS,
    VOLLEY_ERR_PROTOCOL,
    VOLLEY_ERR_BLOCKED,
    VOLLEY_ERR_INVALID,
    VOLLEY_ERR_INTERRUPTED,
    VOLLEY_ERR_BODY_TOO_LARGE,
    VOLLEY_ERR_DECOMPRESSION,
} volley_error_kind;
/* The name contract 0.1 had for VOLLEY_ERR_BLOCKED. */
#define VOLLEY_ERR_DENIED VOLLEY_ERR_BLOCKED

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
    bool stream;                  /* leave the body on the connection: volley_read_chunk,
                                     volley_next_event */
    bool no_expectation;          /* k6's responseCallback: null: no expected_response tag,
                                     no http_req_failed sample */
    const volley_header *cookies; /* n_cookies cookies sent beside the jar's */
    size_t n_cookies;
} volley_request;

/* A response. status is 0 and error set when no response came. Free with
 * volley_response_free. body is NUL-terminated; it is read from the host
 * with the response unless the request discarded or streamed it. Headers
 * are read from the host on first use (volley_response_header,
 * volley_response_headers). */
typedef struct volley_response {
    int status;
    char *body;
    size_t body_len;
    char *url;
    volley_timings timings;
    volley_error_kind error_kind;
    char *error;       /* NULL on success */
    size_t n_headers;  /* set by volley_response_headers */
    volley_header *headers; /* names in lower case; NULL until read */
    char *status_text; /* the reason phrase as received */
    char *proto;       /* "HTTP/1.1" */
    char *remote_ip;
    int remote_port;
    uint64_t body_size;   /* body bytes on the wire */
    uint32_t error_code;  /* k6's error_code: 1000 + status for 4xx/5xx, the failure's code */
    int expected;         /* 1 expected, 0 not, -1 no expectation */
    int32_t handle_;      /* the host's response resource, 0 for none (internal) */
} volley_response;

volley_response volley_send(const volley_request *req);
volley_response volley_get(const char *url, const char *name);
volley_response volley_post_json(const char *url, const char *json, const char *name);
/* A response header's value (case-insensitive name), or NULL. */
const char *volley_response_header(volley_response *res, const char *name);
/* All headers (res->headers, res->n_headers), read from the host once. */
const volley_header *volley_response_headers(volley_response *res, size_t *n);

/* A request started with volley_start: it proceeds while the VU goes on
 * (k6's http.asyncRequest). volley_wait returns its response and frees it. */
typedef struct volley_pending {
    int32_t handle_;
    char *url_;
} volley_pending;
volley_pending volley_start(const volley_request *req);
bool volley_pending_ready(const volley_pending *p);
volley_response volley_wait(volley_pending *p);

/* Streamed bodies (.stream = true). A chunk or event is stamped with when
 * its bytes arrived (ns on the monotonic clock: the kernel's receive stamp
 * on Linux, the read's time elsewhere). Each returns 1 with a
 * value, 0 at the end of the body, -1 on a failure (volley_fail'd with its
 * message). Free values with volley_chunk_free / volley_event_free. */
typedef struct volley_chunk {
    uint8_t *data;
    size_t len;
    uint64_t at;
} volley_chunk;
typedef struct volley_event {
    char *event; /* "message" when absent */
    char *data;  /* data lines joined with newlines */
    char *id;    /* NULL when absent */
    int64_t retry_ms; /* -1 when absent */
    uint64_t at;
} volley_event;
int volley_read_chunk(volley_response *res, uint32_t max, volley_chunk *out);
int volley_next_event(volley_response *res, volley_event *out);
void volley_chunk_free(volley_chunk *c);
void volley_event_free(volley_event *e);
/* The callback form: calls on_event(event, ctx) for each event as it
 * arrives (the event is freed after the call; copy what you keep) until
 * the stream ends or on_event returns false. Returns the number of events
 * handed over, or -1 on a failure (volley_fail'd with its message). */
typedef bool (*volley_event_fn)(const volley_event *event, void *ctx);
int64_t volley_each_event(volley_response *res, volley_event_fn on_event, void *ctx);

/* The VU's cookie jar (k6's http.cookieJar()). */
bool volley_jar_set(const char *url, const char *name, const char *value);
void volley_jar_clear(const char *url); /* NULL clears every cookie */
/* The number after "key": in a JSON body, as text (a string's quotes
 * removed), malloc'd; NULL when absent. Enough for ids; use a JSON library
 * for more. */
char *volley_json_field(const char *json, const char *key);
void volley_response_free(volley_response *res);

/* --- the virtual user ----------------------------------------------------- */

/* Record a check; returns ok. Buffered and stamped now. */
bool volley_check(const char *name, bool ok);
/* Deliver the buffered checks and metric values now. */
void volley_flush(void);
/* Monotonic time in ns, the clock the engine stamps samples with. */
uint64_t volley_now_ns(void);
/* Tag every sample this VU records from now on (k6's exec.vu.tags). */
void volley_set_tag(const char *key, const char *value);
void volley_delete_tag(const char *key);
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
/* Buffered and stamped now, as checks are. */
void volley_metric_add(uint32_t metric, double value);

/* --- crypto, on the host (k6/crypto) --------------------------------------- */

typedef enum volley_hash_alg {
    VOLLEY_MD5 = 0,
    VOLLEY_SHA1,
    VOLLEY_SHA256,
    VOLLEY_SHA384,
    VOLLEY_SHA512,
    VOLLEY_SHA512_224,
    VOLLEY_SHA512_256,
} volley_hash_alg;

/* The digest of data into out (room for 64 bytes); returns its length. */
size_t volley_hash(volley_hash_alg alg, const void *data, size_t len, uint8_t *out);
/* HMAC of data under key into out (room for 64 bytes); returns its length. */
size_t volley_hmac(volley_hash_alg alg, const void *key, size_t key_len, const void *data, size_t len,
                   uint8_t *out);
/* n cryptographically random bytes into out. */
void volley_random_bytes(void *out, size_t n);
/* bytes as lower-case hex into out (room for 2 * len + 1). */
void volley_hex(const uint8_t *bytes, size_t len, char *out);

/* --- data sets (--data NAME=FILE) ----------------------------------------- */

/* Records in data set name; -1 when there is no such data set. */
int64_t volley_data_len(const char *name);
/* Record index as malloc'd text, or NULL. */
char *volley_data_get(const char *name, uint64_t index);

#ifdef __cplusplus
}
#endif
#endif
