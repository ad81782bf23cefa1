/* test_config.c - unit tests for base/config.h: built-in defaults; `--name value` and
 * `--name=value` flags; non-option arguments passed through to rest in order and `--` ending
 * option parsing; LLMOPS_* environment variables; a YAML --config file (and LLMOPS_CONFIG);
 * precedence flag > environment > file > default; errors naming the option at fault (unknown
 * YAML key, nested mapping, list, malformed YAML with its line, out-of-range and non-numeric
 * integers, bad sizes, a flag missing its value); config_parse_size; config_store_url.
 *
 * Every test starts from an environment without LLMOPS_* option variables, so a developer's
 * own settings cannot leak in; tests that set one unset it again in teardown. */
#include "unit/testutil.h"

#include <stdint.h>

#include "base/config.h"

/* The environment variable of every option (config.c derives them from the option names). */
static const char *const option_env[] = {
    "LLMOPS_HOST",
    "LLMOPS_PORT",
    "LLMOPS_DATA",
    "LLMOPS_STORE",
    "LLMOPS_CONFIG",
    "LLMOPS_SERVER",
    "LLMOPS_LOG_LEVEL",
    "LLMOPS_THREADS",
    "LLMOPS_MAX_BODY_BYTES",
    "LLMOPS_MAX_HEADER_BYTES",
    "LLMOPS_MAX_CONNECTIONS",
    "LLMOPS_REQUEST_TIMEOUT",
    "LLMOPS_IDLE_TIMEOUT",
    "LLMOPS_SHUTDOWN_TIMEOUT",
};

static void clear_env(void)
{
    for (size_t i = 0; i < sizeof option_env / sizeof option_env[0]; i++)
        unsetenv(option_env[i]);
}

/* Per-test state: a temporary directory for YAML files. */
typedef struct fixture {
    char *dir;
} fixture_t;

static int setup(void **state)
{
    clear_env();
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = test_tmpdir();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    clear_env();
    test_rmtree(f->dir);
    free(f);
    return 0;
}

/* Write text to <dir>/name; returns the path in out. */
static void write_file(const fixture_t *f, const char *name, const char *text, char *out,
                       size_t size)
{
    snprintf(out, size, "%s/%s", f->dir, name);
    FILE *fp = fopen(out, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

/* config_load over a NULL-terminated argument list. rest gets room for every argument. */
#define MAX_ARGS 16
typedef struct loaded {
    config_t cfg;
    char *rest[MAX_ARGS];
    int nrest;
    err_t err;
    int rc;
} loaded_t;

static void load_argv(loaded_t *l, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    assert_true(argc <= MAX_ARGS);
    memset(l, 0, sizeof *l);
    l->nrest = -1;
    l->rc = config_load(&l->cfg, argc, argv, l->rest, &l->nrest, &l->err);
}

#define LOAD(l, ...)                                                                               \
    do {                                                                                           \
        char *argv_[] = {__VA_ARGS__, NULL};                                                       \
        load_argv((l), argv_);                                                                     \
    } while (0)

/* ---- defaults and flags --------------------------------------------------------------------- */

static void defaults_are_documented_values(void **state)
{
    (void)state;
    config_t cfg;
    config_defaults(&cfg);
    assert_int_equal(cfg.port, 5050);
    assert_string_equal(cfg.host, "127.0.0.1");
    assert_string_equal(cfg.data_dir, "./llmops-data");
    assert_string_equal(cfg.store_url, "");
    assert_string_equal(cfg.config_file, "");
    assert_string_equal(cfg.log_level, "info");
    assert_int_equal(cfg.threads, 4);
    assert_int_equal(cfg.max_body_bytes, 10 * 1024 * 1024);
    assert_int_equal(cfg.max_header_bytes, 32 * 1024);
}

static void load_without_arguments_gives_defaults(void **state)
{
    (void)state;
    loaded_t l;
    load_argv(&l, (char *[]){NULL});
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.nrest, 0);
    assert_int_equal(l.cfg.port, 5050);
    assert_string_equal(l.cfg.host, "127.0.0.1");
    assert_string_equal(l.cfg.data_dir, "./llmops-data");
}

static void flag_with_separate_value(void **state)
{
    (void)state;
    loaded_t l;
    LOAD(&l, "--port", "6000");
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.cfg.port, 6000);
    assert_int_equal(l.nrest, 0);
}

static void flag_with_inline_value(void **state)
{
    (void)state;
    loaded_t l;
    LOAD(&l, "--port=6000", "--host=0.0.0.0", "--max-body-bytes=2m", "--log-level=debug");
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.cfg.port, 6000);
    assert_string_equal(l.cfg.host, "0.0.0.0");
    assert_int_equal(l.cfg.max_body_bytes, 2 * 1024 * 1024);
    assert_string_equal(l.cfg.log_level, "debug");
    assert_int_equal(l.nrest, 0);
}

