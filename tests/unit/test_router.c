/* test_router.c - unit tests for the transport-neutral HTTP layer: http/router.h (route table,
 * literal and {param} / {rest*} matching on the raw path, percent-decoding, 405 allow lists),
 * http/dispatch.h (target parsing, query decoding and limits, 400 / 404 / 405 / 500 answers)
 * and http/request.h (lookups, http_body_object, response builders and the error body shape).
 *
 * The handlers are this file's own: they echo what they were given as JSON, so a test checks
 * what routing and decoding produced. No app_t is needed: req.app stays NULL. */
#include "unit/testutil.h"

#include <jansson.h>
#include <strings.h>

#include "http/dispatch.h"
#include "http/request.h"
#include "http/router.h"

/* ---- handlers ------------------------------------------------------------------------------- */

/* {"handler":"echo","method","path","params":{...},"query":[[name,value],...]} */
static void echo_handler(http_request_t *req, http_response_t *res)
{
    json_t *params = json_object();
    for (size_t i = 0; i < req->nparams; i++)
        json_object_set_new(params, req->params[i].name, json_string(req->params[i].value));
    json_t *query = json_array();
    for (size_t i = 0; i < req->nquery; i++)
        json_array_append_new(query, json_pack("[s, s]", req->query[i].name, req->query[i].value));
    http_respond_json(res, 200,
                      json_pack("{s:s, s:s, s:s, s:o, s:o}", "handler", "echo", "method",
                                req->method, "path", req->path, "params", params, "query", query));
}

static void post_handler(http_request_t *req, http_response_t *res)
{
    (void)req;
    http_respond_json(res, 201, json_pack("{s:s}", "handler", "post"));
}

static void silent_handler(http_request_t *req, http_response_t *res)
{
    (void)req;
    (void)res;
}

/* Parses the body as an object; answers it back, or lets http_body_object answer the error. */
static void body_handler(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    http_respond_json(res, 200, body);
}

/* ---- fixture -------------------------------------------------------------------------------- */

static int setup(void **state)
{
    router_t *r = router_new();
    router_add(r, "GET", "/", echo_handler);
    router_add(r, "GET", "/health", echo_handler);
    router_add(r, "GET", "/items", echo_handler);
    router_add(r, "POST", "/items", post_handler);
    router_add(r, "GET", "/items/{id}", echo_handler);
    router_add(r, "GET", "/items/{id}/tags/{tag}", echo_handler);
    router_add(r, "GET", "/files/{path*}", echo_handler);
    router_add(r, "PUT", "/things/{id}", echo_handler);
    router_add(r, "DELETE", "/things/{id}", echo_handler);
    router_add(r, "PUT", "/things/{id}", post_handler); /* duplicate method: listed once */
    router_add(r, "GET", "/silent", silent_handler);
    router_add(r, "POST", "/body", body_handler);
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    router_free(*state);
    return 0;
}

/* One dispatched request and its response, freed by exchange_free. */
typedef struct exchange {
    http_request_t req;
    http_response_t res;
    json_t *json; /* the parsed response body */
} exchange_t;

static void dispatch_body(void **state, exchange_t *x, const char *method, const char *target,
                          const char *body, size_t body_len)
{
    memset(x, 0, sizeof *x);
    x->req.method = method;
    x->req.target = target;
    x->req.body = body;
    x->req.body_len = body_len;
    x->req.request_id = "test-request";
    http_dispatch(*state, &x->req, &x->res);
    assert_true(x->res.status >= 200 && x->res.status <= 599);
    assert_non_null(x->res.body);
    json_error_t jerr;
    x->json = json_loadb(x->res.body, x->res.body_len, 0, &jerr);
    if (!x->json)
        fail_msg("response body is not JSON: %s", x->res.body);
}

static void dispatch(void **state, exchange_t *x, const char *method, const char *target)
{
    dispatch_body(state, x, method, target, NULL, 0);
}

static void exchange_free(exchange_t *x)
{
    json_decref(x->json);
    http_request_free(&x->req);
    http_response_free(&x->res);
}

