/* diff.c - unified line diffs (see diff.h).
 *
 * Written here rather than taken from a package: Debian has no maintained C library for line
 * diffs (libxdiff is not packaged; GNU diff and git carry their own copies), and the part we
 * need is small.
 *
 * How it works:
 *   1. Both texts are split into lines (each keeping its '\n'), and every distinct line gets a
 *      small integer id through a hash table, so the search compares ints, not strings.
 *   2. Lines found on one side only are flagged at once (they cannot match anything); the
 *      search below runs on the remaining lines only (edit_script()).
 *   3. compare() strips the common head and tail of a box of the edit graph, then splits the
 *      box at the middle snake of a shortest edit path (bisect(): Myers' forward and reverse
 *      searches meeting in the middle, as in Myers 1986 section 4b and Google's
 *      diff-match-patch) and recurses on the two halves. Space is linear, time O((N+M)D).
 *      Lines that are not on the common subsequence are flagged deleted / inserted.
 *   4. The flags become a sequence of keep / delete / insert operations (deletions before
 *      insertions in each changed block, like diff(1)), which is cut into hunks with
 *      `context` lines around the changes. */
#include "prompts/diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct line {
    const char *text;
    size_t len; /* including the '\n', when there is one */
} line_t;

/* Split text into lines. Returns the count, or -1 when there are more than max. */
static long split_lines(const char *text, size_t len, line_t **out, long max)
{
    long n = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n')
            n++;
    if (len > 0 && text[len - 1] != '\n')
        n++;
    if (n > max)
        return -1;
    line_t *lines = xcalloc((size_t)n + 1, sizeof *lines);
    size_t start = 0;
    long k = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n') {
            lines[k++] = (line_t){text + start, i + 1 - start};
            start = i + 1;
        }
    if (start < len)
        lines[k++] = (line_t){text + start, len - start};
    *out = lines;
    return n;
}

/* ---- interning: equal lines get equal ids -------------------------------------------------- */

typedef struct slot {
    uint64_t hash;
    const line_t *line; /* NULL when empty */
    int id;
} slot_t;

typedef struct intern {
    slot_t *slots;
    size_t mask;
    int next_id;
} intern_t;

static uint64_t fnv1a(const char *p, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int intern_id(intern_t *t, const line_t *line)
{
    uint64_t h = fnv1a(line->text, line->len);
    for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
        slot_t *s = &t->slots[i];
        if (!s->line) {
            *s = (slot_t){h, line, t->next_id++};
            return s->id;
        }
        if (s->hash == h && s->line->len == line->len &&
            memcmp(s->line->text, line->text, line->len) == 0)
            return s->id;
    }
}

/* ---- the shortest edit script ---------------------------------------------------------------- */

typedef struct ctx {
    const int *a, *b; /* line ids */
    char *deleted;    /* per line of a */
    char *inserted;   /* per line of b */
    int *v1, *v2;     /* bisect's furthest-reaching x per diagonal, forward and reverse */
} ctx_t;

/* Find a split point (*sx, *sy) of a shortest path through the box a[0..n) x b[0..m), where
 * a[0] != b[0] and a[n-1] != b[m-1]. -1 when the searches never meet (nothing in common). */
static int bisect(ctx_t *c, const int *a, int n, const int *b, int m, int *sx, int *sy)
{
    int max_d = (n + m + 1) / 2;
    int off = max_d + 1; /* diagonal k lives at v[off + k]; k-1 and k+1 stay in range */
    int len = 2 * max_d + 3;
    int *v1 = c->v1, *v2 = c->v2;
    for (int i = 0; i < len; i++)
        v1[i] = v2[i] = -1;
    v1[off + 1] = 0;
    v2[off + 1] = 0;
    int delta = n - m;
    /* With an odd delta the forward search detects the overlap, with an even one the reverse. */
    int front = delta % 2 != 0;
    /* Diagonals that ran off the right or bottom edge of the box are not searched again. */
    int k1start = 0, k1end = 0, k2start = 0, k2end = 0;
    for (int d = 0; d < max_d; d++) {
        for (int k1 = -d + k1start; k1 <= d - k1end; k1 += 2) {
            int k1o = off + k1;
            int x1 = (k1 == -d || (k1 != d && v1[k1o - 1] < v1[k1o + 1])) ? v1[k1o + 1]
                                                                          : v1[k1o - 1] + 1;
            int y1 = x1 - k1;
            while (x1 < n && y1 < m && a[x1] == b[y1]) {
                x1++;
                y1++;
            }
            v1[k1o] = x1;
            if (x1 > n) {
                k1end += 2;
            } else if (y1 > m) {
                k1start += 2;
            } else if (front) {
                int k2o = off + delta - k1;
                if (k2o >= 0 && k2o < len && v2[k2o] != -1 && x1 >= n - v2[k2o]) {
                    *sx = x1;
                    *sy = y1;
                    return 0;
                }
            }
        }
        for (int k2 = -d + k2start; k2 <= d - k2end; k2 += 2) {
            int k2o = off + k2;
            int x2 = (k2 == -d || (k2 != d && v2[k2o - 1] < v2[k2o + 1])) ? v2[k2o + 1]
                                                                          : v2[k2o - 1] + 1;
            int y2 = x2 - k2;
            while (x2 < n && y2 < m && a[n - x2 - 1] == b[m - y2 - 1]) {
                x2++;
                y2++;
            }
            v2[k2o] = x2;
            if (x2 > n) {
                k2end += 2;
            } else if (y2 > m) {
                k2start += 2;
            } else if (!front) {
                int k1o = off + delta - k2;
                if (k1o >= 0 && k1o < len && v1[k1o] != -1) {
                    int x1 = v1[k1o];
                    int y1 = x1 - (k1o - off);
                    if (x1 >= n - x2) {
                        *sx = x1;
                        *sy = y1;
                        return 0;
                    }
                }
            }
        }
    }
    return -1;
}