static void non_options_pass_through_in_order(void **state)
{
    (void)state;
    loaded_t l;
    LOAD(&l, "lineage", "--port", "6001", "graph", "--verbose", "-x", "--data=/tmp/d", "last");
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.cfg.port, 6001);
    assert_string_equal(l.cfg.data_dir, "/tmp/d");
    assert_int_equal(l.nrest, 5);
    assert_string_equal(l.rest[0], "lineage");
    assert_string_equal(l.rest[1], "graph");
    assert_string_equal(l.rest[2], "--verbose"); /* not a config option: the command's */
    assert_string_equal(l.rest[3], "-x");
    assert_string_equal(l.rest[4], "last");
}

static void double_dash_ends_option_parsing(void **state)
{
    (void)state;
    loaded_t l;
    LOAD(&l, "run", "--port", "6002", "--", "--port", "7000", "--host=x");
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.cfg.port, 6002);
    assert_string_equal(l.cfg.host, "127.0.0.1");
    assert_int_equal(l.nrest, 4);
    assert_string_equal(l.rest[0], "run");
    assert_string_equal(l.rest[1], "--port");
    assert_string_equal(l.rest[2], "7000");
    assert_string_equal(l.rest[3], "--host=x");
}

static void last_flag_wins(void **state)
{
    (void)state;
    loaded_t l;
    LOAD(&l, "--port", "6000", "--port=6001");
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.cfg.port, 6001);
}

static void flag_missing_value_is_error(void **state)
{
    (void)state;
    loaded_t l;
    LOAD(&l, "server", "--port");
    assert_int_equal(l.rc, -1);
    assert_int_equal(l.err.status, 400);
    assert_string_equal(l.err.code, "invalid_argument");
    assert_string_equal(l.err.field, "port");
    assert_non_null(strstr(l.err.message, "--port"));
}

static void flag_empty_inline_value_is_error_for_int(void **state)
{
    (void)state;
    loaded_t l;
    LOAD(&l, "--port=");
    assert_int_equal(l.rc, -1);
    assert_string_equal(l.err.field, "port");
}

static void port_out_of_range(void **state)
{
    (void)state;
    loaded_t l;
    LOAD(&l, "--port", "65536");
    assert_int_equal(l.rc, -1);
    assert_int_equal(l.err.status, 400);
    assert_string_equal(l.err.code, "invalid_argument");
    assert_string_equal(l.err.field, "port");
    assert_non_null(strstr(l.err.message, "65535"));
    LOAD(&l, "--port", "-1");
    assert_int_equal(l.rc, -1);
    assert_string_equal(l.err.field, "port");
    LOAD(&l, "--port", "65535");
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.cfg.port, 65535);
    LOAD(&l, "--threads", "0");
    assert_int_equal(l.rc, -1);
    assert_string_equal(l.err.field, "threads");
    LOAD(&l, "--port", "99999999999999999999"); /* overflows long long */
    assert_int_equal(l.rc, -1);
    assert_string_equal(l.err.field, "port");
}

static void non_numeric_int(void **state)
{
    (void)state;
    loaded_t l;
    LOAD(&l, "--threads", "four");
    assert_int_equal(l.rc, -1);
    assert_string_equal(l.err.field, "threads");
    assert_non_null(strstr(l.err.message, "--threads"));
    LOAD(&l, "--port", "80x");
    assert_int_equal(l.rc, -1);
    assert_string_equal(l.err.field, "port");
}

static void bad_size(void **state)
{
    (void)state;
    loaded_t l;
    LOAD(&l, "--max-body-bytes", "10q");
    assert_int_equal(l.rc, -1);
    assert_int_equal(l.err.status, 400);
    assert_string_equal(l.err.field, "max-body-bytes");
    LOAD(&l, "--max-body-bytes", "100"); /* below the 1024-byte minimum */
    assert_int_equal(l.rc, -1);
    assert_string_equal(l.err.field, "max-body-bytes");
    LOAD(&l, "--max-header-bytes", "64k");
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.cfg.max_header_bytes, 64 * 1024);
}

static void bad_log_level(void **state)
{
    (void)state;
    loaded_t l;
    LOAD(&l, "--log-level", "verbose");
    assert_int_equal(l.rc, -1);
    assert_string_equal(l.err.field, "log-level");
}