/* x->json's string at a dotted path of object keys, or NULL. */
static const char *json_at(const exchange_t *x, const char *a, const char *b)
{
    json_t *v = json_object_get(x->json, a);
    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

/* Assert an error response: status, code, and (when not NULL) a piece of the message. */
static void assert_error(const exchange_t *x, int status, const char *code, const char *in_message)
{
    assert_int_equal(x->res.status, status);
    assert_string_equal(x->res.content_type, "application/json");
    assert_string_equal(json_at(x, "error", "code"), code);
    const char *message = json_at(x, "error", "message");
    assert_non_null(message);
    if (in_message && !strstr(message, in_message))
        fail_msg("error message \"%s\" lacks \"%s\"", message, in_message);
}

/* Name/value of the i-th query pair in an echo response. */
static const char *query_at(const exchange_t *x, size_t i, int value)
{
    json_t *pair = json_array_get(json_object_get(x->json, "query"), i);
    return json_string_value(json_array_get(pair, value ? 1 : 0));
}

/* ---- routing -------------------------------------------------------------------------------- */

static void literal_route_matches(void **state)
{
    exchange_t x;
    dispatch(state, &x, "GET", "/health");
    assert_int_equal(x.res.status, 200);
    assert_string_equal(json_at(&x, "handler", NULL), "echo");
    assert_string_equal(json_at(&x, "path", NULL), "/health");
    assert_int_equal(json_object_size(json_object_get(x.json, "params")), 0);
    exchange_free(&x);

    dispatch(state, &x, "GET", "/");
    assert_int_equal(x.res.status, 200);
    assert_string_equal(json_at(&x, "path", NULL), "/");
    exchange_free(&x);

    dispatch(state, &x, "POST", "/items");
    assert_int_equal(x.res.status, 201);
    assert_string_equal(json_at(&x, "handler", NULL), "post");
    exchange_free(&x);
}

static void literal_route_needs_exact_path(void **state)
{
    const char *misses[] = {"/health/", "/healthz", "/Health", "/health/x", "//health"};
    for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++) {
        exchange_t x;
        dispatch(state, &x, "GET", misses[i]);
        assert_error(&x, 404, "not_found", NULL);
        exchange_free(&x);
    }
}

static void param_is_captured_and_decoded(void **state)
{
    exchange_t x;
    dispatch(state, &x, "GET", "/items/a%20b");
    assert_int_equal(x.res.status, 200);
    assert_string_equal(json_at(&x, "params", "id"), "a b");
    assert_string_equal(json_at(&x, "path", NULL), "/items/a b");
    assert_string_equal(http_param(&x.req, "id"), "a b");
    assert_null(http_param(&x.req, "nope"));
    exchange_free(&x);

    dispatch(state, &x, "GET", "/items/caf%C3%A9");
    assert_string_equal(json_at(&x, "params", "id"), "caf\xc3\xa9");
    exchange_free(&x);
}

static void encoded_slash_stays_in_param(void **state)
{
    exchange_t x;
    dispatch(state, &x, "GET", "/items/a%2Fb");
    assert_int_equal(x.res.status, 200);
    assert_string_equal(json_at(&x, "params", "id"), "a/b");
    exchange_free(&x);

    dispatch(state, &x, "GET", "/items/a%2fb/tags/x%2Fy");
    assert_int_equal(x.res.status, 200);
    assert_string_equal(json_at(&x, "params", "id"), "a/b");
    assert_string_equal(json_at(&x, "params", "tag"), "x/y");
    exchange_free(&x);
}

static void several_params(void **state)
{
    exchange_t x;
    dispatch(state, &x, "GET", "/items/42/tags/red");
    assert_int_equal(x.res.status, 200);
    assert_string_equal(json_at(&x, "params", "id"), "42");
    assert_string_equal(json_at(&x, "params", "tag"), "red");
    assert_int_equal(x.req.nparams, 2);
    exchange_free(&x);
}