static void compare(ctx_t *c, int a_lo, int a_hi, int b_lo, int b_hi)
{
    while (a_lo < a_hi && b_lo < b_hi && c->a[a_lo] == c->b[b_lo]) {
        a_lo++;
        b_lo++;
    }
    while (a_lo < a_hi && b_lo < b_hi && c->a[a_hi - 1] == c->b[b_hi - 1]) {
        a_hi--;
        b_hi--;
    }
    int n = a_hi - a_lo, m = b_hi - b_lo, x, y;
    /* A split at a corner would recurse on the same box forever; the search never returns one,
     * but replacing the whole box is a correct (if longer) answer, so fall back to that. */
    if (n > 0 && m > 0 && bisect(c, c->a + a_lo, n, c->b + b_lo, m, &x, &y) == 0 &&
        !(x == 0 && y == 0) && !(x == n && y == m)) {
        compare(c, a_lo, a_lo + x, b_lo, b_lo + y);
        compare(c, a_lo + x, a_hi, b_lo + y, b_hi);
        return;
    }
    memset(c->deleted + a_lo, 1, (size_t)n);
    memset(c->inserted + b_lo, 1, (size_t)m);
}

/* Flag the lines of a to delete and of b to insert. Lines that occur on one side only cannot be
 * on any common subsequence: they are flagged at once and the search runs on the others only
 * (GNU diff does the same), which makes a rewrite of the whole text linear instead of the
 * search's worst case. The count of flagged lines stays the minimum. */
static void edit_script(const int *a, int n, const int *b, int m, int nids, char *deleted,
                        char *inserted)
{
    char *in_a = xcalloc((size_t)nids + 1, 1), *in_b = xcalloc((size_t)nids + 1, 1);
    for (int i = 0; i < n; i++)
        in_a[a[i]] = 1;
    for (int j = 0; j < m; j++)
        in_b[b[j]] = 1;
    int *fa = xmalloc(sizeof(int) * (size_t)(n + 1)),
        *amap = xmalloc(sizeof(int) * (size_t)(n + 1));
    int *fb = xmalloc(sizeof(int) * (size_t)(m + 1)),
        *bmap = xmalloc(sizeof(int) * (size_t)(m + 1));
    int fn = 0, fm = 0;
    for (int i = 0; i < n; i++) {
        if (in_b[a[i]]) {
            fa[fn] = a[i];
            amap[fn++] = i;
        } else {
            deleted[i] = 1;
        }
    }
    for (int j = 0; j < m; j++) {
        if (in_a[b[j]]) {
            fb[fm] = b[j];
            bmap[fm++] = j;
        } else {
            inserted[j] = 1;
        }
    }
    size_t vlen = (size_t)(fn + fm) + 4;
    ctx_t c = {fa,
               fb,
               xcalloc((size_t)fn + 1, 1),
               xcalloc((size_t)fm + 1, 1),
               xmalloc(sizeof(int) * vlen),
               xmalloc(sizeof(int) * vlen)};
    compare(&c, 0, fn, 0, fm);
    for (int k = 0; k < fn; k++)
        if (c.deleted[k])
            deleted[amap[k]] = 1;
    for (int k = 0; k < fm; k++)
        if (c.inserted[k])
            inserted[bmap[k]] = 1;
    free(c.deleted);
    free(c.inserted);
    free(c.v1);
    free(c.v2);
    free(fa);
    free(fb);
    free(amap);
    free(bmap);
    free(in_a);
    free(in_b);
}

/* ---- output ------------------------------------------------------------------------------------
 */

enum { OP_KEEP, OP_DELETE, OP_INSERT };

