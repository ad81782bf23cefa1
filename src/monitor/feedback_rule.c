/* feedback_rule.c - positive feedback (see feedback_rule.h). */
#include "monitor/feedback_rule.h"

#include <string.h>
#include <strings.h>

static int positive_category(const char *s)
{
    static const char *const yes[] = {"positive", "good", "thumbs_up", "thumbsup",
                                      "up",       "yes",  "correct",   "helpful"};
    for (size_t i = 0; s && i < sizeof yes / sizeof yes[0]; i++)
        if (strcasecmp(s, yes[i]) == 0)
            return 1;
    return 0;
}

int mon_score_positive(const char *data_type, int value_null, double value,
                       const char *string_value)
{
    if (data_type && strcmp(data_type, "categorical") == 0)
        return positive_category(string_value);
    return !value_null && value > 0; /* boolean true is 1; numbers above zero */
}
