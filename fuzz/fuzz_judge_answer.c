/* fuzz_judge_answer.c - libFuzzer target for the judge-answer reading of eval/judge.h: the input
 * is taken as a judge's answer text, both as the bare text and inside an OpenAI chat response
 * (content as a string and as text parts). Any crash, sanitizer report or leak is a finding; so
 * is a result that breaks the contract: judge_parse_answer returns NULL or an object, and
 * judge_response_text gives back the content it was given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "eval/judge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';

    json_t *answer = judge_parse_answer(text);
    if (answer && !json_is_object(answer))
        abort();
    double d;
    if (answer)
        (void)judge_number(json_object_get(answer, "score"), &d);
    json_decref(answer);

    /* inside a response: only valid UTF-8 can be a JSON string */
    json_t *content = json_string(text);
    if (content) {
        json_t *resp = json_pack("{s:[{s:{s:O}}]}", "choices", "message", "content", content);
        char *back = judge_response_text(resp);
        if (!back || strcmp(back, text) != 0)
            abort();
        free(back);
        json_decref(resp);
        resp = json_pack("{s:[{s:{s:[{s:s,s:O}]}}]}", "choices", "message", "content", "type",
                         "text", "text", content);
        back = judge_response_text(resp);
        if (!back || strcmp(back, text) != 0)
            abort();
        free(back);
        json_decref(resp);
        json_decref(content);
    }
    free(text);
    return 0;
}