static void string_too_long(void **state)
{
    (void)state;
    char host[400];
    memset(host, 'h', sizeof host - 1);
    host[sizeof host - 1] = '\0';
    loaded_t l;
    LOAD(&l, "--host", host);
    assert_int_equal(l.rc, -1);
    assert_string_equal(l.err.field, "host");
}

/* ---- environment ---------------------------------------------------------------------------- */

static void env_sets_options(void **state)
{
    (void)state;
    setenv("LLMOPS_PORT", "6100", 1);
    setenv("LLMOPS_MAX_BODY_BYTES", "1m", 1);
    setenv("LLMOPS_LOG_LEVEL", "warn", 1);
    loaded_t l;
    load_argv(&l, (char *[]){NULL});
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.cfg.port, 6100);
    assert_int_equal(l.cfg.max_body_bytes, 1024 * 1024);
    assert_string_equal(l.cfg.log_level, "warn");
}

static void env_bad_value_names_variable(void **state)
{
    (void)state;
    setenv("LLMOPS_PORT", "http", 1);
    loaded_t l;
    load_argv(&l, (char *[]){NULL});
    assert_int_equal(l.rc, -1);
    assert_string_equal(l.err.field, "port");
    assert_non_null(strstr(l.err.message, "LLMOPS_PORT"));
}

/* ---- YAML file ------------------------------------------------------------------------------ */

static void yaml_file_sets_several_options(void **state)
{
    fixture_t *f = *state;
    char path[1100];
    write_file(f, "llmops.yaml",
               "# a comment\n"
               "host: 0.0.0.0\n"
               "port: 7000\n"
               "data: /srv/llmops\n"
               "max-body-bytes: 2m\n"
               "log-level: \"error\"\n"
               "threads: '8'\n",
               path, sizeof path);
    loaded_t l;
    LOAD(&l, "server", "--config", path);
    assert_int_equal(l.rc, 0);
    assert_string_equal(l.cfg.host, "0.0.0.0");
    assert_int_equal(l.cfg.port, 7000);
    assert_string_equal(l.cfg.data_dir, "/srv/llmops");
    assert_int_equal(l.cfg.max_body_bytes, 2 * 1024 * 1024);
    assert_string_equal(l.cfg.log_level, "error");
    assert_int_equal(l.cfg.threads, 8);
    assert_string_equal(l.cfg.config_file, path);
    assert_int_equal(l.nrest, 1);
    assert_string_equal(l.rest[0], "server");
}

/* "--config" after "--" is an argument, and "--host --config" names a host called
 * "--config": neither loads a file. */
static void config_flag_only_where_it_is_a_flag(void **state)
{
    (void)state;
    loaded_t l;
    LOAD(&l, "api", "--", "--config", "/nonexistent.yaml");
    assert_int_equal(l.rc, 0);
    assert_string_equal(l.cfg.config_file, "");
    LOAD(&l, "server", "--host", "--config", "x");
    assert_int_equal(l.rc, 0);
    assert_string_equal(l.cfg.host, "--config");
    assert_string_equal(l.cfg.config_file, "");
}

/* A plain YAML null leaves the option at its default instead of the text "null". */
static void yaml_null_keeps_default(void **state)
{
    fixture_t *f = *state;
    char path[1100];
    write_file(f, "null.yaml", "store: null\nhost: ~\ndata:\nport: 7005\n", path, sizeof path);
    loaded_t l;
    LOAD(&l, "server", "--config", path);
    assert_int_equal(l.rc, 0);
    assert_string_equal(l.cfg.store_url, "");
    assert_string_equal(l.cfg.host, "127.0.0.1");
    assert_string_equal(l.cfg.data_dir, "./llmops-data");
    assert_int_equal(l.cfg.port, 7005);
}

static void yaml_file_from_env_and_inline_flag(void **state)
{
    fixture_t *f = *state;
    char path[1100];
    write_file(f, "c.yaml", "port: 7001\n", path, sizeof path);
    setenv("LLMOPS_CONFIG", path, 1);
    loaded_t l;
    load_argv(&l, (char *[]){NULL});
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.cfg.port, 7001);
    unsetenv("LLMOPS_CONFIG");

    char flag[1200];
    snprintf(flag, sizeof flag, "--config=%s", path);
    LOAD(&l, flag);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.cfg.port, 7001);
}

static void empty_yaml_file_is_fine(void **state)
{
    fixture_t *f = *state;
    char path[1100];
    write_file(f, "empty.yaml", "", path, sizeof path);
    loaded_t l;
    LOAD(&l, "--config", path);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.cfg.port, 5050);
}

