/* fake_provider.c - a fake LLM provider for tests and benchmarks: a small standalone HTTP
 * server (libmicrohttpd, epoll + thread pool) that speaks the OpenAI API (chat completions,
 * completions, embeddings, models; streaming as SSE exactly like OpenAI) and the Anthropic
 * Messages API, with behaviour chosen per request by directives in the `model` string:
 *
 *   fake?latency_ms=50&chunks=5&chunk_ms=10&cut_after=3&status=500&fail_times=2
 *       &fail_status=503&retry_after=1&usage=12,34&tool_call=get_weather&dim=16&answer=hi+there
 *
 * The answer is `answer` when given, else "echo: " + the last user message's text, so tests
 * can see what arrived. GET /_stats reports request, model, key and connection counts;
 * POST /_reset clears them. docs/gateway-testing.md describes every directive.
 *
 * usage: fake_provider [--port N] [--host ADDR] [--threads N]
 * Prints "listening <port>" on stdout once it accepts connections; stops on SIGTERM/SIGINT.
 *
 * It is also the fixed upstream of bench/gateway, so the hot path does no logging and only the
 * allocations a request needs (its body, the parsed JSON, the response text). Delays
 * (latency_ms, chunk_ms) never block a worker thread: the connection is suspended and a timer
 * thread resumes it when the delay is over. */
#include <jansson.h>
#include <microhttpd.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODY       (16u << 20) /* request bodies above this are refused with 413 */
#define TABLE_SLOTS    4096        /* distinct model strings / keys counted */
#define MAX_DIM        4096
#define STREAM_BLOCK   4096
#define DEFAULT_DIM    8
#define FAIL_STATUS    503
#define NO_VALUE       (-1L)
#define APPLICATION_JS "application/json"

/* ------------------------------------------------------------------ growable string buffer */

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf_t;

static void sb_reserve(sbuf_t *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        fputs("fake_provider: out of memory\n", stderr);
        abort();
    }
    b->p = p;
    b->cap = cap;
}

static void sb_add(sbuf_t *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(sbuf_t *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void sb_printf(sbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sb_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Append s[0..n) as a quoted JSON string (UTF-8 passes through; control characters escaped). */
static void sb_json_str(sbuf_t *b, const char *s, size_t n)
{
    sb_reserve(b, n + 2);
    b->p[b->len++] = '"';
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        sb_add(b, s + start, i - start);
        switch (c) {
        case '"':
            sb_puts(b, "\\\"");
            break;
        case '\\':
            sb_puts(b, "\\\\");
            break;
        case '\n':
            sb_puts(b, "\\n");
            break;
        case '\r':
            sb_puts(b, "\\r");
            break;
        case '\t':
            sb_puts(b, "\\t");
            break;
        default:
            sb_printf(b, "\\u%04x", c);
            break;
        }
        start = i + 1;
    }
    sb_add(b, s + start, n - start);
    sb_add(b, "\"", 1);
}

static void sb_json_cstr(sbuf_t *b, const char *s)
{
    sb_json_str(b, s, strlen(s));
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static size_t count_words(const char *s, size_t n)
{
    size_t words = 0;
    int in_word = 0;
    for (size_t i = 0; i < n; i++) {
        int space = s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f' ||
                    s[i] == '\v';
        if (!space && !in_word)
            words++;
        in_word = !space;
    }
    return words;
}

/* ------------------------------------------------------------------ counters and statistics */

typedef struct counter {
    char *key;
    long count;
} counter_t;

static pthread_mutex_t g_stats_lock = PTHREAD_MUTEX_INITIALIZER;
static counter_t g_models[TABLE_SLOTS]; /* requests per model string (also drives fail_times) */
static counter_t g_keys[TABLE_SLOTS];   /* requests per Authorization value */
static long g_requests;                 /* API requests (not /_stats or /_reset) */
static atomic_long g_conn_open, g_conn_total;
static atomic_ulong g_next_id;

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211u;
    }
    return h;
}

/* Add one to key's counter and return the new count; LONG_MAX when the table is full (a key
 * that cannot be counted is treated as seen many times, so fail_times never fires for it). */
static long table_incr(counter_t *table, const char *key)
{
    size_t i = (size_t)fnv1a(key, strlen(key)) % TABLE_SLOTS;
    for (size_t probe = 0; probe < TABLE_SLOTS; probe++, i = (i + 1) % TABLE_SLOTS) {
        if (!table[i].key) {
            table[i].key = xstrdup(key);
            return table[i].count = 1;
        }
        if (strcmp(table[i].key, key) == 0)
            return ++table[i].count;
    }
    return LONG_MAX;
}

static void table_clear(counter_t *table)
{
    for (size_t i = 0; i < TABLE_SLOTS; i++) {
        free(table[i].key);
        table[i].key = NULL;
        table[i].count = 0;
    }
}

static json_t *table_json(const counter_t *table)
{
    json_t *o = json_object();
    for (size_t i = 0; i < TABLE_SLOTS; i++)
        if (table[i].key)
            json_object_set_new(o, table[i].key, json_integer(table[i].count));
    return o;
}

/* Count one API request; returns how many requests this model string has now had. */
static long stats_count(const char *model, const char *auth)
{
    pthread_mutex_lock(&g_stats_lock);
    g_requests++;
    long n = table_incr(g_models, model);
    table_incr(g_keys, auth ? auth : "(none)");
    pthread_mutex_unlock(&g_stats_lock);
    return n;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls, (void)socket_ctx;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        /* paced stream events must leave at once, not wait for the previous one's ACK */
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        int one = 1;
        if (info)
            setsockopt(info->connect_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        atomic_fetch_add(&g_conn_open, 1);
        atomic_fetch_add(&g_conn_total, 1);
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        atomic_fetch_sub(&g_conn_open, 1);
    }
}

/* ------------------------------------------------------------------ timer: resume suspended */

typedef struct timer_entry {
    uint64_t due;
    struct MHD_Connection *conn;
} timer_entry_t;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    timer_entry_t *heap; /* min-heap on due */
    size_t n, cap;
    int stopping;
    pthread_t thread;
} g_timer = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void heap_swap(size_t a, size_t b)
{
    timer_entry_t t = g_timer.heap[a];
    g_timer.heap[a] = g_timer.heap[b];
    g_timer.heap[b] = t;
}

