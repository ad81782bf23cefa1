/* upstream.c - the gateway's HTTP client engine (see upstream.h): one thread drives a libcurl
 * multi handle. Worker threads only take a mutex to queue a call (or a cancellation) and wake
 * the engine with curl_multi_wakeup; everything else - starting transfers, delayed starts, the
 * callbacks, finishing - happens on the engine thread, so per-call state needs no lock.
 *
 * Cost per call: one allocation holding the call, its URL and its body (the body is copied
 * exactly once), a header list, and an easy handle taken from a pool. Connections live in the
 * multi handle's cache and are reused by later calls to the same host. */
#include "providers/upstream.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"

/* Idle connections kept in the cache (64+ concurrent calls must not evict each other's). */
#define UPSTREAM_MAX_CONNECTS 1024
/* Easy handles kept for reuse. */
#define UPSTREAM_POOL 256
/* Longest the engine sleeps without a reason to wake (ms); wakeups end it sooner. */
#define UPSTREAM_IDLE_POLL_MS 1000

typedef struct call {
    upstream_call_id_t id;
    struct call *next, *prev; /* submission queue, timer list or active list */
    CURL *easy;
    struct curl_slist *headers;
    const char *method;
    char *url;  /* in the same allocation as the call */
    char *body; /* likewise */
    size_t body_len;
    int timeout_ms, connect_timeout_ms;
    int64_t start_us; /* monotonic time to start at (delay_ms) */
    upstream_callbacks_t cb;
    void *ctx;
    int head_done, aborted;
    int status;
    int64_t retry_after_ms;
    int64_t first_byte_us;
    buf_t head; /* header lines of the current response block, each NUL-terminated */
    int nhead;
    char errbuf[CURL_ERROR_SIZE];
} call_t;