static void param_must_be_non_empty(void **state)
{
    exchange_t x;
    dispatch(state, &x, "GET", "/items/");
    assert_error(&x, 404, "not_found", NULL);
    exchange_free(&x);
    dispatch(state, &x, "GET", "/items//tags/red");
    assert_error(&x, 404, "not_found", NULL);
    exchange_free(&x);
}

static void rest_param_takes_remaining_segments(void **state)
{
    exchange_t x;
    dispatch(state, &x, "GET", "/files/a/b/c.txt");
    assert_int_equal(x.res.status, 200);
    assert_string_equal(json_at(&x, "params", "path"), "a/b/c.txt");
    exchange_free(&x);

    dispatch(state, &x, "GET", "/files/one");
    assert_string_equal(json_at(&x, "params", "path"), "one");
    exchange_free(&x);

    dispatch(state, &x, "GET", "/files/dir%20x/f%2Fg");
    assert_string_equal(json_at(&x, "params", "path"), "dir x/f/g");
    exchange_free(&x);

    dispatch(state, &x, "GET", "/files/");
    assert_error(&x, 404, "not_found", NULL);
    exchange_free(&x);
}

static void plus_is_literal_in_path(void **state)
{
    exchange_t x;
    dispatch(state, &x, "GET", "/items/a+b?q=a+b&r=c%2Bd");
    assert_int_equal(x.res.status, 200);
    assert_string_equal(json_at(&x, "params", "id"), "a+b");
    assert_string_equal(http_query(&x.req, "q"), "a b");
    assert_string_equal(http_query(&x.req, "r"), "c+d");
    exchange_free(&x);
}

static void head_is_routed_to_get(void **state)
{
    exchange_t x;
    dispatch(state, &x, "HEAD", "/items/7");
    assert_int_equal(x.res.status, 200);
    assert_string_equal(json_at(&x, "handler", NULL), "echo");
    assert_string_equal(json_at(&x, "params", "id"), "7");
    exchange_free(&x);
}

static void wrong_method_is_405_with_allow(void **state)
{
    exchange_t x;
    dispatch(state, &x, "DELETE", "/items");
    assert_error(&x, 405, "method_not_allowed", "DELETE");
    assert_int_equal(x.res.nheaders, 1);
    assert_string_equal(x.res.headers[0].name, "Allow");
    assert_string_equal(x.res.headers[0].value, "GET, HEAD, POST");
    assert_null(json_object_get(json_object_get(x.json, "error"), "field"));
    exchange_free(&x);

    dispatch(state, &x, "GET", "/things/9");
    assert_error(&x, 405, "method_not_allowed", NULL);
    assert_int_equal(x.res.nheaders, 1);
    assert_string_equal(x.res.headers[0].value, "PUT, DELETE");
    exchange_free(&x);
}