static timer_entry_t heap_pop(void)
{
    timer_entry_t top = g_timer.heap[0];
    g_timer.heap[0] = g_timer.heap[--g_timer.n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < g_timer.n && g_timer.heap[l].due < g_timer.heap[m].due)
            m = l;
        if (r < g_timer.n && g_timer.heap[r].due < g_timer.heap[m].due)
            m = r;
        if (m == i)
            break;
        heap_swap(i, m);
        i = m;
    }
    return top;
}

/* Suspend conn until `due` (CLOCK_MONOTONIC ns). Returns 0 (not suspended) when stopping; the
 * caller then goes on at once. Must be called from an MHD callback of that connection. */
static int suspend_until(struct MHD_Connection *conn, uint64_t due)
{
    pthread_mutex_lock(&g_timer.lock);
    if (g_timer.stopping) {
        pthread_mutex_unlock(&g_timer.lock);
        return 0;
    }
    if (g_timer.n == g_timer.cap) {
        size_t cap = g_timer.cap ? g_timer.cap * 2 : 64;
        timer_entry_t *h = realloc(g_timer.heap, cap * sizeof *h);
        if (!h)
            abort();
        g_timer.heap = h;
        g_timer.cap = cap;
    }
    MHD_suspend_connection(conn);
    size_t i = g_timer.n++;
    g_timer.heap[i] = (timer_entry_t){due, conn};
    while (i > 0 && g_timer.heap[(i - 1) / 2].due > g_timer.heap[i].due) {
        heap_swap(i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    pthread_cond_signal(&g_timer.cond);
    pthread_mutex_unlock(&g_timer.lock);
    return 1;
}

static void *timer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&g_timer.lock);
    for (;;) {
        if (g_timer.stopping) { /* resume everything so the daemon can stop cleanly */
            while (g_timer.n)
                MHD_resume_connection(heap_pop().conn);
            break;
        }
        if (g_timer.n == 0) {
            pthread_cond_wait(&g_timer.cond, &g_timer.lock);
            continue;
        }
        uint64_t now = now_ns();
        if (g_timer.heap[0].due <= now) {
            MHD_resume_connection(heap_pop().conn);
            continue;
        }
        uint64_t due = g_timer.heap[0].due;
        struct timespec ts = {(time_t)(due / 1000000000u), (long)(due % 1000000000u)};
        pthread_cond_timedwait(&g_timer.cond, &g_timer.lock, &ts);
    }
    pthread_mutex_unlock(&g_timer.lock);
    return NULL;
}

static void timer_start(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&g_timer.cond, &attr);
    pthread_condattr_destroy(&attr);
    pthread_create(&g_timer.thread, NULL, timer_main, NULL);
}

static void timer_stop(void)
{
    pthread_mutex_lock(&g_timer.lock);
    g_timer.stopping = 1;
    pthread_cond_signal(&g_timer.cond);
    pthread_mutex_unlock(&g_timer.lock);
    pthread_join(g_timer.thread, NULL);
    free(g_timer.heap);
}

/* ------------------------------------------------------------------ directives */

typedef struct directives {
    long latency_ms, chunks, chunk_ms, cut_after, status, fail_times, fail_status, retry_after;
    long usage_prompt, usage_completion, dim;
    int has_usage, has_answer;
    sbuf_t answer;
    sbuf_t tool_call;
    sbuf_t bad; /* name of the first directive that could not be read, or empty */
} directives_t;

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Query-string decoding: '+' is a space, %XX a byte. */
static void url_decode(sbuf_t *out, const char *s, size_t n)
{
    sb_reserve(out, n);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        }
        out->p[out->len++] = c;
    }
    out->p[out->len] = '\0';
}

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static void directives_free(directives_t *d)
{
    free(d->answer.p);
    free(d->tool_call.p);
    free(d->bad.p);
}

/* Read the directives after '?' in the model string. Unknown names are ignored (so a real
 * model name with a query part still works); bad values are reported through d->bad. */
static void parse_directives(const char *model, directives_t *d)
{
    memset(d, 0, sizeof *d);
    d->latency_ms = d->chunks = d->chunk_ms = d->cut_after = d->status = NO_VALUE;
    d->fail_times = d->retry_after = NO_VALUE;
    d->fail_status = FAIL_STATUS;
    d->dim = DEFAULT_DIM;
    const char *q = strchr(model, '?');
    if (!q)
        return;
    sbuf_t name = {0}, value = {0};
    for (const char *p = q + 1; *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        name.len = value.len = 0;
        url_decode(&name, p, eq ? (size_t)(eq - p) : len);
        url_decode(&value, eq ? eq + 1 : p + len, eq ? len - (size_t)(eq - p) - 1 : 0);
        const char *n = name.p, *v = value.p;
        int ok = 0;
        if (!strcmp(n, "latency_ms"))
            ok = !parse_long(v, 0, 600000, &d->latency_ms);
        else if (!strcmp(n, "chunks"))
            ok = !parse_long(v, 1, 100000, &d->chunks);
        else if (!strcmp(n, "chunk_ms"))
            ok = !parse_long(v, 0, 600000, &d->chunk_ms);
        else if (!strcmp(n, "cut_after"))
            ok = !parse_long(v, 0, 100000, &d->cut_after);
        else if (!strcmp(n, "status"))
            ok = !parse_long(v, 100, 599, &d->status);
        else if (!strcmp(n, "fail_times"))
            ok = !parse_long(v, 0, LONG_MAX - 1, &d->fail_times);
        else if (!strcmp(n, "fail_status"))
            ok = !parse_long(v, 100, 599, &d->fail_status);
        else if (!strcmp(n, "retry_after"))
            ok = !parse_long(v, 0, 86400, &d->retry_after);
        else if (!strcmp(n, "dim"))
            ok = !parse_long(v, 1, MAX_DIM, &d->dim);
        else if (!strcmp(n, "usage")) {
            char *comma = strchr(v, ',');
            if (comma) {
                *comma = '\0';
                ok = !parse_long(v, 0, INT_MAX, &d->usage_prompt) &&
                     !parse_long(comma + 1, 0, INT_MAX, &d->usage_completion);
                d->has_usage = ok;
            }
        } else if (!strcmp(n, "tool_call")) {
            d->tool_call.len = 0;
            sb_add(&d->tool_call, v, value.len);
            ok = value.len > 0;
        } else if (!strcmp(n, "answer")) {
            d->answer.len = 0;
            sb_add(&d->answer, v, value.len);
            d->has_answer = ok = 1;
        } else {
            ok = 1;
        }
        if (!ok && !d->bad.len)
            sb_puts(&d->bad, n);
        if (!amp)
            break;
        p = amp + 1;
    }
    free(name.p);
    free(value.p);
}