struct upstream {
    pthread_t thread;
    CURLM *multi;
    pthread_mutex_t mu; /* guards the fields up to `stopping` */
    call_t *queue_head, *queue_tail;
    upstream_call_id_t *cancels;
    size_t ncancels, cancels_cap;
    upstream_call_id_t next_id;
    int stopping;
    /* engine thread only */
    call_t *timers; /* sorted by start_us */
    call_t *active; /* in the multi handle */
    CURL *pool[UPSTREAM_POOL];
    int npool;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- lists ---------------------------------------------------------------------------------- */

static void list_push(call_t **head, call_t *c)
{
    c->prev = NULL;
    c->next = *head;
    if (*head)
        (*head)->prev = c;
    *head = c;
}

static void list_remove(call_t **head, call_t *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        *head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->next = c->prev = NULL;
}

static void timer_insert(upstream_t *u, call_t *c)
{
    call_t **p = &u->timers, *prev = NULL;
    while (*p && (*p)->start_us <= c->start_us) {
        prev = *p;
        p = &(*p)->next;
    }
    c->prev = prev;
    c->next = *p;
    if (*p)
        (*p)->prev = c;
    *p = c;
}

/* ---- finishing ------------------------------------------------------------------------------ */

static void call_free(upstream_t *u, call_t *c)
{
    if (c->easy) {
        if (u->npool < UPSTREAM_POOL) {
            curl_easy_reset(c->easy);
            u->pool[u->npool++] = c->easy;
        } else {
            curl_easy_cleanup(c->easy);
        }
    }
    curl_slist_free_all(c->headers);
    buf_free(&c->head);
    free(c);
}

/* Report the end of a call and forget it. The call is in no list and no multi handle. */
static void call_finish(upstream_t *u, call_t *c, CURLcode code, int cancelled)
{
    upstream_result_t r;
    memset(&r, 0, sizeof r);
    r.status = c->status;
    if (!r.status && c->easy) {
        long status = 0;
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
        r.status = (int)status;
    }
    r.first_byte_us = c->first_byte_us;
    if (cancelled || c->aborted) {
        r.cancelled = 1;
        snprintf(r.error, sizeof r.error, "%s",
                 cancelled ? "cancelled" : "aborted by the caller's callback");
    } else if (code == CURLE_OK) {
        r.transport_ok = 1;
    } else {
        r.timed_out = code == CURLE_OPERATION_TIMEDOUT;
        snprintf(r.error, sizeof r.error, "%s",
                 c->errbuf[0] ? c->errbuf : curl_easy_strerror(code));
    }
    c->cb.on_done(c->ctx, &r);
    call_free(u, c);
}

/* ---- curl callbacks ------------------------------------------------------------------------- */

/* Retry-After: delta seconds or an HTTP date -> milliseconds from now (never negative). */
static int64_t parse_retry_after(const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    if (*v >= '0' && *v <= '9') {
        char *end;
        long long s = strtoll(v, &end, 10);
        while (*end == ' ' || *end == '\t')
            end++;
        if (*end)
            return -1;
        return s > 86400LL * 365 ? 86400LL * 365 * 1000 : s * 1000;
    }
    time_t when = curl_getdate(v, NULL);
    if (when == (time_t)-1)
        return -1;
    int64_t ms = (int64_t)when * 1000 - clock_now_ms();
    return ms < 0 ? 0 : ms;
}

static int fire_head(call_t *c)
{
    long status = 0;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    c->status = (int)status;
    c->head_done = 1;
    if (!c->cb.on_head)
        return 0;
    const char **lines = xcalloc((size_t)c->nhead + 1, sizeof *lines);
    const char *p = c->head.data;
    for (int i = 0; i < c->nhead; i++) {
        lines[i] = p;
        p += strlen(p) + 1;
    }
    int rc = c->cb.on_head(c->ctx, c->status, lines, c->retry_after_ms);
    free(lines);
    if (rc != 0)
        c->aborted = 1;
    return rc;
}

static size_t on_header(char *data, size_t size, size_t nitems, void *userdata)
{
    call_t *c = userdata;
    size_t n = size * nitems;
    if (c->head_done)
        return n; /* trailers */
    size_t len = n;
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    if (len == 0) {
        long status = 0;
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status < 200) { /* 1xx interim answer, or a proxy's CONNECT reply: not the answer */
            buf_reset(&c->head);
            c->nhead = 0;
            c->retry_after_ms = -1;
            return n;
        }
        return fire_head(c) == 0 ? n : 0;
    }
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) { /* a status line starts a new block */
        buf_reset(&c->head);
        c->nhead = 0;
        c->retry_after_ms = -1;
        return n;
    }
    buf_append(&c->head, data, len);
    buf_append_char(&c->head, '\0');
    c->nhead++;
    if (len > 12 && strncasecmp(data, "retry-after:", 12) == 0) {
        char value[128];
        size_t vl = len - 12 < sizeof value - 1 ? len - 12 : sizeof value - 1;
        memcpy(value, data + 12, vl);
        value[vl] = '\0';
        c->retry_after_ms = parse_retry_after(value);
    }
    return n;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *userdata)
{
    call_t *c = userdata;
    size_t n = size * nmemb;
    if (!c->head_done && fire_head(c) != 0)
        return CURL_WRITEFUNC_ERROR;
    if (n == 0)
        return 0;
    if (!c->first_byte_us)
        c->first_byte_us = clock_mono_us();
    if (c->cb.on_body && c->cb.on_body(c->ctx, data, n) != 0) {
        c->aborted = 1;
        return CURL_WRITEFUNC_ERROR;
    }
    return n;
}

/* ---- the engine ----------------------------------------------------------------------------- */

static CURL *easy_get(upstream_t *u)
{
    return u->npool > 0 ? u->pool[--u->npool] : curl_easy_init();
}

/* Hand a due call to the multi handle (or finish it at once when curl refuses it). */
static void call_start(upstream_t *u, call_t *c)
{
    c->easy = easy_get(u);
    CURL *e = c->easy;
    CURLMcode mc = CURLM_OUT_OF_MEMORY;
    if (e) {
        curl_easy_setopt(e, CURLOPT_URL, c->url);
        curl_easy_setopt(e, CURLOPT_PRIVATE, c);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
        if (strcmp(c->method, "GET") == 0) {
            curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        } else {
            /* The body is sent from our single copy (POSTFIELDS does not copy). */
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
            if (strcmp(c->method, "POST") != 0)
                curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c->method);
        }
        if (c->timeout_ms > 0)
            curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
        if (c->connect_timeout_ms > 0)
            curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
        mc = curl_multi_add_handle(u->multi, e);
    }
    if (mc != CURLM_OK) {
        snprintf(c->errbuf, sizeof c->errbuf, "could not start the transfer: %s",
                 curl_multi_strerror(mc));
        call_finish(u, c, CURLE_FAILED_INIT, 0);
        return;
    }
    list_push(&u->active, c);
}

static void call_cancel(upstream_t *u, call_t *c, int active)
{
    if (active) {
        list_remove(&u->active, c);
        curl_multi_remove_handle(u->multi, c->easy);
    } else {
        list_remove(&u->timers, c);
    }
    call_finish(u, c, CURLE_OK, 1);
}