typedef struct op {
    int kind;
    int ai, bi; /* the a and b positions before this operation */
} op_t;

/* "start,count" of a hunk side, as diff(1) writes it: ",1" is left out, and an empty range
 * names the line before it. */
static void hunk_range(buf_t *out, int start, int count)
{
    if (count == 1)
        buf_printf(out, "%d", start + 1);
    else
        buf_printf(out, "%d,%d", count == 0 ? start : start + 1, count);
}

static void emit_line(buf_t *out, char mark, const line_t *line)
{
    buf_append_char(out, mark);
    buf_append(out, line->text, line->len);
    if (line->len == 0 || line->text[line->len - 1] != '\n')
        buf_append_str(out, "\n\\ No newline at end of file\n");
}

static void emit_hunks(buf_t *out, const op_t *ops, int nops, const line_t *la, const line_t *lb,
                       int context)
{
    int p = 0;
    while (p < nops) {
        int first = p;
        while (first < nops && ops[first].kind == OP_KEEP)
            first++;
        if (first == nops)
            break;
        /* Extend the hunk over every change separated from the previous by at most 2*context
         * unchanged lines. */
        int last_end = first; /* one past the last changed op */
        for (;;) {
            while (last_end < nops && ops[last_end].kind != OP_KEEP)
                last_end++;
            int next = last_end;
            while (next < nops && ops[next].kind == OP_KEEP)
                next++;
            if (next < nops && next - last_end <= 2 * context)
                last_end = next;
            else
                break;
        }
        int start = first - context > p ? first - context : p;
        int end = last_end + context < nops ? last_end + context : nops;
        int acount = 0, bcount = 0;
        for (int i = start; i < end; i++) {
            acount += ops[i].kind != OP_INSERT;
            bcount += ops[i].kind != OP_DELETE;
        }
        buf_append_str(out, "@@ -");
        hunk_range(out, ops[start].ai, acount);
        buf_append_str(out, " +");
        hunk_range(out, ops[start].bi, bcount);
        buf_append_str(out, " @@\n");
        for (int i = start; i < end; i++) {
            if (ops[i].kind == OP_INSERT)
                emit_line(out, '+', &lb[ops[i].bi]);
            else
                emit_line(out, ops[i].kind == OP_KEEP ? ' ' : '-', &la[ops[i].ai]);
        }
        p = end;
    }
}

int diff_unified(const char *old_text, size_t old_len, const char *new_text, size_t new_len,
                 const char *old_label, const char *new_label, int context, buf_t *out, err_t *err)
{
    line_t *la = NULL, *lb = NULL;
    long n = split_lines(old_text, old_len, &la, DIFF_MAX_LINES);
    long m = n < 0 ? -1 : split_lines(new_text, new_len, &lb, DIFF_MAX_LINES);
    if (n < 0 || m < 0) {
        free(la);
        return err_set(err, 400, "diff_too_large", NULL,
                       "%s has more than %d lines; diffs are limited to %d lines per side",
                       n < 0 ? old_label : new_label, DIFF_MAX_LINES, DIFF_MAX_LINES);
    }
    if (context < 0)
        context = 0;

    size_t nslots = 16;
    while (nslots < 2 * (size_t)(n + m))
        nslots *= 2;
    intern_t table = {xcalloc(nslots, sizeof(slot_t)), nslots - 1, 0};
    int *a = xmalloc(sizeof(int) * (size_t)(n + 1));
    int *b = xmalloc(sizeof(int) * (size_t)(m + 1));
    for (long i = 0; i < n; i++)
        a[i] = intern_id(&table, &la[i]);
    for (long j = 0; j < m; j++)
        b[j] = intern_id(&table, &lb[j]);
    free(table.slots);

    char *deleted = xcalloc((size_t)n + 1, 1), *inserted = xcalloc((size_t)m + 1, 1);
    edit_script(a, (int)n, b, (int)m, table.next_id, deleted, inserted);

    op_t *ops = xmalloc(sizeof(op_t) * (size_t)(n + m + 1));
    int nops = 0, changes = 0;
    for (int i = 0, j = 0; i < n || j < m;) {
        if (i < n && deleted[i]) {
            ops[nops++] = (op_t){OP_DELETE, i++, j};
            changes++;
        } else if (j < m && inserted[j]) {
            ops[nops++] = (op_t){OP_INSERT, i, j++};
            changes++;
        } else {
            ops[nops++] = (op_t){OP_KEEP, i++, j++};
        }
    }
    if (changes > 0) {
        buf_printf(out, "--- %s\n+++ %s\n", old_label, new_label);
        emit_hunks(out, ops, nops, la, lb, context);
    }

    free(ops);
    free(deleted);
    free(inserted);
    free(a);
    free(b);
    free(la);
    free(lb);
    return 0;
}
