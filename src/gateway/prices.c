/* prices.c - the price table in the store (see prices.h). */
#include "gateway/prices.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"

static int check_provider(const char *p, err_t *err)
{
    size_t n = p ? strlen(p) : 0;
    int ok = n >= 1 && n <= 64;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)p[i]) || strchr("_-.", p[i]);
    if (!ok && !(p && strcmp(p, "*") == 0))
        return err_invalid(err, "provider",
                           "'provider' must be \"*\" or 1-64 characters of letters, digits, "
                           "'_', '-' and '.'");
    return 0;
}

static int check_price(const json_t *body, const char *key, double *out, err_t *err)
{
    json_t *v = json_object_get(body, key);
    if (!v || !json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < 0)
        return err_invalid(err, key, "'%s' must be a number >= 0 (USD per million tokens)", key);
    *out = json_number_value(v);
    return 0;
}

static json_t *price_row(const store_rows_t *rows, size_t r)
{
    return json_pack("{s:s, s:s, s:f, s:f, s:I}", "provider", store_rows_text(rows, r, 0), "model",
                     store_rows_text(rows, r, 1), "input_per_mtok", store_rows_real(rows, r, 2),
                     "output_per_mtok", store_rows_real(rows, r, 3), "updated_at",
                     (json_int_t)store_rows_int(rows, r, 4));
}

#define PRICE_COLUMNS "provider, model, input_per_mtok, output_per_mtok, updated_ms"

json_t *gateway_price_set(store_t *s, const json_t *body, err_t *err)
{
    if (!json_is_object(body)) {
        err_invalid(err, "", "a price must be a JSON object");
        return NULL;
    }
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)body, key, value)
    {
        if (strcmp(key, "provider") && strcmp(key, "model") && strcmp(key, "input_per_mtok") &&
            strcmp(key, "output_per_mtok")) {
            char field[96];
            snprintf(field, sizeof field, "%.90s", key);
            err_invalid(err, field,
                        "unknown field '%s' (a price takes provider, model, input_per_mtok, "
                        "output_per_mtok)",
                        field);
            return NULL;
        }
    }
    const char *provider, *model;
    double in, out;
    if (json_field_string(body, "provider", 1, 64, &provider, err) != 0 ||
        check_provider(provider, err) != 0 ||
        json_field_string(body, "model", 1, 250, &model, err) != 0)
        return NULL;
    if (!*model) {
        err_invalid(err, "model", "'model' must not be empty");
        return NULL;
    }
    if (check_price(body, "input_per_mtok", &in, err) != 0 ||
        check_price(body, "output_per_mtok", &out, err) != 0)
        return NULL;
    store_value_t p[] = {sv_text(provider), sv_text(model), sv_real(in), sv_real(out),
                         sv_int(clock_now_ms())};
    store_conn_t *c = store_acquire(s);
    json_t *price = NULL;
    if (store_exec(c,
                   "INSERT INTO gateway_prices (" PRICE_COLUMNS ") VALUES (?, ?, ?, ?, ?) "
                   "ON CONFLICT (provider, model) DO UPDATE SET input_per_mtok = "
                   "excluded.input_per_mtok, output_per_mtok = excluded.output_per_mtok, "
                   "updated_ms = excluded.updated_ms",
                   p, 5, err) >= 0) {
        store_rows_t *rows = store_query(
            c, "SELECT " PRICE_COLUMNS " FROM gateway_prices WHERE provider = ? AND model = ?", p,
            2, err);
        if (rows && store_rows_count(rows) == 1)
            price = price_row(rows, 0);
        else if (rows)
            err_internal(err, "price vanished after it was written");
        store_rows_free(rows);
    }
    store_release(s, c);
    return price;
}

json_t *gateway_price_list(store_t *s, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(
        c, "SELECT " PRICE_COLUMNS " FROM gateway_prices ORDER BY provider, model", NULL, 0, err);
    store_release(s, c);
    if (!rows)
        return NULL;
    json_t *list = json_array();
    for (size_t r = 0; r < store_rows_count(rows); r++)
        json_array_append_new(list, price_row(rows, r));
    store_rows_free(rows);
    return json_pack("{s:o}", "prices", list);
}

int gateway_price_delete(store_t *s, const char *provider, const char *model, err_t *err)
{
    store_value_t p[] = {sv_text(provider), sv_text(model)};
    store_conn_t *c = store_acquire(s);
    int64_t n =
        store_exec(c, "DELETE FROM gateway_prices WHERE provider = ? AND model = ?", p, 2, err);
    store_release(s, c);
    if (n < 0)
        return -1;
    if (n == 0)
        return err_not_found(err, "no price for provider '%s', model '%s'", provider, model);
    return 0;
}