static void precedence_flag_env_file_default(void **state)
{
    fixture_t *f = *state;
    char path[1100];
    write_file(f, "p.yaml", "port: 7000\nhost: 10.0.0.1\nthreads: 3\n", path, sizeof path);
    setenv("LLMOPS_PORT", "6500", 1);
    setenv("LLMOPS_HOST", "10.0.0.2", 1);

    loaded_t l;
    LOAD(&l, "--config", path, "--port", "6000");
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.cfg.port, 6000);                   /* flag beats env and file */
    assert_string_equal(l.cfg.host, "10.0.0.2");          /* env beats file */
    assert_int_equal(l.cfg.threads, 3);                   /* file beats default */
    assert_string_equal(l.cfg.data_dir, "./llmops-data"); /* default */

    LOAD(&l, "--config", path);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.cfg.port, 6500);

    unsetenv("LLMOPS_PORT");
    unsetenv("LLMOPS_HOST");
    LOAD(&l, "--config", path);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.cfg.port, 7000);
    assert_string_equal(l.cfg.host, "10.0.0.1");

    LOAD(&l, "--port", "6000");
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.cfg.port, 6000);
    assert_int_equal(l.cfg.threads, 4);
}

static void yaml_unknown_key(void **state)
{
    fixture_t *f = *state;
    char path[1100];
    write_file(f, "u.yaml", "port: 7000\nbogus-option: 1\n", path, sizeof path);
    loaded_t l;
    LOAD(&l, "--config", path);
    assert_int_equal(l.rc, -1);
    assert_int_equal(l.err.status, 400);
    assert_string_equal(l.err.code, "invalid_argument");
    assert_string_equal(l.err.field, "bogus-option");
    assert_non_null(strstr(l.err.message, "bogus-option"));
    assert_non_null(strstr(l.err.message, "line 2"));
}

static void yaml_nested_mapping(void **state)
{
    fixture_t *f = *state;
    char path[1100];
    write_file(f, "n.yaml", "port: 7000\nhost:\n  name: x\n", path, sizeof path);
    loaded_t l;
    LOAD(&l, "--config", path);
    assert_int_equal(l.rc, -1);
    assert_int_equal(l.err.status, 400);
    assert_string_equal(l.err.field, "host");
}

static void yaml_list_value(void **state)
{
    fixture_t *f = *state;
    char path[1100];
    write_file(f, "l.yaml", "host: [a, b]\n", path, sizeof path);
    loaded_t l;
    LOAD(&l, "--config", path);
    assert_int_equal(l.rc, -1);
    assert_string_equal(l.err.field, "host");
}

static void yaml_top_level_not_mapping(void **state)
{
    fixture_t *f = *state;
    char path[1100];
    write_file(f, "s.yaml", "just a string\n", path, sizeof path);
    loaded_t l;
    LOAD(&l, "--config", path);
    assert_int_equal(l.rc, -1);
    assert_int_equal(l.err.status, 400);
    assert_string_equal(l.err.field, "config");
}

static void yaml_malformed_names_line(void **state)
{
    fixture_t *f = *state;
    char path[1100];
    loaded_t l;
    /* A tab where indentation is expected: a scanner error on line 3. */
    write_file(f, "m1.yaml", "port: 7000\nhost: 0.0.0.0\n\tthreads: 4\n", path, sizeof path);
    LOAD(&l, "--config", path);
    assert_int_equal(l.rc, -1);
    assert_int_equal(l.err.status, 400);
    assert_string_equal(l.err.code, "invalid_argument");
    assert_string_equal(l.err.field, "config");
    assert_non_null(strstr(l.err.message, "YAML error at line 3, column 1"));
    assert_non_null(strstr(l.err.message, path));

    /* "key: a: b" is a parser error on its own line. */
    write_file(f, "m2.yaml", "port: 7000\nhost: a: b\n", path, sizeof path);
    LOAD(&l, "--config", path);
    assert_int_equal(l.rc, -1);
    assert_string_equal(l.err.field, "config");
    assert_non_null(strstr(l.err.message, "YAML error at line 2"));

    /* An unterminated quoted string runs into the end of the stream. */
    write_file(f, "m3.yaml", "port: 7000\nhost: \"0.0.0.0\n", path, sizeof path);
    LOAD(&l, "--config", path);
    assert_int_equal(l.rc, -1);
    assert_string_equal(l.err.field, "config");
    assert_non_null(strstr(l.err.message, "YAML error at line "));
}

static void yaml_bad_value_names_file_line(void **state)
{
    fixture_t *f = *state;
    char path[1100];
    write_file(f, "v.yaml", "host: a\n\nport: 99999\n", path, sizeof path);
    loaded_t l;
    LOAD(&l, "--config", path);
    assert_int_equal(l.rc, -1);
    assert_string_equal(l.err.field, "port");
    assert_non_null(strstr(l.err.message, "line 3"));
}