/* ------------------------------------------------------------------ request text helpers */

/* Append the text of a message content (a string, or an array of parts with "text"). */
static void content_text(json_t *content, sbuf_t *out)
{
    if (json_is_string(content)) {
        sb_add(out, json_string_value(content), json_string_length(content));
        return;
    }
    size_t i, parts = 0;
    json_t *part;
    json_array_foreach(content, i, part)
    {
        json_t *text = json_object_get(part, "text");
        if (!json_is_string(text))
            continue;
        if (parts++)
            sb_add(out, "\n", 1);
        sb_add(out, json_string_value(text), json_string_length(text));
    }
}

static size_t content_words(json_t *content)
{
    sbuf_t text = {0};
    content_text(content, &text);
    size_t n = count_words(text.p ? text.p : "", text.len);
    free(text.p);
    return n;
}

/* ------------------------------------------------------------------ responses */

enum kind { K_CHAT, K_COMPLETION, K_MESSAGES };

static const char *openai_error_type(unsigned status)
{
    switch (status) {
    case 400:
        return "invalid_request_error";
    case 401:
        return "authentication_error";
    case 403:
        return "permission_error";
    case 404:
        return "not_found_error";
    case 409:
        return "conflict_error";
    case 413:
        return "invalid_request_error";
    case 422:
        return "invalid_request_error";
    case 429:
        return "rate_limit_error";
    default:
        return status >= 500 ? "server_error" : "invalid_request_error";
    }
}

static const char *anthropic_error_type(unsigned status)
{
    switch (status) {
    case 400:
        return "invalid_request_error";
    case 401:
        return "authentication_error";
    case 403:
        return "permission_error";
    case 404:
        return "not_found_error";
    case 413:
        return "request_too_large";
    case 429:
        return "rate_limit_error";
    case 529:
        return "overloaded_error";
    default:
        return status >= 500 ? "api_error" : "invalid_request_error";
    }
}

static struct MHD_Response *buffer_response(sbuf_t *b, const char *content_type)
{
    sb_reserve(b, 0); /* MHD frees the buffer: it must be a real allocation even when empty */
    struct MHD_Response *r = MHD_create_response_from_buffer(b->len, b->p, MHD_RESPMEM_MUST_FREE);
    b->p = NULL;
    b->len = b->cap = 0;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    return r;
}

/* An error in the API's own shape: OpenAI's {"error":{message,type,param,code}} or
 * Anthropic's {"type":"error","error":{type,message}}. */
static struct MHD_Response *error_response(enum kind kind, unsigned status, const char *message,
                                           const char *param, long retry_after)
{
    sbuf_t b = {0};
    if (kind == K_MESSAGES) {
        sb_printf(&b, "{\"type\":\"error\",\"error\":{\"type\":\"%s\",\"message\":",
                  anthropic_error_type(status));
        sb_json_cstr(&b, message);
        sb_puts(&b, "}}");
    } else {
        sb_puts(&b, "{\"error\":{\"message\":");
        sb_json_cstr(&b, message);
        sb_printf(&b, ",\"type\":\"%s\",\"param\":", openai_error_type(status));
        if (param)
            sb_json_cstr(&b, param);
        else
            sb_puts(&b, "null");
        sb_printf(&b, ",\"code\":\"fake_%u\"}}", status);
    }
    struct MHD_Response *r = buffer_response(&b, APPLICATION_JS);
    if (retry_after >= 0) {
        char v[24];
        snprintf(v, sizeof v, "%ld", retry_after);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, v);
    }
    return r;
}

/* What one generation request asks for, gathered from the body and the directives. */
typedef struct gen {
    enum kind kind;
    const char *model;
    sbuf_t text;      /* the answer text, or the tool call's JSON arguments */
    const char *tool; /* tool name when answering with a tool call */
    long prompt_tokens, completion_tokens;
    int include_usage;
    long chunks, chunk_ms, cut_after;
    unsigned long id;
    long created;
} gen_t;

static void id_str(const gen_t *g, char *out, size_t size)
{
    if (g->kind == K_MESSAGES)
        snprintf(out, size, "msg_fake_%lu", g->id);
    else
        snprintf(out, size, "%s-fake-%lu", g->kind == K_CHAT ? "chatcmpl" : "cmpl", g->id);
}

static void usage_json(sbuf_t *b, const gen_t *g)
{
    sb_printf(b,
              "{\"prompt_tokens\":%ld,\"completion_tokens\":%ld,\"total_tokens\":%ld,"
              "\"prompt_tokens_details\":{\"cached_tokens\":0},"
              "\"completion_tokens_details\":{\"reasoning_tokens\":0}}",
              g->prompt_tokens, g->completion_tokens, g->prompt_tokens + g->completion_tokens);
}

static void tool_call_json(sbuf_t *b, const gen_t *g, int with_args)
{
    sb_printf(b, "[{\"index\":0,\"id\":\"call_fake_%lu\",\"type\":\"function\",\"function\":{",
              g->id);
    sb_puts(b, "\"name\":");
    sb_json_cstr(b, g->tool);
    sb_puts(b, ",\"arguments\":");
    if (with_args)
        sb_json_str(b, g->text.p, g->text.len);
    else
        sb_puts(b, "\"\"");
    sb_puts(b, "}}]");
}

