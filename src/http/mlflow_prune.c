/* mlflow_prune.c - protobuf-style omission of unset fields (see mlflow_prune.h). */
#include "http/mlflow_prune.h"

json_t *mlflow_prune(json_t *value)
{
    if (json_is_array(value)) {
        size_t i;
        json_t *item;
        json_array_foreach(value, i, item) mlflow_prune(item);
    } else if (json_is_object(value)) {
        const char *key;
        json_t *member;
        void *tmp;
        json_object_foreach_safe(value, tmp, key, member)
        {
            if (json_is_null(member) || (json_is_array(member) && json_array_size(member) == 0))
                json_object_del(value, key);
            else
                mlflow_prune(member);
        }
    }
    return value;
}