static void missing_config_file(void **state)
{
    fixture_t *f = *state;
    char path[1100];
    snprintf(path, sizeof path, "%s/does-not-exist.yaml", f->dir);
    loaded_t l;
    LOAD(&l, "--config", path);
    assert_int_equal(l.rc, -1);
    assert_int_equal(l.err.status, 400);
    assert_string_equal(l.err.field, "config");
}

/* ---- sizes and the store URL ---------------------------------------------------------------- */

static void parse_size_units(void **state)
{
    (void)state;
    size_t v = 0;
    assert_int_equal(config_parse_size("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(config_parse_size("1024", &v), 0);
    assert_int_equal(v, 1024);
    assert_int_equal(config_parse_size("64k", &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(config_parse_size("64K", &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(config_parse_size("10m", &v), 0);
    assert_int_equal(v, 10 * 1024 * 1024);
    assert_int_equal(config_parse_size("1g", &v), 0);
    assert_int_equal(v, 1024 * 1024 * 1024);
    assert_int_equal(config_parse_size("10mb", &v), 0);
    assert_int_equal(v, 10 * 1024 * 1024);
    assert_int_equal(config_parse_size("64KB", &v), 0);
    assert_int_equal(v, 65536);
}

static void parse_size_rejects_malformed(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "k",
                         "m",
                         "10q",
                         "-1",
                         " 10",
                         "10 m",
                         "1.5m",
                         "10kk",
                         "10mbb",
                         "0x10",
                         "10b",
                         "18446744073709551616",
                         "17179869184g",
                         "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t v = 12345;
        if (config_parse_size(bad[i], &v) != -1)
            fail_msg("config_parse_size accepted \"%s\"", bad[i]);
        assert_int_equal(v, 12345); /* untouched */
    }
    /* The largest representable value is fine; one more overflows. */
    size_t v = 0;
    char max[32];
    snprintf(max, sizeof max, "%zu", (size_t)SIZE_MAX);
    assert_int_equal(config_parse_size(max, &v), 0);
    assert_true(v == SIZE_MAX);
}

static void store_url_default_and_explicit(void **state)
{
    (void)state;
    loaded_t l;
    char url[2048];
    LOAD(&l, "--data", "/var/lib/llmops");
    assert_int_equal(l.rc, 0);
    config_store_url(&l.cfg, url, sizeof url);
    assert_string_equal(url, "sqlite:/var/lib/llmops/llmops.db");

    config_t cfg;
    config_defaults(&cfg);
    config_store_url(&cfg, url, sizeof url);
    assert_string_equal(url, "sqlite:./llmops-data/llmops.db");

    LOAD(&l, "--store", "postgresql://u:p@db:5432/llmops?sslmode=disable");
    assert_int_equal(l.rc, 0);
    config_store_url(&l.cfg, url, sizeof url);
    assert_string_equal(url, "postgresql://u:p@db:5432/llmops?sslmode=disable");
}

static void print_help_lists_options(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    config_print_help(out);
    assert_int_equal(fclose(out), 0);
    assert_non_null(strstr(text, "--port"));
    assert_non_null(strstr(text, "LLMOPS_MAX_BODY_BYTES"));
    assert_non_null(strstr(text, "5050"));
    free(text);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(defaults_are_documented_values),
        T(load_without_arguments_gives_defaults),
        T(flag_with_separate_value),
        T(flag_with_inline_value),
        T(non_options_pass_through_in_order),
        T(double_dash_ends_option_parsing),
        T(last_flag_wins),
        T(flag_missing_value_is_error),
        T(flag_empty_inline_value_is_error_for_int),
        T(port_out_of_range),
        T(non_numeric_int),
        T(bad_size),
        T(bad_log_level),
        T(string_too_long),
        T(env_sets_options),
        T(env_bad_value_names_variable),
        T(yaml_file_sets_several_options),
        T(config_flag_only_where_it_is_a_flag),
        T(yaml_null_keeps_default),
        T(yaml_file_from_env_and_inline_flag),
        T(empty_yaml_file_is_fine),
        T(precedence_flag_env_file_default),
        T(yaml_unknown_key),
        T(yaml_nested_mapping),
        T(yaml_list_value),
        T(yaml_top_level_not_mapping),
        T(yaml_malformed_names_line),
        T(yaml_bad_value_names_file_line),
        T(missing_config_file),
        T(parse_size_units),
        T(parse_size_rejects_malformed),
        T(store_url_default_and_explicit),
        T(print_help_lists_options),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