static void nonstream_body(const gen_t *g, sbuf_t *b)
{
    char id[64];
    id_str(g, id, sizeof id);
    if (g->kind == K_CHAT) {
        sb_printf(b, "{\"id\":\"%s\",\"object\":\"chat.completion\",\"created\":%ld,\"model\":", id,
                  g->created);
        sb_json_cstr(b, g->model);
        sb_puts(b, ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
        if (g->tool) {
            sb_puts(b, "null,\"tool_calls\":");
            tool_call_json(b, g, 1);
        } else {
            sb_json_str(b, g->text.p, g->text.len);
        }
        sb_printf(b, ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"%s\"}],\"usage\":",
                  g->tool ? "tool_calls" : "stop");
        usage_json(b, g);
        sb_puts(b, ",\"system_fingerprint\":\"fp_fake\"}");
    } else if (g->kind == K_COMPLETION) {
        sb_printf(b, "{\"id\":\"%s\",\"object\":\"text_completion\",\"created\":%ld,\"model\":", id,
                  g->created);
        sb_json_cstr(b, g->model);
        sb_puts(b, ",\"choices\":[{\"text\":");
        sb_json_str(b, g->text.p, g->text.len);
        sb_puts(b, ",\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":");
        usage_json(b, g);
        sb_puts(b, "}");
    } else {
        sb_printf(b, "{\"id\":\"%s\",\"type\":\"message\",\"role\":\"assistant\",\"model\":", id);
        sb_json_cstr(b, g->model);
        if (g->tool) {
            sb_printf(b, ",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_fake_%lu\",\"name\":",
                      g->id);
            sb_json_cstr(b, g->tool);
            sb_puts(b, ",\"input\":");
            sb_add(b, g->text.p, g->text.len);
            sb_puts(b, "}],\"stop_reason\":\"tool_use\"");
        } else {
            sb_puts(b, ",\"content\":[{\"type\":\"text\",\"text\":");
            sb_json_str(b, g->text.p, g->text.len);
            sb_puts(b, "}],\"stop_reason\":\"end_turn\"");
        }
        sb_printf(b,
                  ",\"stop_sequence\":null,\"usage\":{\"input_tokens\":%ld,\"output_tokens\":%ld}}",
                  g->prompt_tokens, g->completion_tokens);
    }
}

/* ------------------------------------------------------------------ streaming */

enum phase { PH_START, PH_PIECES, PH_FINISH, PH_USAGE, PH_DONE, PH_END, PH_CUT };

typedef struct stream {
    gen_t g;
    struct MHD_Connection *conn;
    sbuf_t out;
    size_t out_pos;
    enum phase phase;
    size_t *bounds; /* piece i is text[bounds[i], bounds[i+1]) */
    size_t npieces, piece;
    uint64_t due; /* earliest time of the next piece when chunk_ms is set */
    int waited;   /* the wait before the current piece is over */
} stream_t;

/* Split the text into pieces: `chunks` near-equal parts when given, else one per word (each
 * with the whitespace before it). Boundaries never split a UTF-8 sequence. */
static void split_pieces(stream_t *s)
{
    const char *t = s->g.text.p ? s->g.text.p : "";
    size_t len = s->g.text.len;
    size_t want = s->g.chunks > 0 ? (size_t)s->g.chunks : count_words(t, len);
    if (want == 0)
        want = 1;
    s->bounds = malloc((want + 1) * sizeof *s->bounds);
    if (!s->bounds)
        abort();
    size_t n = 0;
    s->bounds[n++] = 0;
    if (s->g.chunks > 0) {
        for (size_t i = 1; i < want; i++) {
            size_t b = len * i / want;
            while (b < len && ((unsigned char)t[b] & 0xC0) == 0x80)
                b++;
            if (b > s->bounds[n - 1] && b < len)
                s->bounds[n++] = b;
        }
    } else {
        for (size_t i = 1; i < len && n < want; i++) {
            int space = t[i] == ' ' || t[i] == '\n' || t[i] == '\t';
            int prev_space = t[i - 1] == ' ' || t[i - 1] == '\n' || t[i - 1] == '\t';
            if (space && !prev_space)
                s->bounds[n++] = i;
        }
    }
    s->bounds[n] = len;
    s->npieces = n;
}

static void sse_data_begin(stream_t *s, const char *event)
{
    if (event)
        sb_printf(&s->out, "event: %s\n", event);
    sb_puts(&s->out, "data: ");
}

/* The common head of an OpenAI chunk object, up to and including "choices":[ */
static void chunk_head(stream_t *s)
{
    char id[64];
    id_str(&s->g, id, sizeof id);
    sse_data_begin(s, NULL);
    sb_printf(&s->out, "{\"id\":\"%s\",\"object\":\"%s\",\"created\":%ld,\"model\":", id,
              s->g.kind == K_CHAT ? "chat.completion.chunk" : "text_completion", s->g.created);
    sb_json_cstr(&s->out, s->g.model);
    if (s->g.kind == K_CHAT)
        sb_puts(&s->out, ",\"system_fingerprint\":\"fp_fake\"");
    sb_puts(&s->out, ",\"choices\":[");
}

static void chunk_tail(stream_t *s)
{
    sb_puts(&s->out, "]");
    if (s->g.include_usage)
        sb_puts(&s->out, ",\"usage\":null");
    sb_puts(&s->out, "}\n\n");
}

/* A chat delta chunk: delta_json is the inside of "delta":{...}. */
static void chat_chunk(stream_t *s, const char *finish)
{
    sb_puts(&s->out, "},\"logprobs\":null,\"finish_reason\":");
    if (finish)
        sb_printf(&s->out, "\"%s\"", finish);
    else
        sb_puts(&s->out, "null");
    sb_puts(&s->out, "}");
    chunk_tail(s);
}

static void emit_start(stream_t *s)
{
    if (s->g.kind == K_CHAT) {
        chunk_head(s);
        sb_puts(&s->out, "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":");
        sb_puts(&s->out, s->g.tool ? "null" : "\"\"");
        if (s->g.tool) {
            sb_puts(&s->out, ",\"tool_calls\":");
            tool_call_json(&s->out, &s->g, 0);
        }
        chat_chunk(s, NULL);
    } else if (s->g.kind == K_MESSAGES) {
        char id[64];
        id_str(&s->g, id, sizeof id);
        sse_data_begin(s, "message_start");
        sb_printf(&s->out,
                  "{\"type\":\"message_start\",\"message\":{\"id\":\"%s\",\"type\":\"message\","
                  "\"role\":\"assistant\",\"model\":",
                  id);
        sb_json_cstr(&s->out, s->g.model);
        sb_printf(&s->out,
                  ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
                  "\"usage\":{\"input_tokens\":%ld,\"output_tokens\":1}}}\n\n",
                  s->g.prompt_tokens);
        sse_data_begin(s, "content_block_start");
        if (s->g.tool) {
            sb_printf(&s->out,
                      "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
                      "{\"type\":\"tool_use\",\"id\":\"toolu_fake_%lu\",\"name\":",
                      s->g.id);
            sb_json_cstr(&s->out, s->g.tool);
            sb_puts(&s->out, ",\"input\":{}}}\n\n");
        } else {
            sb_puts(&s->out, "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
                             "{\"type\":\"text\",\"text\":\"\"}}\n\n");
        }
    }
    /* completions streams start directly with text */
}

static void emit_piece(stream_t *s)
{
    const char *p = s->g.text.p + s->bounds[s->piece];
    size_t n = s->bounds[s->piece + 1] - s->bounds[s->piece];
    if (s->g.kind == K_CHAT) {
        chunk_head(s);
        if (s->g.tool) {
            sb_puts(&s->out, "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
                             "{\"arguments\":");
            sb_json_str(&s->out, p, n);
            sb_puts(&s->out, "}}]");
        } else {
            sb_puts(&s->out, "{\"index\":0,\"delta\":{\"content\":");
            sb_json_str(&s->out, p, n);
        }
        chat_chunk(s, NULL);
    } else if (s->g.kind == K_COMPLETION) {
        chunk_head(s);
        sb_puts(&s->out, "{\"text\":");
        sb_json_str(&s->out, p, n);
        sb_puts(&s->out, ",\"index\":0,\"logprobs\":null,\"finish_reason\":null}");
        chunk_tail(s);
    } else {
        sse_data_begin(s, "content_block_delta");
        sb_puts(&s->out, "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":");
        sb_puts(&s->out, s->g.tool ? "{\"type\":\"input_json_delta\",\"partial_json\":"
                                   : "{\"type\":\"text_delta\",\"text\":");
        sb_json_str(&s->out, p, n);
        sb_puts(&s->out, "}}\n\n");
    }
}

static void emit_finish(stream_t *s)
{
    if (s->g.kind == K_CHAT) {
        chunk_head(s);
        sb_puts(&s->out, "{\"index\":0,\"delta\":{");
        chat_chunk(s, s->g.tool ? "tool_calls" : "stop");
    } else if (s->g.kind == K_COMPLETION) {
        chunk_head(s);
        sb_puts(&s->out,
                "{\"text\":\"\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\"}");
        chunk_tail(s);
    } else {
        sse_data_begin(s, "content_block_stop");
        sb_puts(&s->out, "{\"type\":\"content_block_stop\",\"index\":0}\n\n");
        sse_data_begin(s, "message_delta");
        sb_printf(&s->out,
                  "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"%s\","
                  "\"stop_sequence\":null},\"usage\":{\"output_tokens\":%ld}}\n\n",
                  s->g.tool ? "tool_use" : "end_turn", s->g.completion_tokens);
        sse_data_begin(s, "message_stop");
        sb_puts(&s->out, "{\"type\":\"message_stop\"}\n\n");
    }
}

static void emit_usage(stream_t *s)
{
    chunk_head(s);
    s->out.len -= strlen(",\"choices\":["); /* the usage chunk has "choices":[] */
    sb_puts(&s->out, ",\"choices\":[],\"usage\":");
    usage_json(&s->out, &s->g);
    sb_puts(&s->out, "}\n\n");
}

/* Produce the next event(s) into s->out and advance the phase. */
static void stream_step(stream_t *s)
{
    switch (s->phase) {
    case PH_START:
        emit_start(s);
        s->phase = PH_PIECES;
        if (s->g.cut_after == 0)
            s->phase = PH_CUT;
        break;
    case PH_PIECES:
        emit_piece(s);
        s->piece++;
        s->waited = 0;
        if (s->g.cut_after >= 0 && s->piece >= (size_t)s->g.cut_after)
            s->phase = PH_CUT;
        else if (s->piece >= s->npieces)
            s->phase = s->g.cut_after >= 0 ? PH_CUT : PH_FINISH;
        break;
    case PH_FINISH:
        emit_finish(s);
        s->phase = s->g.kind == K_MESSAGES ? PH_END : s->g.include_usage ? PH_USAGE : PH_DONE;
        break;
    case PH_USAGE:
        emit_usage(s);
        s->phase = PH_DONE;
        break;
    case PH_DONE:
        sb_puts(&s->out, "data: [DONE]\n\n");
        s->phase = PH_END;
        break;
    case PH_END:
    case PH_CUT:
        break;
    }
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    stream_t *s = cls;
    while (s->out_pos == s->out.len) {
        s->out.len = s->out_pos = 0;
        if (s->phase == PH_END)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (s->phase == PH_CUT) /* everything before was sent: drop the connection */
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (s->phase == PH_PIECES && s->g.chunk_ms > 0 && !s->waited) {
            s->waited = 1;
            if (suspend_until(s->conn, now_ns() + (uint64_t)s->g.chunk_ms * 1000000u))
                return 0; /* MHD calls again once the timer resumes the connection */
        }
        stream_step(s);
        /* Without pacing, send as many events per write as fit: one write per event would
         * cost a system call each and meet delayed ACKs on the client. */
        while (s->g.chunk_ms <= 0 && s->phase != PH_END && s->phase != PH_CUT && s->out.len < max)
            stream_step(s);
    }
    size_t n = s->out.len - s->out_pos;
    if (n > max)
        n = max;
    memcpy(buf, s->out.p + s->out_pos, n);
    s->out_pos += n;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    stream_t *s = cls;
    free(s->g.text.p);
    free(s->out.p);
    free(s->bounds);
    free((char *)s->g.model);
    free((char *)s->g.tool);
    free(s);
}

/* Non-streamed answers cut mid-body: the first half of `body` is sent, then the connection is
 * dropped; Content-Length announces the whole body so the client sees a truncated response. */
typedef struct cut_body {
    sbuf_t body;
} cut_body_t;

static ssize_t cut_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    cut_body_t *c = cls;
    size_t half = c->body.len / 2;
    if (pos >= half)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = half - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, c->body.p + pos, n);
    return (ssize_t)n;
}

static void cut_free(void *cls)
{
    cut_body_t *c = cls;
    free(c->body.p);
    free(c);
}

/* ------------------------------------------------------------------ endpoints */

typedef struct reply {
    unsigned status;
    struct MHD_Response *resp;
    long delay_ms;
} reply_t;

static void reply_error(reply_t *r, enum kind kind, unsigned status, const char *message,
                        const char *param)
{
    r->status = status;
    r->resp = error_response(kind, status, message, param, -1);
}

/* Does the request's tool list contain a function called name? (OpenAI: tools[].function.name,
 * Anthropic: tools[].name) */
static int has_tool(json_t *body, const char *name)
{
    size_t i;
    json_t *tool;
    json_array_foreach(json_object_get(body, "tools"), i, tool)
    {
        json_t *fn = json_object_get(tool, "function");
        const char *n = json_string_value(json_object_get(fn ? fn : tool, "name"));
        if (n && strcmp(n, name) == 0)
            return 1;
    }
    return 0;
}

/* Fill g from a chat / messages / completions body. Returns an error message or NULL. */
static const char *read_prompt(json_t *body, enum kind kind, sbuf_t *last_user, size_t *words,
                               const char **param)
{
    *words = 0;
    if (kind == K_COMPLETION) {
        json_t *prompt = json_object_get(body, "prompt");
        if (json_is_array(prompt) && json_array_size(prompt))
            prompt = json_array_get(prompt, json_array_size(prompt) - 1);
        if (!json_is_string(prompt)) {
            *param = "prompt";
            return "prompt must be a string or an array of strings";
        }
        sb_add(last_user, json_string_value(prompt), json_string_length(prompt));
        *words = count_words(last_user->p, last_user->len);
        return NULL;
    }
    json_t *messages = json_object_get(body, "messages");
    if (!json_is_array(messages) || json_array_size(messages) == 0) {
        *param = "messages";
        return "messages must be a non-empty array";
    }
    if (kind == K_MESSAGES)
        *words += content_words(json_object_get(body, "system"));
    json_t *last = NULL, *m;
    size_t i;
    json_array_foreach(messages, i, m)
    {
        const char *role = json_string_value(json_object_get(m, "role"));
        if (!role) {
            *param = "messages";
            return "every message needs a role";
        }
        *words += content_words(json_object_get(m, "content"));
        if (strcmp(role, "user") == 0)
            last = m;
    }
    if (last)
        content_text(json_object_get(last, "content"), last_user);
    return NULL;
}

static void handle_generate(json_t *body, enum kind kind, const char *model, directives_t *d,
                            struct MHD_Connection *conn, reply_t *r)
{
    gen_t g = {
        .kind = kind, .chunks = d->chunks, .chunk_ms = d->chunk_ms, .cut_after = d->cut_after};
    sbuf_t last_user = {0};
    size_t words;
    const char *param = NULL;
    const char *err = read_prompt(body, kind, &last_user, &words, &param);
    if (err) {
        reply_error(r, kind, 400, err, param);
        free(last_user.p);
        return;
    }
    if (d->tool_call.len) {
        if (kind == K_COMPLETION || !has_tool(body, d->tool_call.p)) {
            char msg[300];
            snprintf(msg, sizeof msg, "tool_call=%.200s but the request has no tool of that name",
                     d->tool_call.p);
            reply_error(r, kind, 400, msg, "tools");
            free(last_user.p);
            return;
        }
        g.tool = d->tool_call.p;
        sb_puts(&g.text, "{\"text\":");
        sb_json_str(&g.text, last_user.p ? last_user.p : "", last_user.len);
        sb_puts(&g.text, "}");
    } else {
        if (d->has_answer) {
            sb_add(&g.text, d->answer.p, d->answer.len);
        } else {
            sb_puts(&g.text, "echo: ");
            if (last_user.len)
                sb_add(&g.text, last_user.p, last_user.len);
        }
        /* response_format json_object / json_schema: answer with a JSON object, so a client
         * can see the field arrived - unless the test scripted the answer (a judge's verdict),
         * which is sent as written */
        const char *rf =
            json_string_value(json_object_get(json_object_get(body, "response_format"), "type"));
        if (kind == K_CHAT && !d->has_answer && rf &&
            (!strcmp(rf, "json_object") || !strcmp(rf, "json_schema"))) {
            sbuf_t wrapped = {0};
            sb_puts(&wrapped, "{\"answer\":");
            sb_json_str(&wrapped, g.text.p, g.text.len);
            sb_puts(&wrapped, "}");
            free(g.text.p);
            g.text = wrapped;
        }
    }
    free(last_user.p);
    g.model = model;
    g.prompt_tokens = d->has_usage ? d->usage_prompt : (long)words;
    g.completion_tokens = d->has_usage ? d->usage_completion
                                       : (long)count_words(g.text.p ? g.text.p : "", g.text.len);
    g.id = atomic_fetch_add(&g_next_id, 1) + 1;
    g.created = (long)time(NULL);
    r->status = 200;
    r->delay_ms = d->latency_ms > 0 ? d->latency_ms : 0;

    if (!json_is_true(json_object_get(body, "stream"))) {
        sbuf_t out = {0};
        nonstream_body(&g, &out);
        free(g.text.p);
        if (d->cut_after >= 0) {
            cut_body_t *c = malloc(sizeof *c);
            if (!c)
                abort();
            c->body = out;
            r->resp =
                MHD_create_response_from_callback(out.len, STREAM_BLOCK, cut_read, c, cut_free);
            MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_TYPE, APPLICATION_JS);
        } else {
            r->resp = buffer_response(&out, APPLICATION_JS);
        }
        return;
    }
    stream_t *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->g = g;
    s->g.model = xstrdup(model);
    s->g.tool = g.tool ? xstrdup(g.tool) : NULL;
    s->g.include_usage =
        json_is_true(json_object_get(json_object_get(body, "stream_options"), "include_usage"));
    s->conn = conn;
    split_pieces(s);
    r->resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, stream_read, s,
                                                stream_free);
    MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
}