static void router_match_reports_allow(void **state)
{
    http_request_t req;
    memset(&req, 0, sizeof req);
    http_handler_fn fn = NULL;
    char allow[64] = "junk";
    assert_int_equal(router_match(*state, "PATCH", "/items", &req, &fn, allow, sizeof allow),
                     ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(allow, "GET, HEAD, POST");
    assert_null(fn);
    assert_int_equal(req.nparams, 0);

    assert_int_equal(router_match(*state, "GET", "/nowhere", &req, &fn, allow, sizeof allow),
                     ROUTE_NOT_FOUND);
    assert_string_equal(allow, "");

    assert_int_equal(router_match(*state, "GET", "/items/x%2Fy", &req, &fn, allow, sizeof allow),
                     ROUTE_FOUND);
    assert_true(fn == echo_handler);
    assert_int_equal(req.nparams, 1);
    assert_string_equal(http_param(&req, "id"), "x/y");
    http_request_free(&req);

    fn = NULL;
    assert_int_equal(router_match(*state, "GET", "/items/a%00b", &req, &fn, allow, sizeof allow),
                     ROUTE_BAD_PATH);
    assert_null(fn);
    assert_int_equal(req.nparams, 0);
}

static void unknown_path_is_404_naming_path(void **state)
{
    exchange_t x;
    dispatch(state, &x, "GET", "/no/such/route?x=1");
    assert_error(&x, 404, "not_found", "/no/such/route");
    assert_int_equal(x.res.nheaders, 0);
    exchange_free(&x);

    dispatch(state, &x, "POST", "/nothing%20here");
    assert_error(&x, 404, "not_found", "/nothing here");
    exchange_free(&x);
}

static void encoded_nul_in_path_is_400(void **state)
{
    const char *targets[] = {"/items/a%00b", "/%00", "/health%00", "/files/a/%00/b"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        exchange_t x;
        dispatch(state, &x, "GET", targets[i]);
        assert_error(&x, 400, "invalid_argument", NULL);
        exchange_free(&x);
    }
}

static void target_must_start_with_slash(void **state)
{
    const char *targets[] = {"items", "*", "", "?a=1", "http://example.com/items"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        exchange_t x;
        dispatch(state, &x, "GET", targets[i]);
        assert_error(&x, 400, "invalid_argument", NULL);
        exchange_free(&x);
    }
}

/* ---- query ---------------------------------------------------------------------------------- */

static void query_is_decoded_in_order(void **state)
{
    exchange_t x;
    dispatch(state, &x, "GET", "/items?a=1&b=x%20y&c=&d&a=2");
    assert_int_equal(x.res.status, 200);
    assert_int_equal(x.req.nquery, 5);
    const char *expect[][2] = {{"a", "1"}, {"b", "x y"}, {"c", ""}, {"d", ""}, {"a", "2"}};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(query_at(&x, i, 0), expect[i][0]);
        assert_string_equal(query_at(&x, i, 1), expect[i][1]);
    }
    assert_string_equal(http_query(&x.req, "a"), "1"); /* the first one wins */
    assert_string_equal(http_query(&x.req, "b"), "x y");
    assert_string_equal(http_query(&x.req, "c"), "");
    assert_string_equal(http_query(&x.req, "d"), "");
    assert_null(http_query(&x.req, "e"));
    assert_string_equal(json_at(&x, "path", NULL), "/items"); /* query is not in the path */
    exchange_free(&x);
}

static void query_edge_cases(void **state)
{
    exchange_t x;
    dispatch(state, &x, "GET", "/items?&&x=1&&");
    assert_int_equal(x.res.status, 200);
    assert_int_equal(x.req.nquery, 1);
    assert_string_equal(http_query(&x.req, "x"), "1");
    exchange_free(&x);

    dispatch(state, &x, "GET", "/items?");
    assert_int_equal(x.res.status, 200);
    assert_int_equal(x.req.nquery, 0);
    exchange_free(&x);

    dispatch(state, &x, "GET", "/items?k%3D=v%26w&e=a=b&sp+ace=1");
    assert_int_equal(x.res.status, 200);
    assert_string_equal(http_query(&x.req, "k="), "v&w");
    assert_string_equal(http_query(&x.req, "e"), "a=b"); /* only the first '=' splits */
    assert_string_equal(http_query(&x.req, "sp ace"), "1");
    exchange_free(&x);
}

static void query_with_encoded_nul_is_400(void **state)
{
    exchange_t x;
    dispatch(state, &x, "GET", "/items?a=x%00y");
    assert_error(&x, 400, "invalid_argument", NULL);
    exchange_free(&x);
    dispatch(state, &x, "GET", "/items?a%00=1");
    assert_error(&x, 400, "invalid_argument", NULL);
    exchange_free(&x);
}

static void too_many_query_params_is_400(void **state)
{
    char target[1024];
    size_t n = (size_t)snprintf(target, sizeof target, "/items?");
    for (int i = 0; i < HTTP_MAX_QUERY; i++)
        n += (size_t)snprintf(target + n, sizeof target - n, "%sp%d=%d", i ? "&" : "", i, i);
    exchange_t x;
    dispatch(state, &x, "GET", target); /* exactly the limit is fine */
    assert_int_equal(x.res.status, 200);
    assert_int_equal(x.req.nquery, HTTP_MAX_QUERY);
    exchange_free(&x);

    snprintf(target + n, sizeof target - n, "&one=more");
    dispatch(state, &x, "GET", target);
    assert_error(&x, 400, "invalid_argument", "too many query parameters");
    exchange_free(&x);
}