static void cancel_id(upstream_t *u, upstream_call_id_t id)
{
    for (call_t *c = u->active; c; c = c->next)
        if (c->id == id) {
            call_cancel(u, c, 1);
            return;
        }
    for (call_t *c = u->timers; c; c = c->next)
        if (c->id == id) {
            call_cancel(u, c, 0);
            return;
        }
    /* already finished: nothing to do */
}

static void *engine(void *arg)
{
    upstream_t *u = arg;
    upstream_call_id_t *cancels = NULL;
    size_t cancels_cap = 0;
    for (;;) {
        pthread_mutex_lock(&u->mu);
        call_t *queued = u->queue_head;
        u->queue_head = u->queue_tail = NULL;
        size_t ncancels = u->ncancels;
        if (ncancels > cancels_cap) {
            cancels_cap = ncancels;
            cancels = xrealloc(cancels, cancels_cap * sizeof *cancels);
        }
        if (ncancels)
            memcpy(cancels, u->cancels, ncancels * sizeof *cancels);
        u->ncancels = 0;
        int stopping = u->stopping;
        pthread_mutex_unlock(&u->mu);

        int64_t now = clock_mono_us();
        while (queued) {
            call_t *c = queued;
            queued = c->next;
            c->next = c->prev = NULL;
            if (c->start_us > now)
                timer_insert(u, c);
            else
                call_start(u, c);
        }
        for (size_t i = 0; i < ncancels; i++)
            cancel_id(u, cancels[i]);
        if (stopping)
            break;
        while (u->timers && u->timers->start_us <= now) {
            call_t *c = u->timers;
            list_remove(&u->timers, c);
            call_start(u, c);
        }

        int running = 0;
        curl_multi_perform(u->multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(u->multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            call_t *c = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
            CURLcode code = msg->data.result;
            list_remove(&u->active, c);
            curl_multi_remove_handle(u->multi, c->easy);
            call_finish(u, c, code, 0);
        }

        int wait_ms = UPSTREAM_IDLE_POLL_MS;
        if (u->timers) {
            int64_t until = u->timers->start_us - clock_mono_us();
            int64_t ms = until <= 0 ? 0 : (until + 999) / 1000;
            if (ms < wait_ms)
                wait_ms = (int)ms;
        }
        curl_multi_poll(u->multi, NULL, 0, wait_ms, NULL);
    }
    /* Stopping: every call still known ends as cancelled. */
    while (u->active)
        call_cancel(u, u->active, 1);
    while (u->timers)
        call_cancel(u, u->timers, 0);
    free(cancels);
    return NULL;
}

/* ---- public API ----------------------------------------------------------------------------- */

upstream_t *upstream_start(int max_per_host, err_t *err)
{
    pthread_once(&global_once, global_init);
    upstream_t *u = xcalloc(1, sizeof *u);
    u->multi = curl_multi_init();
    if (!u->multi) {
        free(u);
        err_internal(err, "could not create the upstream HTTP client");
        return NULL;
    }
    curl_multi_setopt(u->multi, CURLMOPT_MAXCONNECTS, (long)UPSTREAM_MAX_CONNECTS);
    if (max_per_host > 0)
        curl_multi_setopt(u->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)max_per_host);
    pthread_mutex_init(&u->mu, NULL);
    u->next_id = 1;
    if (pthread_create(&u->thread, NULL, engine, u) != 0) {
        curl_multi_cleanup(u->multi);
        pthread_mutex_destroy(&u->mu);
        free(u);
        err_internal(err, "could not start the upstream HTTP client thread");
        return NULL;
    }
    return u;
}

void upstream_stop(upstream_t *u)
{
    if (!u)
        return;
    pthread_mutex_lock(&u->mu);
    u->stopping = 1;
    pthread_mutex_unlock(&u->mu);
    curl_multi_wakeup(u->multi);
    pthread_join(u->thread, NULL);
    for (int i = 0; i < u->npool; i++)
        curl_easy_cleanup(u->pool[i]);
    curl_multi_cleanup(u->multi);
    pthread_mutex_destroy(&u->mu);
    free(u->cancels);
    free(u);
}