/* splitmix64: the vector's numbers, seeded by a hash of the input text. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static void base64_append(sbuf_t *b, const unsigned char *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    sb_reserve(b, (n + 2) / 3 * 4);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        b->p[b->len++] = tab[(v >> 18) & 63];
        b->p[b->len++] = tab[(v >> 12) & 63];
        b->p[b->len++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        b->p[b->len++] = i + 2 < n ? tab[v & 63] : '=';
    }
    b->p[b->len] = '\0';
}

/* One unit-length vector of dimension dim for the input text; float or base64 (float32 LE). */
static void embedding_json(sbuf_t *b, const char *text, size_t len, long dim, int base64)
{
    float v[MAX_DIM];
    uint64_t state = fnv1a(text, len);
    double norm = 0;
    for (long i = 0; i < dim; i++) {
        double x = (double)(splitmix64(&state) >> 11) * (1.0 / 9007199254740992.0) * 2.0 - 1.0;
        v[i] = (float)x;
        norm += x * x;
    }
    norm = norm > 0 ? 1.0 / sqrt(norm) : 1.0;
    for (long i = 0; i < dim; i++)
        v[i] = (float)(v[i] * norm);
    if (base64) {
        sb_add(b, "\"", 1);
        base64_append(b, (const unsigned char *)v, (size_t)dim * sizeof(float));
        sb_add(b, "\"", 1);
        return;
    }
    sb_add(b, "[", 1);
    for (long i = 0; i < dim; i++)
        sb_printf(b, i ? ",%.8g" : "%.8g", (double)v[i]);
    sb_add(b, "]", 1);
}