/* ---- handlers that misbehave, bodies -------------------------------------------------------- */

static void handler_without_response_is_500(void **state)
{
    exchange_t x;
    dispatch(state, &x, "GET", "/silent");
    assert_error(&x, 500, "internal", NULL);
    exchange_free(&x);
}

static void body_object_accepts_object(void **state)
{
    const char *body = "{\"name\": \"x\", \"n\": [1, 2]}";
    exchange_t x;
    dispatch_body(state, &x, "POST", "/body", body, strlen(body));
    assert_int_equal(x.res.status, 200);
    assert_string_equal(json_at(&x, "name", NULL), "x");
    exchange_free(&x);
}

static void body_object_malformed_is_400_with_position(void **state)
{
    const char *body = "{\n  \"name\": \"x\",\n  \"n\": [1, 2\n}";
    exchange_t x;
    dispatch_body(state, &x, "POST", "/body", body, strlen(body));
    assert_error(&x, 400, "invalid_json", "line ");
    assert_non_null(strstr(json_at(&x, "error", "message"), "column"));
    exchange_free(&x);
}

static void body_object_empty_is_400(void **state)
{
    exchange_t x;
    dispatch_body(state, &x, "POST", "/body", NULL, 0);
    assert_error(&x, 400, "invalid_json", "empty");
    exchange_free(&x);
    dispatch_body(state, &x, "POST", "/body", "", 0);
    assert_error(&x, 400, "invalid_json", NULL);
    exchange_free(&x);
}

static void body_object_array_is_400(void **state)
{
    const char *body = "[{\"name\": \"x\"}]";
    exchange_t x;
    dispatch_body(state, &x, "POST", "/body", body, strlen(body));
    assert_error(&x, 400, "invalid_json", "object");
    exchange_free(&x);
}

static void body_object_duplicate_keys_is_400(void **state)
{
    const char *body = "{\"a\": 1, \"a\": 2}";
    exchange_t x;
    dispatch_body(state, &x, "POST", "/body", body, strlen(body));
    assert_error(&x, 400, "invalid_json", "line ");
    exchange_free(&x);
}

/* ---- response builders ---------------------------------------------------------------------- */

static void respond_error_shape(void **state)
{
    (void)state;
    http_response_t res;
    memset(&res, 0, sizeof res);
    err_t err;
    err_invalid(&err, "name", "name is required");
    http_respond_error(&res, &err);
    assert_int_equal(res.status, 400);
    assert_string_equal(res.content_type, "application/json");
    assert_int_equal(res.body_len, strlen(res.body));
    json_t *v = json_loads(res.body, 0, NULL);
    assert_non_null(v);
    assert_int_equal(json_object_size(v), 1);
    json_t *e = json_object_get(v, "error");
    assert_int_equal(json_object_size(e), 3);
    assert_string_equal(json_string_value(json_object_get(e, "code")), "invalid_argument");
    assert_string_equal(json_string_value(json_object_get(e, "message")), "name is required");
    assert_string_equal(json_string_value(json_object_get(e, "field")), "name");
    json_decref(v);

    /* No field: the key is left out. Answering again replaces the first answer. */
    err_not_found(&err, "no experiment %d", 3);
    http_respond_error(&res, &err);
    assert_int_equal(res.status, 404);
    v = json_loads(res.body, 0, NULL);
    assert_non_null(v);
    e = json_object_get(v, "error");
    assert_int_equal(json_object_size(e), 2);
    assert_null(json_object_get(e, "field"));
    assert_string_equal(json_string_value(json_object_get(e, "message")), "no experiment 3");
    json_decref(v);

    /* An error with no status is a 500. */
    err_t blank;
    memset(&blank, 0, sizeof blank);
    strcpy(blank.code, "internal");
    http_respond_error(&res, &blank);
    assert_int_equal(res.status, 500);
    http_response_free(&res);
    assert_null(res.body);
    assert_int_equal(res.status, 0);
}

