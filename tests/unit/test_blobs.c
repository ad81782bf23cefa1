/* test_blobs.c - unit tests of the content-addressed blob store (blobs.h), local backend. */
#include "unit/testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "base/buf.h"
#include "blobs/blobs.h"

#define SHA256_ABC   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA256_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

typedef struct fixture {
    char *dir;  /* the temporary directory */
    char *root; /* the blob store's root, below it (made by blobs_open_local) */
    blobs_t *b;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    f->dir = test_tmpdir();
    f->root = malloc(strlen(f->dir) + 32);
    sprintf(f->root, "%s/data/blobs", f->dir);
    err_t err;
    if (blobs_open_local(f->root, &f->b, &err) != 0) {
        fprintf(stderr, "blobs_open_local: %s\n", err.message);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    blobs_close(f->b);
    free(f->root);
    test_rmtree(f->dir);
    free(f);
    return 0;
}

/* Regular files directly in dir (-1 when dir is missing). */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static int tmp_files(const fixture_t *f)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tmp", f->root);
    return count_files(path);
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (unsigned char)(seed >> 16);
    }
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_put_get(void **state)
{
    fixture_t *f = *state;
    err_t err;
    char id[BLOB_ID_LEN + 1];
    const char data[] = "hello\0blob\xff";
    assert_int_equal(blobs_put(f->b, data, sizeof data, id, &err), 0);
    assert_int_equal(strlen(id), BLOB_ID_LEN);
    assert_true(blobs_id_valid(id));

    buf_t out;
    buf_init(&out);
    buf_append_str(&out, "prefix:"); /* get appends */
    assert_int_equal(blobs_get(f->b, id, &out, &err), 0);
    assert_int_equal(out.len, 7 + sizeof data);
    assert_memory_equal(out.data, "prefix:", 7);
    assert_memory_equal(out.data + 7, data, sizeof data);
    buf_free(&out);

    int64_t size = -1;
    assert_int_equal(blobs_exists(f->b, id, &size, &err), 1);
    assert_int_equal(size, sizeof data);
    assert_int_equal(blobs_exists(f->b, id, NULL, &err), 1);
    assert_int_equal(tmp_files(f), 0);
}

static void test_known_digests_and_layout(void **state)
{
    fixture_t *f = *state;
    err_t err;
    char id[BLOB_ID_LEN + 1];
    assert_int_equal(blobs_put(f->b, "abc", 3, id, &err), 0);
    assert_string_equal(id, SHA256_ABC);
    /* <root>/ba/7816bf... */
    char path[1024];
    snprintf(path, sizeof path, "%s/ba/%s", f->root, SHA256_ABC + 2);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_size, 3);

    assert_int_equal(blobs_put(f->b, "", 0, id, &err), 0);
    assert_string_equal(id, SHA256_EMPTY);
    buf_t out;
    buf_init(&out);
    assert_int_equal(blobs_get(f->b, id, &out, &err), 0);
    assert_int_equal(out.len, 0);
    buf_free(&out);
}

static void test_same_bytes_same_blob(void **state)
{
    fixture_t *f = *state;
    err_t err;
    char id1[BLOB_ID_LEN + 1], id2[BLOB_ID_LEN + 1];
    assert_int_equal(blobs_put(f->b, "same bytes", 10, id1, &err), 0);
    assert_int_equal(blobs_put(f->b, "same bytes", 10, id2, &err), 0);
    assert_string_equal(id1, id2);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%.2s", f->root, id1);
    assert_int_equal(count_files(dir), 1);
    /* root holds tmp/ and the one fan-out directory */
    assert_int_equal(count_files(f->root), 2);
    assert_int_equal(tmp_files(f), 0);

    char id3[BLOB_ID_LEN + 1];
    assert_int_equal(blobs_put(f->b, "other bytes", 11, id3, &err), 0);
    assert_string_not_equal(id1, id3);
}

static void test_streaming_writer(void **state)
{
    fixture_t *f = *state;
    err_t err;
    size_t n = 3 * 1024 * 1024 + 17;
    unsigned char *data = malloc(n);
    fill(data, n, 7);

    char whole[BLOB_ID_LEN + 1], streamed[BLOB_ID_LEN + 1];
    assert_int_equal(blobs_put(f->b, data, n, whole, &err), 0);

    /* The same bytes in uneven pieces, empty ones included. */
    blob_writer_t *w = blobs_writer_open(f->b, &err);
    assert_non_null(w);
    size_t sizes[] = {1, 0, 4095, 65536, 1, 1000000};
    size_t off = 0;
    for (size_t k = 0; off < n; k++) {
        size_t len = sizes[k % 6];
        if (len > n - off)
            len = n - off;
        assert_int_equal(blobs_writer_write(w, data + off, len, &err), 0);
        off += len;
    }
    assert_int_equal(tmp_files(f), 1); /* in flight under tmp/ */
    assert_int_equal(blobs_writer_commit(w, streamed, &err), 0);
    assert_string_equal(whole, streamed);
    assert_int_equal(tmp_files(f), 0);

    buf_t out;
    buf_init(&out);
    assert_int_equal(blobs_get(f->b, streamed, &out, &err), 0);
    assert_int_equal(out.len, n);
    assert_memory_equal(out.data, data, n);
    buf_free(&out);
    free(data);
}