static void handle_embeddings(json_t *body, const char *model, directives_t *d, reply_t *r)
{
    json_t *input = json_object_get(body, "input");
    const char *fmt = json_string_value(json_object_get(body, "encoding_format"));
    if (fmt && strcmp(fmt, "float") && strcmp(fmt, "base64")) {
        reply_error(r, K_CHAT, 400, "encoding_format must be float or base64", "encoding_format");
        return;
    }
    /* the inputs: a string, an array of strings, an array of tokens, or an array of those */
    json_t *list = json_array();
    if (json_is_string(input) ||
        (json_is_array(input) && json_is_integer(json_array_get(input, 0))))
        json_array_append(list, input);
    else if (json_is_array(input))
        json_array_extend(list, input);
    size_t i;
    json_t *item;
    int ok = json_array_size(list) > 0;
    json_array_foreach(list, i, item) ok = ok && (json_is_string(item) || json_is_array(item));
    if (!ok) {
        json_decref(list);
        reply_error(r, K_CHAT, 400, "input must be a non-empty string or array", "input");
        return;
    }
    sbuf_t b = {0};
    size_t words = 0;
    sb_puts(&b, "{\"object\":\"list\",\"data\":[");
    json_array_foreach(list, i, item)
    {
        char *dumped = json_is_string(item) ? NULL : json_dumps(item, JSON_COMPACT);
        const char *text = dumped ? dumped : json_string_value(item);
        size_t len = dumped ? strlen(dumped) : json_string_length(item);
        words += dumped ? json_array_size(item) : count_words(text, len);
        sb_printf(&b, "%s{\"object\":\"embedding\",\"index\":%zu,\"embedding\":", i ? "," : "", i);
        embedding_json(&b, text, len, d->dim, fmt && !strcmp(fmt, "base64"));
        sb_puts(&b, "}");
        free(dumped);
    }
    json_decref(list);
    long prompt = d->has_usage ? d->usage_prompt : (long)words;
    sb_puts(&b, "],\"model\":");
    sb_json_cstr(&b, model);
    sb_printf(&b, ",\"usage\":{\"prompt_tokens\":%ld,\"total_tokens\":%ld}}", prompt, prompt);
    r->status = 200;
    r->resp = buffer_response(&b, APPLICATION_JS);
    r->delay_ms = d->latency_ms > 0 ? d->latency_ms : 0;
}