static void respond_errorf_formats(void **state)
{
    (void)state;
    http_response_t res;
    memset(&res, 0, sizeof res);
    http_respond_errorf(&res, 409, "conflict", "alias", "alias %s exists", "prod");
    assert_int_equal(res.status, 409);
    assert_string_equal(res.body,
                        "{\"error\":{\"code\":\"conflict\",\"message\":\"alias prod exists\","
                        "\"field\":\"alias\"}}");
    http_response_free(&res);
}

static void respond_bytes_and_headers(void **state)
{
    (void)state;
    http_response_t res;
    memset(&res, 0, sizeof res);
    http_respond_bytes(&res, 200, "text/plain", "a\0b", 3);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.content_type, "text/plain");
    assert_int_equal(res.body_len, 3);
    assert_memory_equal(res.body, "a\0b\0", 4);
    for (int i = 0; i < HTTP_MAX_EXTRA_HEADERS + 2; i++) {
        char name[16];
        snprintf(name, sizeof name, "X-H%d", i);
        http_response_add_header(&res, name, "v");
    }
    assert_int_equal(res.nheaders, HTTP_MAX_EXTRA_HEADERS); /* extra ones dropped */
    assert_string_equal(res.headers[0].name, "X-H0");
    http_response_free(&res);
    assert_int_equal(res.nheaders, 0);
}

static const char *fake_header(void *ctx, const char *name)
{
    return strcasecmp(name, "x-test") == 0 ? (const char *)ctx : NULL;
}

static void header_lookup(void **state)
{
    (void)state;
    http_request_t req;
    memset(&req, 0, sizeof req);
    assert_null(http_header(&req, "X-Test")); /* no transport lookup: NULL */
    req.header_fn = fake_header;
    req.header_ctx = "value";
    assert_string_equal(http_header(&req, "X-Test"), "value");
    assert_null(http_header(&req, "Other"));
}

static void decode_helper(void **state)
{
    (void)state;
    char *s = http_decode("a+b%20c%2Bd", 11, 0);
    assert_string_equal(s, "a+b c+d");
    free(s);
    s = http_decode("a+b%20c%2Bd", 11, 1);
    assert_string_equal(s, "a b c+d");
    free(s);
    s = http_decode("abc%41zzz", 6, 0); /* only len bytes are read */
    assert_string_equal(s, "abcA");
    free(s);
    s = http_decode("", 0, 0);
    assert_string_equal(s, "");
    free(s);
    assert_null(http_decode("a%00b", 5, 0));
    assert_null(http_decode("%00", 3, 1));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(literal_route_matches),
        T(literal_route_needs_exact_path),
        T(param_is_captured_and_decoded),
        T(encoded_slash_stays_in_param),
        T(several_params),
        T(param_must_be_non_empty),
        T(rest_param_takes_remaining_segments),
        T(plus_is_literal_in_path),
        T(head_is_routed_to_get),
        T(wrong_method_is_405_with_allow),
        T(router_match_reports_allow),
        T(unknown_path_is_404_naming_path),
        T(encoded_nul_in_path_is_400),
        T(target_must_start_with_slash),
        T(query_is_decoded_in_order),
        T(query_edge_cases),
        T(query_with_encoded_nul_is_400),
        T(too_many_query_params_is_400),
        T(handler_without_response_is_500),
        T(body_object_accepts_object),
        T(body_object_malformed_is_400_with_position),
        T(body_object_empty_is_400),
        T(body_object_array_is_400),
        T(body_object_duplicate_keys_is_400),
        T(respond_error_shape),
        T(respond_errorf_formats),
        T(respond_bytes_and_headers),
        T(header_lookup),
        T(decode_helper),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