upstream_call_id_t upstream_submit(upstream_t *u, const upstream_req_t *req,
                                   const upstream_callbacks_t *cb, void *ctx, err_t *err)
{
    if (!req || !req->url ||
        (strncmp(req->url, "http://", 7) != 0 && strncmp(req->url, "https://", 8) != 0)) {
        err_invalid(err, "url", "upstream URL must start with http:// or https://");
        return 0;
    }
    const char *method = req->method ? req->method : "POST";
    static const char *const methods[] = {"POST", "GET", "PUT", "DELETE", "PATCH"};
    const char *m = NULL;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(method, methods[i]) == 0)
            m = methods[i];
    if (!m || (req->body_len && !req->body) || !cb || !cb->on_done || req->timeout_ms < 0 ||
        req->connect_timeout_ms < 0 || req->delay_ms < 0) {
        err_invalid(err, NULL, "malformed upstream request (method, body, callbacks or times)");
        return 0;
    }
    size_t url_len = strlen(req->url);
    call_t *c = xmalloc(sizeof *c + url_len + 1 + req->body_len + 1);
    memset(c, 0, sizeof *c);
    c->url = (char *)(c + 1);
    memcpy(c->url, req->url, url_len + 1);
    c->body = c->url + url_len + 1;
    if (req->body_len)
        memcpy(c->body, req->body, req->body_len);
    c->body[req->body_len] = '\0';
    c->body_len = req->body_len;
    c->method = m;
    c->timeout_ms = req->timeout_ms;
    c->connect_timeout_ms = req->connect_timeout_ms;
    c->start_us = req->delay_ms > 0 ? clock_mono_us() + (int64_t)req->delay_ms * 1000 : 0;
    c->cb = *cb;
    c->ctx = ctx;
    c->retry_after_ms = -1;
    buf_init(&c->head);
    for (const char *const *h = req->headers; h && *h; h++)
        c->headers = curl_slist_append(c->headers, *h);
    /* No "Expect: 100-continue" round trip before bodies. */
    c->headers = curl_slist_append(c->headers, "Expect:");

    pthread_mutex_lock(&u->mu);
    if (u->stopping) {
        pthread_mutex_unlock(&u->mu);
        curl_slist_free_all(c->headers);
        free(c);
        err_unavailable(err, "the upstream client is stopping");
        return 0;
    }
    c->id = u->next_id++;
    if (u->queue_tail)
        u->queue_tail->next = c;
    else
        u->queue_head = c;
    u->queue_tail = c;
    upstream_call_id_t id = c->id;
    pthread_mutex_unlock(&u->mu);
    curl_multi_wakeup(u->multi);
    return id;
}

void upstream_cancel(upstream_t *u, upstream_call_id_t id)
{
    if (!u || !id)
        return;
    pthread_mutex_lock(&u->mu);
    if (u->ncancels == u->cancels_cap) {
        u->cancels_cap = u->cancels_cap ? u->cancels_cap * 2 : 16;
        u->cancels = xrealloc(u->cancels, u->cancels_cap * sizeof *u->cancels);
    }
    u->cancels[u->ncancels++] = id;
    pthread_mutex_unlock(&u->mu);
    curl_multi_wakeup(u->multi);
}

/* ---- blocking convenience ------------------------------------------------------------------- */

typedef struct perform {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    int status;
    buf_t body;
    upstream_result_t result;
} perform_t;

static int perform_head(void *ctx, int status, const char *const *headers, int64_t retry_ms)
{
    (void)headers;
    (void)retry_ms;
    ((perform_t *)ctx)->status = status;
    return 0;
}

static int perform_body(void *ctx, const char *data, size_t len)
{
    buf_append(&((perform_t *)ctx)->body, data, len);
    return 0;
}

static void perform_done(void *ctx, const upstream_result_t *r)
{
    perform_t *p = ctx;
    pthread_mutex_lock(&p->mu);
    p->result = *r;
    p->done = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

int upstream_perform(upstream_t *u, const upstream_req_t *req, int *status, char **body,
                     size_t *body_len, err_t *err)
{
    perform_t p;
    memset(&p, 0, sizeof p);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    buf_init(&p.body);
    upstream_callbacks_t cb = {perform_head, perform_body, perform_done};
    int rc = -1;
    if (upstream_submit(u, req, &cb, &p, err) != 0) {
        pthread_mutex_lock(&p.mu);
        while (!p.done)
            pthread_cond_wait(&p.cv, &p.mu);
        pthread_mutex_unlock(&p.mu);
        if (p.result.transport_ok) {
            *status = p.status ? p.status : p.result.status;
            *body_len = p.body.len;
            *body = buf_steal(&p.body);
            rc = 0;
        } else if (p.result.timed_out) {
            err_set(err, 504, "upstream_timeout", NULL, "upstream timed out: %s", p.result.error);
        } else {
            err_set(err, 503, "upstream_unavailable", NULL, "upstream unavailable: %s",
                    p.result.error);
        }
    }
    buf_free(&p.body);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    return rc;
}