static void handle_models(reply_t *r)
{
    sbuf_t b = {0};
    sb_puts(&b, "{\"object\":\"list\",\"data\":[{\"id\":\"fake\",\"object\":\"model\","
                "\"created\":0,\"owned_by\":\"fake-provider\"}]}");
    r->status = 200;
    r->resp = buffer_response(&b, APPLICATION_JS);
}

static void handle_stats(reply_t *r)
{
    pthread_mutex_lock(&g_stats_lock);
    json_t *o = json_pack("{s:I,s:I,s:I,s:o,s:o}", "requests", (json_int_t)g_requests,
                          "connections_open", (json_int_t)atomic_load(&g_conn_open),
                          "connections_total", (json_int_t)atomic_load(&g_conn_total), "models",
                          table_json(g_models), "auth", table_json(g_keys));
    pthread_mutex_unlock(&g_stats_lock);
    sbuf_t b = {0};
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    sb_puts(&b, text);
    free(text);
    json_decref(o);
    r->status = 200;
    r->resp = buffer_response(&b, APPLICATION_JS);
}

static void handle_reset(reply_t *r)
{
    pthread_mutex_lock(&g_stats_lock);
    table_clear(g_models);
    table_clear(g_keys);
    g_requests = 0;
    atomic_store(&g_conn_total, atomic_load(&g_conn_open));
    pthread_mutex_unlock(&g_stats_lock);
    sbuf_t b = {0};
    sb_puts(&b, "{\"reset\":true}");
    r->status = 200;
    r->resp = buffer_response(&b, APPLICATION_JS);
}

