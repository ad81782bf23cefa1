/* test_lineage.c - unit tests for lineage/lineage.h against a real, freshly migrated store:
 * recording edges (the returned JSON, created=1 then created=0 with the same id), validation
 * errors naming the field at fault, lineage_edges in each direction, lineage_direction_parse,
 * and lineage_graph walks (a 4-node chain upstream and downstream with depths and edges, the
 * max_depth bound, cycles terminating, bad direction / depth rejected).
 *
 * Every test runs on SQLite and, when test_pg_url() names a PostgreSQL server, again on
 * PostgreSQL in a database of its own (store_testutil.h). Each backend's group migrates its
 * store once; each test starts from an empty edge table. */
#include "unit/testutil.h"
#include "unit/store_testutil.h"

#include <jansson.h>

#include "base/json.h"
#include "lineage/lineage.h"
#include "store/store.h"

/* ---- fixture: the migrated store of store_testutil.h ---------------------------------------- */

typedef test_store_t fixture_t;

/* Per test: start from an empty edge table. */
static int setup(void **state)
{
    fixture_t *f = *state;
    test_store_exec(f->store, "DELETE FROM lineage_edges");
    return 0;
}

/* ---- helpers -------------------------------------------------------------------------------- */

/* Record an edge; returns the edge JSON (caller frees) and *created. Fails the test on error. */
static json_t *record(fixture_t *f, const char *st, const char *si, const char *dt, const char *di,
                      const char *rel, int *created)
{
    lineage_edge_in_t in = {st, si, dt, di, rel};
    err_t err;
    int made = -1;
    store_conn_t *c = store_acquire(f->store);
    json_t *edge = lineage_record(c, &in, &made, &err);
    store_release(f->store, c);
    if (!edge)
        fail_msg("lineage_record %s:%s -> %s:%s: %s", st, si, dt, di, err.message);
    if (created)
        *created = made;
    return edge;
}

static void record_ok(fixture_t *f, const char *st, const char *si, const char *dt, const char *di,
                      const char *rel)
{
    json_decref(record(f, st, si, dt, di, rel, NULL));
}

/* Record an edge that must be rejected; returns the error. */
static err_t record_bad(fixture_t *f, const char *st, const char *si, const char *dt,
                        const char *di, const char *rel)
{
    lineage_edge_in_t in = {st, si, dt, di, rel};
    err_t err;
    err_clear(&err);
    int made = -7;
    store_conn_t *c = store_acquire(f->store);
    json_t *edge = lineage_record(c, &in, &made, &err);
    store_release(f->store, c);
    if (edge) {
        char *text = json_to_string(edge);
        json_decref(edge);
        fail_msg("lineage_record accepted a bad edge: %s", text);
    }
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "invalid_argument");
    return err;
}