static void test_abort(void **state)
{
    fixture_t *f = *state;
    err_t err;
    blob_writer_t *w = blobs_writer_open(f->b, &err);
    assert_non_null(w);
    assert_int_equal(blobs_writer_write(w, "abc", 3, &err), 0);
    assert_int_equal(tmp_files(f), 1);
    blobs_writer_abort(w);
    blobs_writer_abort(NULL);
    assert_int_equal(tmp_files(f), 0);
    assert_int_equal(blobs_exists(f->b, SHA256_ABC, NULL, &err), 0);
    assert_int_equal(count_files(f->root), 1); /* only tmp/ */
}

static void test_malformed_ids(void **state)
{
    fixture_t *f = *state;
    const char *bad[] = {
        "",
        "abc",
        SHA256_ABC "0",                                                     /* 65 */
        "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", /* upper case */
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",  /* 63 */
        "ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", /* not hex */
        "../../../../../../../../../../../../../../../../../../etc/passwd",
        "ba/816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    };
    assert_false(blobs_id_valid(NULL));
    assert_true(blobs_id_valid(SHA256_ABC));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(blobs_id_valid(bad[i]));
        err_t err;
        err_clear(&err);
        buf_t out;
        buf_init(&out);
        assert_int_equal(blobs_get(f->b, bad[i], &out, &err), -1);
        assert_int_equal(err.status, 400);
        assert_string_equal(err.code, "invalid_argument");
        assert_int_equal(out.len, 0);
        buf_free(&out);
        err_clear(&err);
        assert_int_equal(blobs_exists(f->b, bad[i], NULL, &err), -1);
        assert_int_equal(err.status, 400);
    }
}

static void test_missing(void **state)
{
    fixture_t *f = *state;
    err_t err;
    err_clear(&err);
    buf_t out;
    buf_init(&out);
    assert_int_equal(blobs_get(f->b, SHA256_ABC, &out, &err), -1);
    assert_int_equal(err.status, 404);
    assert_string_equal(err.code, "not_found");
    buf_free(&out);
    int64_t size = 42;
    assert_int_equal(blobs_exists(f->b, SHA256_ABC, &size, &err), 0);
}

static void test_many_puts_leave_no_temp_files(void **state)
{
    fixture_t *f = *state;
    err_t err;
    unsigned char data[1000];
    char id[BLOB_ID_LEN + 1];
    for (unsigned i = 0; i < 50; i++) {
        fill(data, sizeof data, i);
        assert_int_equal(blobs_put(f->b, data, (i * 37) % sizeof data, id, &err), 0);
        int64_t size = -1;
        assert_int_equal(blobs_exists(f->b, id, &size, &err), 1);
        assert_int_equal(size, (i * 37) % sizeof data);
    }
    assert_int_equal(tmp_files(f), 0);
}

/* A temporary file a crash left behind a day ago is swept at open; a fresh one is not (it may
 * be another process's write in flight). */
static void test_stale_temp_files_swept(void **state)
{
    fixture_t *f = *state;
    char old_path[1024], new_path[1024];
    snprintf(old_path, sizeof old_path, "%s/tmp/blob-OLD123", f->root);
    snprintf(new_path, sizeof new_path, "%s/tmp/blob-NEW123", f->root);
    int fd = open(old_path, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    fd = open(new_path, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    struct timespec times[2] = {{.tv_sec = time(NULL) - 3 * 24 * 3600},
                                {.tv_sec = time(NULL) - 3 * 24 * 3600}};
    assert_int_equal(utimensat(AT_FDCWD, old_path, times, 0), 0);

    blobs_t *again = NULL;
    err_t err;
    assert_int_equal(blobs_open_local(f->root, &again, &err), 0);
    assert_int_not_equal(access(old_path, F_OK), 0);
    assert_int_equal(access(new_path, F_OK), 0);
    blobs_close(again);
}

static void test_open_errors(void **state)
{
    fixture_t *f = *state;
    blobs_t *b = NULL;
    err_t err;
    err_clear(&err);
    assert_int_equal(blobs_open_local("", &b, &err), -1);
    assert_null(b);
    /* A root below a regular file cannot be made. */
    char path[1024];
    snprintf(path, sizeof path, "%s/file", f->dir);
    int fd = open(path, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    snprintf(path, sizeof path, "%s/file/blobs", f->dir);
    err_clear(&err);
    assert_int_equal(blobs_open_local(path, &b, &err), -1);
    assert_int_equal(err.status, 500);
    assert_null(b);
    blobs_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_known_digests_and_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_bytes_same_blob, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streaming_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_puts_leave_no_temp_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_temp_files_swept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
    };
    return cmocka_run_group_tests_name("blobs", tests, NULL, NULL);
}
