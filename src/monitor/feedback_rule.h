/* feedback_rule.h - what counts as positive feedback, shared by the aggregates and drift.
 *
 * A trace's feedback is its latest human score (source "human"; the largest created_ms, then
 * the largest id), whatever the score's name. It is positive when it is boolean true (stored
 * as value 1), a number > 0, or a category whose value is, ignoring case, one of "positive",
 * "good", "thumbs_up", "thumbsup", "up", "yes", "correct", "helpful". */
#ifndef LLMOPS_MONITOR_FEEDBACK_RULE_H
#define LLMOPS_MONITOR_FEEDBACK_RULE_H

/* data_type as stored (numeric|boolean|categorical), value (value_null when SQL NULL) and
 * string_value. 1 when positive. */
int mon_score_positive(const char *data_type, int value_null, double value,
                       const char *string_value);

/* The human scores of the traces in a window, trace by trace, oldest first, so the last row of
 * each trace is the one that counts. %s is the group expression (or NULL); the WHERE clause
 * on t (the trace) follows, then MON_FEEDBACK_SQL_TAIL. Columns: trace_id, start_ms, group,
 * data_type, value, string_value. CROSS JOIN keeps SQLite reading the scores (index
 * scores_source, in this order) and looking each trace up by primary key, instead of probing
 * the scores once per trace of the window; PostgreSQL plans it as a plain join. */
#define MON_FEEDBACK_SQL_HEAD                                                                      \
    "SELECT s.trace_id, t.start_ms, %s, s.data_type, s.value, s.string_value "                     \
    "FROM scores s CROSS JOIN traces t"
#define MON_FEEDBACK_SQL_TAIL                                                                      \
    " AND t.trace_id = s.trace_id AND s.source = 'human' ORDER BY s.trace_id, s.created_ms, s.id"

#endif