static const char *str_at(const json_t *obj, const char *a, const char *b)
{
    const json_t *v = json_object_get(obj, a);
    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

static json_int_t int_at(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

/* Assert that node i of a graph is (type, id) at depth. */
static void assert_node(const json_t *graph, size_t i, const char *type, const char *id, int depth)
{
    const json_t *node = json_array_get(json_object_get(graph, "nodes"), i);
    assert_non_null(node);
    assert_string_equal(str_at(node, "type", NULL), type);
    assert_string_equal(str_at(node, "id", NULL), id);
    assert_int_equal(int_at(node, "depth"), depth);
}

/* Does the edge list hold src -> dst? */
static int has_edge(const json_t *edges, const char *st, const char *si, const char *dt,
                    const char *di)
{
    size_t i;
    const json_t *e;
    json_array_foreach(edges, i, e)
    {
        if (strcmp(str_at(e, "from", "type"), st) == 0 &&
            strcmp(str_at(e, "from", "id"), si) == 0 && strcmp(str_at(e, "to", "type"), dt) == 0 &&
            strcmp(str_at(e, "to", "id"), di) == 0)
            return 1;
    }
    return 0;
}

/* The chain dataset:d -> run:r -> model_version:m:1 -> trace:t. */
static void record_chain(fixture_t *f)
{
    record_ok(f, "dataset", "d", "run", "r", "input");
    record_ok(f, "run", "r", "model_version", "m:1", "produced");
    record_ok(f, "model_version", "m:1", "trace", "t", "served_by");
}

static json_t *graph_ok(fixture_t *f, const char *type, const char *id, lineage_direction_t dir,
                        int max_depth)
{
    err_t err;
    json_t *g = lineage_graph(f->store, type, id, dir, max_depth, &err);
    if (!g)
        fail_msg("lineage_graph %s:%s: %s", type, id, err.message);
    return g;
}

static json_t *edges_ok(fixture_t *f, const char *type, const char *id, lineage_direction_t dir)
{
    err_t err;
    json_t *r = lineage_edges(f->store, type, id, dir, &err);
    if (!r)
        fail_msg("lineage_edges %s:%s: %s", type, id, err.message);
    json_t *edges = json_object_get(r, "edges");
    assert_true(json_is_array(edges));
    json_incref(edges);
    json_decref(r);
    return edges;
}

/* ---- record --------------------------------------------------------------------------------- */

static void record_returns_edge_json(void **state)
{
    fixture_t *f = *state;
    int created = -1;
    json_t *edge = record(f, "dataset", "my-data:3", "run", "0190b0c2-7d6e", "input", &created);
    assert_int_equal(created, 1);
    assert_true(int_at(edge, "id") > 0);
    assert_string_equal(str_at(edge, "from", "type"), "dataset");
    assert_string_equal(str_at(edge, "from", "id"), "my-data:3");
    assert_string_equal(str_at(edge, "to", "type"), "run");
    assert_string_equal(str_at(edge, "to", "id"), "0190b0c2-7d6e");
    assert_string_equal(str_at(edge, "relation", NULL), "input");
    const json_int_t jan_2024_ms = 1704067200000;
    assert_true(int_at(edge, "created_at") > jan_2024_ms);
    assert_int_equal(json_object_size(edge), 5);
    json_decref(edge);
}

static void record_twice_is_noop(void **state)
{
    fixture_t *f = *state;
    int created = -1;
    json_t *first = record(f, "run", "r1", "model_version", "m:1", "produced", &created);
    assert_int_equal(created, 1);
    json_t *again = record(f, "run", "r1", "model_version", "m:1", "produced", &created);
    assert_int_equal(created, 0);
    assert_int_equal(int_at(again, "id"), int_at(first, "id"));
    assert_int_equal(int_at(again, "created_at"), int_at(first, "created_at"));

    /* A different relation between the same nodes is a different edge. */
    json_t *other = record(f, "run", "r1", "model_version", "m:1", "evaluated", &created);
    assert_int_equal(created, 1);
    assert_true(int_at(other, "id") != int_at(first, "id"));

    /* created may be NULL. */
    lineage_edge_in_t in = {"run", "r1", "model_version", "m:1", "produced"};
    err_t err;
    store_conn_t *c = store_acquire(f->store);
    json_t *third = lineage_record(c, &in, NULL, &err);
    store_release(f->store, c);
    assert_non_null(third);
    assert_int_equal(int_at(third, "id"), int_at(first, "id"));

    json_t *edges = edges_ok(f, "run", "r1", LINEAGE_DOWNSTREAM);
    assert_int_equal(json_array_size(edges), 2);
    json_decref(edges);
    json_decref(first);
    json_decref(again);
    json_decref(other);
    json_decref(third);
}

static void record_validates_fields(void **state)
{
    fixture_t *f = *state;
    char long_id[301];
    memset(long_id, 'x', 300);
    long_id[300] = '\0';
    char max_id[257];
    memset(max_id, 'y', 256);
    max_id[256] = '\0';
    char long_type[42];
    memset(long_type, 't', 41);
    long_type[41] = '\0';

    err_t err = record_bad(f, "Dataset", "d", "run", "r", "input");
    assert_string_equal(err.field, "from.type");
    err = record_bad(f, "data set", "d", "run", "r", "input");
    assert_string_equal(err.field, "from.type");
    err = record_bad(f, "", "d", "run", "r", "input");
    assert_string_equal(err.field, "from.type");
    err = record_bad(f, NULL, "d", "run", "r", "input");
    assert_string_equal(err.field, "from.type");
    err = record_bad(f, long_type, "d", "run", "r", "input");
    assert_string_equal(err.field, "from.type");
    err = record_bad(f, "dataset", "", "run", "r", "input");
    assert_string_equal(err.field, "from.id");
    err = record_bad(f, "dataset", NULL, "run", "r", "input");
    assert_string_equal(err.field, "from.id");
    err = record_bad(f, "dataset", long_id, "run", "r", "input");
    assert_string_equal(err.field, "from.id");
    err = record_bad(f, "dataset", "d", "Run", "r", "input");
    assert_string_equal(err.field, "to.type");
    err = record_bad(f, "dataset", "d", "run-x", "r", "input");
    assert_string_equal(err.field, "to.type");
    err = record_bad(f, "dataset", "d", "run", "", "input");
    assert_string_equal(err.field, "to.id");
    err = record_bad(f, "dataset", "d", "run", long_id, "input");
    assert_string_equal(err.field, "to.id");
    err = record_bad(f, "dataset", "d", "run", "r", "Input");
    assert_string_equal(err.field, "relation");
    err = record_bad(f, "dataset", "d", "run", "r", "feeds into");
    assert_string_equal(err.field, "relation");
    err = record_bad(f, "dataset", "d", "run", "r", "");
    assert_string_equal(err.field, "relation");
    err = record_bad(f, "dataset", "d", "run", "r", NULL);
    assert_string_equal(err.field, "relation");

    /* Nothing was written by the rejected calls. */
    json_t *edges = edges_ok(f, "dataset", "d", LINEAGE_BOTH);
    assert_int_equal(json_array_size(edges), 0);
    json_decref(edges);

    /* The limits themselves are accepted: 40-character type, 256-character id. */
    long_type[40] = '\0';
    int created = 0;
    json_t *edge =
        record(f, long_type, max_id, "t_2", "any id: with / odd \xc3\xa9 chars", "rel_9", &created);
    assert_int_equal(created, 1);
    assert_string_equal(str_at(edge, "from", "id"), max_id);
    assert_string_equal(str_at(edge, "to", "id"), "any id: with / odd \xc3\xa9 chars");
    json_decref(edge);
}

/* ---- edges ---------------------------------------------------------------------------------- */

static void edges_by_direction(void **state)
{
    fixture_t *f = *state;
    record_chain(f);
    record_ok(f, "dataset", "other", "run", "r", "input");

    json_t *up = edges_ok(f, "run", "r", LINEAGE_UPSTREAM);
    assert_int_equal(json_array_size(up), 2);
    assert_true(has_edge(up, "dataset", "d", "run", "r"));
    assert_true(has_edge(up, "dataset", "other", "run", "r"));

    json_t *down = edges_ok(f, "run", "r", LINEAGE_DOWNSTREAM);
    assert_int_equal(json_array_size(down), 1);
    assert_true(has_edge(down, "run", "r", "model_version", "m:1"));
    assert_string_equal(str_at(json_array_get(down, 0), "relation", NULL), "produced");

    json_t *both = edges_ok(f, "run", "r", LINEAGE_BOTH);
    assert_int_equal(json_array_size(both), 3);
    /* Ordered by id, i.e. by recording order. */
    for (size_t i = 1; i < json_array_size(both); i++)
        assert_true(int_at(json_array_get(both, i - 1), "id") <
                    int_at(json_array_get(both, i), "id"));

    /* Ends of the chain, and a node nobody mentions. */
    json_t *none = edges_ok(f, "dataset", "d", LINEAGE_UPSTREAM);
    assert_int_equal(json_array_size(none), 0);
    json_t *trace_up = edges_ok(f, "trace", "t", LINEAGE_UPSTREAM);
    assert_int_equal(json_array_size(trace_up), 1);
    json_t *unknown = edges_ok(f, "run", "nope", LINEAGE_BOTH);
    assert_int_equal(json_array_size(unknown), 0);
    /* The id is matched with its type: "r" as a trace is another node. */
    json_t *wrong_type = edges_ok(f, "trace", "r", LINEAGE_BOTH);
    assert_int_equal(json_array_size(wrong_type), 0);

    json_decref(up);
    json_decref(down);
    json_decref(both);
    json_decref(none);
    json_decref(trace_up);
    json_decref(unknown);
    json_decref(wrong_type);
}

static void edges_validate_node(void **state)
{
    fixture_t *f = *state;
    err_t err;
    err_clear(&err);
    assert_null(lineage_edges(f->store, "Run", "r", LINEAGE_BOTH, &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "type");
    err_clear(&err);
    assert_null(lineage_edges(f->store, "run", "", LINEAGE_BOTH, &err));
    assert_string_equal(err.field, "id");
}

static void direction_parse(void **state)
{
    (void)state;
    lineage_direction_t d = LINEAGE_UPSTREAM;
    err_t err;
    assert_int_equal(lineage_direction_parse("downstream", &d, &err), 0);
    assert_int_equal(d, LINEAGE_DOWNSTREAM);
    assert_int_equal(lineage_direction_parse("upstream", &d, &err), 0);
    assert_int_equal(d, LINEAGE_UPSTREAM);
    assert_int_equal(lineage_direction_parse("both", &d, &err), 0);
    assert_int_equal(d, LINEAGE_BOTH);
    d = LINEAGE_UPSTREAM;
    assert_int_equal(lineage_direction_parse(NULL, &d, &err), 0); /* default */
    assert_int_equal(d, LINEAGE_BOTH);
    err_clear(&err);
    assert_int_equal(lineage_direction_parse("sideways", &d, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "direction");
    assert_int_equal(lineage_direction_parse("Upstream", &d, &err), -1);
}

/* ---- graph ---------------------------------------------------------------------------------- */

static void graph_upstream_from_trace(void **state)
{
    fixture_t *f = *state;
    record_chain(f);
    record_ok(f, "trace", "t", "feedback", "fb1", "scored_by"); /* downstream: not walked */

    json_t *g = graph_ok(f, "trace", "t", LINEAGE_UPSTREAM, 10);
    assert_string_equal(str_at(g, "root", "type"), "trace");
    assert_string_equal(str_at(g, "root", "id"), "t");
    assert_string_equal(str_at(g, "direction", NULL), "upstream");
    assert_int_equal(json_array_size(json_object_get(g, "nodes")), 4);
    assert_node(g, 0, "trace", "t", 0);
    assert_node(g, 1, "model_version", "m:1", 1);
    assert_node(g, 2, "run", "r", 2);
    assert_node(g, 3, "dataset", "d", 3);
    json_t *edges = json_object_get(g, "edges");
    assert_int_equal(json_array_size(edges), 3);
    assert_true(has_edge(edges, "dataset", "d", "run", "r"));
    assert_true(has_edge(edges, "run", "r", "model_version", "m:1"));
    assert_true(has_edge(edges, "model_version", "m:1", "trace", "t"));
    json_decref(g);
}

static void graph_downstream_from_dataset(void **state)
{
    fixture_t *f = *state;
    record_chain(f);
    record_ok(f, "prompt_version", "p:2", "run", "r", "input"); /* upstream of r: not walked */

    json_t *g = graph_ok(f, "dataset", "d", LINEAGE_DOWNSTREAM, LINEAGE_MAX_DEPTH);
    assert_string_equal(str_at(g, "direction", NULL), "downstream");
    assert_string_equal(str_at(g, "root", "type"), "dataset");
    assert_int_equal(json_array_size(json_object_get(g, "nodes")), 4);
    assert_node(g, 0, "dataset", "d", 0);
    assert_node(g, 1, "run", "r", 1);
    assert_node(g, 2, "model_version", "m:1", 2);
    assert_node(g, 3, "trace", "t", 3);
    json_t *edges = json_object_get(g, "edges");
    assert_int_equal(json_array_size(edges), 3);
    assert_false(has_edge(edges, "prompt_version", "p:2", "run", "r"));
    json_decref(g);
}

static void graph_max_depth_limits_hops(void **state)
{
    fixture_t *f = *state;
    record_chain(f);

    json_t *g = graph_ok(f, "trace", "t", LINEAGE_UPSTREAM, 1);
    assert_int_equal(json_array_size(json_object_get(g, "nodes")), 2);
    assert_node(g, 0, "trace", "t", 0);
    assert_node(g, 1, "model_version", "m:1", 1);
    json_t *edges = json_object_get(g, "edges");
    assert_int_equal(json_array_size(edges), 1);
    assert_true(has_edge(edges, "model_version", "m:1", "trace", "t"));
    json_decref(g);

    g = graph_ok(f, "dataset", "d", LINEAGE_DOWNSTREAM, 2);
    assert_int_equal(json_array_size(json_object_get(g, "nodes")), 3);
    assert_int_equal(json_array_size(json_object_get(g, "edges")), 2);
    assert_node(g, 2, "model_version", "m:1", 2);
    json_decref(g);
}

static void graph_of_lonely_node_is_root_only(void **state)
{
    fixture_t *f = *state;
    record_chain(f);
    json_t *g = graph_ok(f, "dataset", "d", LINEAGE_UPSTREAM, 5);
    assert_int_equal(json_array_size(json_object_get(g, "nodes")), 1);
    assert_node(g, 0, "dataset", "d", 0);
    assert_int_equal(json_array_size(json_object_get(g, "edges")), 0);
    json_decref(g);

    g = graph_ok(f, "run", "unknown", LINEAGE_DOWNSTREAM, 5);
    assert_int_equal(json_array_size(json_object_get(g, "nodes")), 1);
    assert_int_equal(json_array_size(json_object_get(g, "edges")), 0);
    json_decref(g);
}

static void graph_diamond_reports_shortest_depth(void **state)
{
    fixture_t *f = *state;
    /* d -> r1 -> m, d -> m directly: m is at depth 1, and listed once. */
    record_ok(f, "dataset", "d", "run", "r1", "input");
    record_ok(f, "run", "r1", "model_version", "m:1", "produced");
    record_ok(f, "dataset", "d", "model_version", "m:1", "trained_on");
    json_t *g = graph_ok(f, "dataset", "d", LINEAGE_DOWNSTREAM, 10);
    assert_int_equal(json_array_size(json_object_get(g, "nodes")), 3);
    assert_node(g, 0, "dataset", "d", 0);
    assert_node(g, 1, "model_version", "m:1", 1);
    assert_node(g, 2, "run", "r1", 1);
    assert_int_equal(json_array_size(json_object_get(g, "edges")), 3);
    json_decref(g);
}

static void graph_cycle_terminates(void **state)
{
    fixture_t *f = *state;
    record_ok(f, "run", "a", "run", "b", "next");
    record_ok(f, "run", "b", "run", "a", "next");
    record_ok(f, "run", "a", "run", "a", "self"); /* a self-loop too */

    lineage_direction_t dirs[] = {LINEAGE_DOWNSTREAM, LINEAGE_UPSTREAM};
    for (size_t i = 0; i < 2; i++) {
        json_t *g = graph_ok(f, "run", "a", dirs[i], LINEAGE_MAX_DEPTH);
        assert_int_equal(json_array_size(json_object_get(g, "nodes")), 2);
        assert_node(g, 0, "run", "a", 0);
        assert_node(g, 1, "run", "b", 1);
        json_t *edges = json_object_get(g, "edges");
        assert_int_equal(json_array_size(edges), 3); /* each edge once */
        assert_true(has_edge(edges, "run", "a", "run", "b"));
        assert_true(has_edge(edges, "run", "b", "run", "a"));
        assert_true(has_edge(edges, "run", "a", "run", "a"));
        json_decref(g);
    }
}

static void graph_rejects_bad_arguments(void **state)
{
    fixture_t *f = *state;
    record_chain(f);
    err_t err;
    err_clear(&err);
    assert_null(lineage_graph(f->store, "trace", "t", LINEAGE_BOTH, 5, &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "invalid_argument");
    assert_string_equal(err.field, "direction");

    int depths[] = {0, -1, LINEAGE_MAX_DEPTH + 1, 1000000};
    for (size_t i = 0; i < sizeof depths / sizeof depths[0]; i++) {
        err_clear(&err);
        assert_null(lineage_graph(f->store, "trace", "t", LINEAGE_UPSTREAM, depths[i], &err));
        assert_int_equal(err.status, 400);
        assert_string_equal(err.field, "max_depth");
    }

    err_clear(&err);
    assert_null(lineage_graph(f->store, "Trace", "t", LINEAGE_UPSTREAM, 5, &err));
    assert_string_equal(err.field, "type");
    err_clear(&err);
    assert_null(lineage_graph(f->store, "trace", "", LINEAGE_UPSTREAM, 5, &err));
    assert_string_equal(err.field, "id");
}

/* ---- renaming nodes ------------------------------------------------------------------------- */

/* Run a rename on a connection of the store; returns its result and fills *n and err. */
static int rename_node(fixture_t *f, const char *type, const char *from, const char *to, size_t *n,
                       err_t *err)
{
    store_conn_t *c = store_acquire(f->store);
    int rc = lineage_rename_node(c, type, from, to, n, err);
    store_release(f->store, c);
    return rc;
}

static int rename_prefix(fixture_t *f, const char *type, const char *from, const char *to,
                         int (*match)(const char *), size_t *n, err_t *err)
{
    store_conn_t *c = store_acquire(f->store);
    int rc = lineage_rename_prefix(c, type, from, to, match, n, err);
    store_release(f->store, c);
    return rc;
}

static size_t edge_count(fixture_t *f, const char *type, const char *id)
{
    json_t *edges = edges_ok(f, type, id, LINEAGE_BOTH);
    size_t n = json_array_size(edges);
    json_decref(edges);
    return n;
}

static void rename_node_renames_both_ends(void **state)
{
    fixture_t *f = *state;
    json_t *in = record(f, "dataset", "d", "model_version", "m/1", "input", NULL);
    record_ok(f, "model_version", "m/1", "trace", "t", "served_by");
    record_ok(f, "model_version", "m/10", "trace", "t", "served_by");
    record_ok(f, "run", "m/1", "trace", "t", "produced"); /* same id, other type */
    err_t err;
    size_t n = 0;
    assert_int_equal(rename_node(f, "model_version", "m/1", "n/1", &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(edge_count(f, "model_version", "m/1"), 0);
    assert_int_equal(edge_count(f, "model_version", "n/1"), 2);
    assert_int_equal(edge_count(f, "model_version", "m/10"), 1);
    assert_int_equal(edge_count(f, "run", "m/1"), 1);
    /* The edge keeps its id and time. */
    json_t *up = edges_ok(f, "model_version", "n/1", LINEAGE_UPSTREAM);
    json_t *moved = json_array_get(up, 0);
    assert_int_equal(int_at(moved, "id"), int_at(in, "id"));
    assert_int_equal(int_at(moved, "created_at"), int_at(in, "created_at"));
    assert_string_equal(str_at(moved, "from", "id"), "d");
    json_decref(up);
    json_decref(in);
    /* Nothing by that name: nothing to do. */
    assert_int_equal(rename_node(f, "model_version", "m/1", "x/1", &n, &err), 0);
    assert_int_equal(n, 0);
}

/* An edge that, renamed, equals one already recorded becomes that edge. */
static void rename_merges_equal_edges(void **state)
{
    fixture_t *f = *state;
    record_ok(f, "run", "r", "model_version", "a/1", "registered_as");
    record_ok(f, "run", "r", "model_version", "b/1", "registered_as");
    record_ok(f, "model_version", "b/1", "trace", "t", "served_by");
    err_t err;
    size_t n = 0;
    assert_int_equal(rename_node(f, "model_version", "b/1", "a/1", &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(edge_count(f, "model_version", "a/1"), 2);
    assert_int_equal(edge_count(f, "model_version", "b/1"), 0);
    assert_int_equal(edge_count(f, "run", "r"), 1);
}

static int digits_only(const char *suffix)
{
    if (!*suffix)
        return 0;
    for (; *suffix; suffix++)
        if (*suffix < '0' || *suffix > '9')
            return 0;
    return 1;
}

static void rename_prefix_takes_matching_suffixes(void **state)
{
    fixture_t *f = *state;
    record_ok(f, "run", "r", "model_version", "team/1", "registered_as");
    record_ok(f, "run", "r", "model_version", "team/2", "registered_as");
    record_ok(f, "run", "r", "model_version", "team/bot/3", "registered_as"); /* model team/bot */
    record_ok(f, "run", "r", "model_version", "teams/1", "registered_as");
    record_ok(f, "run", "r", "model_version", "TEAM/4", "registered_as"); /* case matters */
    record_ok(f, "run", "r", "model_version", "te%m/5", "registered_as"); /* LIKE's wildcards */
    record_ok(f, "run", "team/1", "trace", "t", "produced");              /* other type */
    err_t err;
    size_t n = 0;
    assert_int_equal(rename_prefix(f, "model_version", "team/", "crew/", digits_only, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(edge_count(f, "model_version", "crew/1"), 1);
    assert_int_equal(edge_count(f, "model_version", "crew/2"), 1);
    assert_int_equal(edge_count(f, "model_version", "team/1"), 0);
    static const char *const untouched[] = {"team/bot/3", "teams/1", "TEAM/4", "te%m/5"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(edge_count(f, "model_version", untouched[i]), 1);
    assert_int_equal(edge_count(f, "run", "team/1"), 1);

    /* '%' and '_' in the prefix are themselves. */
    assert_int_equal(rename_prefix(f, "model_version", "te%m/", "x/", NULL, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(edge_count(f, "model_version", "x/5"), 1);
}

/* Renames are simultaneous: "a" -> "ab" while "ab" -> "abb" keeps the two nodes apart. */
static void rename_prefix_is_simultaneous(void **state)
{
    fixture_t *f = *state;
    record_ok(f, "node", "a", "sink", "s", "feeds");
    record_ok(f, "node", "ab", "sink", "s", "feeds");
    err_t err;
    size_t n = 0;
    assert_int_equal(rename_prefix(f, "node", "a", "ab", NULL, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(edge_count(f, "node", "ab"), 1);
    assert_int_equal(edge_count(f, "node", "abb"), 1);
    assert_int_equal(edge_count(f, "node", "a"), 0);
}

static void rename_rejects_bad_arguments(void **state)
{
    fixture_t *f = *state;
    record_ok(f, "model_version", "m/1", "trace", "t", "served_by");
    char long_id[LINEAGE_ID_MAX + 2];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    err_t err;
    size_t n = 9;
    assert_int_equal(rename_node(f, "Model", "m/1", "n/1", &n, &err), -1);
    assert_string_equal(err.field, "type");
    assert_int_equal(n, 0);
    assert_int_equal(rename_node(f, "model_version", "", "n/1", &n, &err), -1);
    assert_string_equal(err.field, "old_id");
    assert_int_equal(rename_node(f, "model_version", "m/1", long_id, &n, &err), -1);
    assert_string_equal(err.field, "new_id");
    assert_int_equal(rename_prefix(f, "model_version", "", "n/", NULL, &n, &err), -1);
    assert_string_equal(err.field, "old_id");
    /* A prefix rename is checked against the renamed ids: 255 bytes + "1" fits, 256 + "1" does
     * not, and then nothing changes. */
    char p255[LINEAGE_ID_MAX], p256[LINEAGE_ID_MAX + 1], id256[LINEAGE_ID_MAX + 1];
    snprintf(p255, sizeof p255, "%.*s", LINEAGE_ID_MAX - 1, long_id);
    snprintf(p256, sizeof p256, "%.*s", LINEAGE_ID_MAX, long_id);
    snprintf(id256, sizeof id256, "%s1", p255);
    assert_int_equal(rename_prefix(f, "model_version", "m/", p255, NULL, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(edge_count(f, "model_version", id256), 1);
    assert_int_equal(rename_prefix(f, "model_version", p255, p256, NULL, &n, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "new_id");
    assert_int_equal(edge_count(f, "model_version", id256), 1);
}

/* ---- test list ------------------------------------------------------------------------------ */

/* Test names carry the backend, so the TAP lines of the two groups differ. */
#define T(prefix, fn)                                                                              \
    {                                                                                              \
        .name = prefix #fn, .test_func = fn, .setup_func = setup                                   \
    }
#define LINEAGE_TESTS(prefix)                                                                      \
    T(prefix, record_returns_edge_json), T(prefix, record_twice_is_noop),                          \
        T(prefix, record_validates_fields), T(prefix, edges_by_direction),                         \
        T(prefix, edges_validate_node), T(prefix, graph_upstream_from_trace),                      \
        T(prefix, graph_downstream_from_dataset), T(prefix, graph_max_depth_limits_hops),          \
        T(prefix, graph_of_lonely_node_is_root_only),                                              \
        T(prefix, graph_diamond_reports_shortest_depth), T(prefix, graph_cycle_terminates),        \
        T(prefix, graph_rejects_bad_arguments), T(prefix, rename_node_renames_both_ends),          \
        T(prefix, rename_merges_equal_edges), T(prefix, rename_prefix_takes_matching_suffixes),    \
        T(prefix, rename_prefix_is_simultaneous), T(prefix, rename_rejects_bad_arguments)

int main(void)
{
    const struct CMUnitTest sqlite_tests[] = {
        LINEAGE_TESTS("sqlite: "),
        cmocka_unit_test(direction_parse),
    };
    int failed = cmocka_run_group_tests_name("lineage sqlite", sqlite_tests,
                                             test_store_setup_sqlite, test_store_teardown);
    if (test_pg_url()) {
        const struct CMUnitTest pg_tests[] = {LINEAGE_TESTS("postgresql: ")};
        failed += cmocka_run_group_tests_name("lineage postgresql", pg_tests, test_store_setup_pg,
                                              test_store_teardown);
    }
    return failed;
}