/* ------------------------------------------------------------------ request routing */

typedef struct request {
    sbuf_t body;
    int too_large;
    struct MHD_Response *ready; /* built, waiting for latency_ms to pass */
    unsigned ready_status;
} request_t;

static void dispatch_api(struct MHD_Connection *conn, enum kind kind, int embeddings, request_t *rq,
                         reply_t *r)
{
    if (rq->too_large) {
        reply_error(r, kind, 413, "request body too large", NULL);
        return;
    }
    json_error_t jerr;
    json_t *body = json_loadb(rq->body.p ? rq->body.p : "", rq->body.len, 0, &jerr);
    if (!json_is_object(body)) {
        json_decref(body);
        reply_error(r, kind, 400, "the request body must be a JSON object", NULL);
        return;
    }
    const char *model = json_string_value(json_object_get(body, "model"));
    if (!model || !*model) {
        json_decref(body);
        reply_error(r, kind, 400, "model is required", "model");
        return;
    }
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (!auth && kind == K_MESSAGES)
        auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "x-api-key");
    long seen = stats_count(model, auth);
    directives_t d;
    parse_directives(model, &d);
    if (d.bad.len) {
        char msg[200];
        snprintf(msg, sizeof msg, "bad value for directive %.100s in the model string", d.bad.p);
        reply_error(r, kind, 400, msg, "model");
    } else if (d.status >= 0) {
        r->status = (unsigned)d.status;
        r->resp = error_response(kind, r->status, "failure requested by status directive", NULL,
                                 d.retry_after);
        r->delay_ms = d.latency_ms > 0 ? d.latency_ms : 0;
    } else if (d.fail_times > 0 && seen <= d.fail_times) {
        r->status = (unsigned)d.fail_status;
        r->resp = error_response(kind, r->status, "failure requested by fail_times directive", NULL,
                                 d.retry_after);
        r->delay_ms = d.latency_ms > 0 ? d.latency_ms : 0;
    } else if (embeddings) {
        handle_embeddings(body, model, &d, r);
    } else {
        handle_generate(body, kind, model, &d, conn, r);
    }
    directives_free(&d);
    json_decref(body);
    MHD_add_response_header(r->resp, "X-Fake-Auth", auth ? "yes" : "no");
}

static void dispatch(struct MHD_Connection *conn, const char *url, const char *method,
                     request_t *rq, reply_t *r)
{
    int post = strcmp(method, "POST") == 0, get = strcmp(method, "GET") == 0;
    if (post && !strcmp(url, "/v1/chat/completions"))
        dispatch_api(conn, K_CHAT, 0, rq, r);
    else if (post && !strcmp(url, "/v1/completions"))
        dispatch_api(conn, K_COMPLETION, 0, rq, r);
    else if (post && !strcmp(url, "/v1/embeddings"))
        dispatch_api(conn, K_CHAT, 1, rq, r);
    else if (post && !strcmp(url, "/v1/messages"))
        dispatch_api(conn, K_MESSAGES, 0, rq, r);
    else if (get && !strcmp(url, "/v1/models"))
        handle_models(r);
    else if (get && !strcmp(url, "/_stats"))
        handle_stats(r);
    else if (post && !strcmp(url, "/_reset"))
        handle_reset(r);
    else
        reply_error(r, K_CHAT, 404, "no such endpoint", NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)cls, (void)version;
    request_t *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_size) {
        if (rq->body.len + *upload_size > MAX_BODY)
            rq->too_large = 1;
        else
            sb_add(&rq->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    struct MHD_Response *resp;
    unsigned status;
    if (rq->ready) { /* resumed after latency_ms */
        resp = rq->ready;
        status = rq->ready_status;
        rq->ready = NULL;
    } else {
        reply_t r = {0};
        dispatch(conn, url, method, rq, &r);
        if (r.delay_ms > 0 && suspend_until(conn, now_ns() + (uint64_t)r.delay_ms * 1000000u)) {
            rq->ready = r.resp;
            rq->ready_status = r.status;
            return MHD_YES;
        }
        resp = r.resp;
        status = r.status;
    }
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)conn, (void)code;
    request_t *rq = *con_cls;
    if (!rq)
        return;
    if (rq->ready)
        MHD_destroy_response(rq->ready);
    free(rq->body.p);
    free(rq);
    *con_cls = NULL;
}

/* ------------------------------------------------------------------ main */

static void usage(void)
{
    fputs("usage: fake_provider [--port N] [--host ADDR] [--threads N]\n", stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    long port = 0, threads = sysconf(_SC_NPROCESSORS_ONLN);
    const char *host = "127.0.0.1";
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (!strcmp(argv[i], "--port") && !parse_long(argv[i + 1], 0, 65535, &port))
            i++;
        else if (!strcmp(argv[i], "--threads") && !parse_long(argv[i + 1], 1, 256, &threads))
            i++;
        else if (!strcmp(argv[i], "--host"))
            host = argv[++i];
        else
            usage();
    }
    if (threads < 1)
        threads = 1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "fake_provider: --host must be an IPv4 address: %s\n", host);
        return 2;
    }
    /* Signals go to the main thread only, which waits for them below. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    timer_start();
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME, (uint16_t)port, NULL, NULL,
        on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_CONNECTION_LIMIT, 20000u,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u, MHD_OPTION_CONNECTION_TIMEOUT, 300u,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, NULL, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "fake_provider: cannot listen on %s:%ld\n", host, port);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("listening %u\n", info ? (unsigned)info->port : (unsigned)port);
    fflush(stdout);

    int sig;
    sigwait(&sigs, &sig);
    timer_stop();
    MHD_stop_daemon(d);
    table_clear(g_models);
    table_clear(g_keys);
    return 0;
}
