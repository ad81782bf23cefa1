/* file_endpoints.c - the `endpoints:` list of the YAML config file as JSON (see
 * file_endpoints.h): the file is read with base/yaml_json.h, then each spec is validated as the
 * admin API validates it. */
#include "gateway/file_endpoints.h"

#include <stdlib.h>
#include <string.h>

#include "base/yaml_json.h"
#include "gateway/endpoints.h"

int gateway_file_endpoints(const char *path, json_t **out, err_t *err)
{
    *out = NULL;
    json_t *doc = yaml_file_to_json(path, "config", err);
    if (!doc)
        return -1;
    json_t *list = json_incref(json_object_get(doc, "endpoints"));
    json_decref(doc);
    int rc = 0;
    if (!list || json_is_null(list)) {
        json_decref(list);
        list = json_array();
    } else if (!json_is_array(list)) {
        rc =
            err_invalid(err, "endpoints", "%s: 'endpoints' must be a list of endpoint specs", path);
    }
    for (size_t i = 0; i < json_array_size(list) && rc == 0; i++) {
        json_t *spec = json_array_get(list, i);
        const char *name = json_string_value(json_object_get(spec, "name"));
        err_t verr;
        json_t *clean = gateway_endpoint_validate(spec, &verr);
        if (!clean) {
            rc = err_invalid(err, verr.field, "%s: endpoints[%zu] (%s): %s", path, i,
                             name ? name : "no name", verr.message);
            break;
        }
        json_decref(clean);
        for (size_t j = 0; j < i; j++)
            if (json_equal(json_object_get(json_array_get(list, j), "name"),
                           json_object_get(spec, "name")))
                rc = err_invalid(err, "name",
                                 "%s: endpoints[%zu] (%s): endpoints[%zu] has the "
                                 "same name",
                                 path, i, name, j);
    }
    if (rc != 0) {
        json_decref(list);
        return -1;
    }
    *out = list;
    return 0;
}
