/* test_template_chat.c - real chat templates, written out as they ship in their Jinja form
 * (reconstructed from the models' tokenizer configs), rendered for a short conversation and
 * compared byte for byte with what Hugging Face transformers produces (Jinja2 with
 * trim_blocks and lstrip_blocks, its own tojson, raise_exception): Llama 3 Instruct, Mistral
 * Instruct (including its raise_exception on a wrong role order), ChatML as Qwen ships it (with
 * and without add_generation_prompt), and a Llama 3.1-style template with tool definitions and
 * tool calls (namespace-free but with messages[1:] reassignment, tojson(indent=4), `in` on
 * dicts, `is mapping`, whitespace control on every tag). template_variables is checked too. */
#include "unit/template_testutil.h"

/* Transformers renders chat templates with these. */
static const template_compile_options_t HF = {.trim_blocks = 1, .lstrip_blocks = 1};

static const char *LLAMA3 =
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | "
    "trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% "
    "endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}\n";

static const char *MISTRAL =
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 "
    "% 2 == 0) %}{{ raise_exception('Conversation roles must alternate "
    "user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] "
    "' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ "
    "message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles "
    "are supported!') }}{% endif %}{% endfor %}\n";

static const char *CHATML =
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ "
    "'<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif "
    "%}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% "
    "endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}\n";

static const char *LLAMA31 =
    "{{- bos_token }}\n"
    "{%- if custom_tools is defined %}\n"
    "    {%- set tools = custom_tools %}\n"
    "{%- endif %}\n"
    "{%- if not tools_in_user_message is defined %}\n"
    "    {%- set tools_in_user_message = true %}\n"
    "{%- endif %}\n"
    "{%- if not date_string is defined %}\n"
    "    {%- set date_string = \"26 Jul 2024\" %}\n"
    "{%- endif %}\n"
    "{%- if not tools is defined %}\n"
    "    {%- set tools = none %}\n"
    "{%- endif %}\n"
    "\n"
    "{#- This block extracts the system message, so we can slot it into the right place. #}\n"
    "{%- if messages[0]['role'] == 'system' %}\n"
    "    {%- set system_message = messages[0]['content']|trim %}\n"
    "    {%- set messages = messages[1:] %}\n"
    "{%- else %}\n"
    "    {%- set system_message = \"\" %}\n"
    "{%- endif %}\n"
    "\n"
    "{#- System message + builtin tools #}\n"
    "{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}\n"
    "{%- if builtin_tools is defined or tools is not none %}\n"
    "    {{- \"Environment: ipython\\n\" }}\n"
    "{%- endif %}\n"
    "{%- if builtin_tools is defined %}\n"
    "    {{- \"Tools: \" + builtin_tools | reject('equalto', 'code_interpreter') | join(\", \") + "
    "\"\\n\\n\"}}\n"
    "{%- endif %}\n"
    "{{- \"Cutting Knowledge Date: December 2023\\n\" }}\n"
    "{{- \"Today Date: \" + date_string + \"\\n\\n\" }}\n"
    "{%- if tools is not none and not tools_in_user_message %}\n"
    "    {{- \"You have access to the following functions. To call a function, please respond with "
    "JSON for a function call.\" }}\n"
    "    {{- 'Respond in the format {\"name\": function name, \"parameters\": dictionary of "
    "argument name and its value}.' }}\n"
    "    {{- \"Do not use variables.\\n\\n\" }}\n"
    "    {%- for t in tools %}\n"
    "        {{- t | tojson(indent=4) }}\n"
    "        {{- \"\\n\\n\" }}\n"
    "    {%- endfor %}\n"
    "{%- endif %}\n"
    "{{- system_message }}\n"
    "{{- \"<|eot_id|>\" }}\n"
    "\n"
    "{#- Custom tools are passed in a user message with some extra guidance #}\n"
    "{%- if tools_in_user_message and not tools is none %}\n"
    "    {#- Extract the first user message so we can plug it in here #}\n"
    "    {%- if messages | length != 0 %}\n"
    "        {%- set first_user_message = messages[0]['content']|trim %}\n"
    "        {%- set messages = messages[1:] %}\n"
    "    {%- else %}\n"
    "        {{- raise_exception(\"Cannot put tools in the first user message when there's no "
    "first user message!\") }}\n"
    "    {%- endif %}\n"
    "    {{- '<|start_header_id|>user<|end_header_id|>\\n\\n' -}}\n"
    "    {{- \"Given the following functions, please respond with a JSON for a function call \" "
    "}}\n"
    "    {{- \"with its proper arguments that best answers the given prompt.\\n\\n\" }}\n"
    "    {{- 'Respond in the format {\"name\": function name, \"parameters\": dictionary of "
    "argument name and its value}.' }}\n"
    "    {{- \"Do not use variables.\\n\\n\" }}\n"
    "    {%- for t in tools %}\n"
    "        {{- t | tojson(indent=4) }}\n"
    "        {{- \"\\n\\n\" }}\n"
    "    {%- endfor %}\n"
    "    {{- first_user_message + \"<|eot_id|>\"}}\n"
    "{%- endif %}\n"
    "\n"
    "{%- for message in messages %}\n"
    "    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in "
    "message) %}\n"
    "        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ "
    "message['content'] | trim + '<|eot_id|>' }}\n"
    "    {%- elif 'tool_calls' in message %}\n"
    "        {%- if not message.tool_calls|length == 1 %}\n"
    "            {{- raise_exception(\"This model only supports single tool-calls at once!\") }}\n"
    "        {%- endif %}\n"
    "        {%- set tool_call = message.tool_calls[0].function %}\n"
    "        {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}\n"
    "        {{- '{\"name\": \"' + tool_call.name + '\", ' }}\n"
    "        {{- '\"parameters\": ' }}\n"
    "        {{- tool_call.arguments | tojson }}\n"
    "        {{- \"}\" }}\n"
    "        {{- \"<|eot_id|>\" }}\n"
    "    {%- elif message.role == \"tool\" or message.role == \"ipython\" %}\n"
    "        {{- \"<|start_header_id|>ipython<|end_header_id|>\\n\\n\" }}\n"
    "        {%- if message.content is mapping %}\n"
    "            {{- message.content | tojson }}\n"
    "        {%- else %}\n"
    "            {{- message.content }}\n"
    "        {%- endif %}\n"
    "        {{- \"<|eot_id|>\" }}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n"
    "{%- endif %}\n";

static const char *LLAMA3_VARS = "{"
                                 "\"bos_token\": \"<|begin_of_text|>\","
                                 "\"add_generation_prompt\": true,"
                                 "\"messages\": ["
                                 "  {\"role\": \"system\", \"content\": \"You are a pirate.\"},"
                                 "  {\"role\": \"user\", \"content\": \"  Hello!  \"},"
                                 "  {\"role\": \"assistant\", \"content\": \"Arr, hello.\"},"
                                 "  {\"role\": \"user\", \"content\": \"Where is the treasure?\"}"
                                 "]"
                                 "}";

static const char *LLAMA3_WANT =
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n"
    "\n"
    "You are a pirate.<|eot_id|><|start_header_id|>user<|end_header_id|>\n"
    "\n"
    "Hello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n"
    "\n"
    "Arr, hello.<|eot_id|><|start_header_id|>user<|end_header_id|>\n"
    "\n"
    "Where is the treasure?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n"
    "\n";

static const char *MISTRAL_VARS = "{"
                                  "\"bos_token\": \"<s>\","
                                  "\"eos_token\": \"</s>\","
                                  "\"messages\": ["
                                  "  {\"role\": \"user\", \"content\": \"Hello!\"},"
                                  "  {\"role\": \"assistant\", \"content\": \"Hi there.\"},"
                                  "  {\"role\": \"user\", \"content\": \"Tell me a joke.\"}"
                                  "]"
                                  "}";

static const char *MISTRAL_WANT =
    "<s>[INST] Hello! [/INST]Hi there.</s>[INST] Tell me a joke. [/INST]";

static const char *CHATML_VARS = "{"
                                 "\"add_generation_prompt\": true,"
                                 "\"messages\": ["
                                 "  {\"role\": \"user\", \"content\": \"What is 2+2?\"},"
                                 "  {\"role\": \"assistant\", \"content\": \"4\"},"
                                 "  {\"role\": \"user\", \"content\": \"And 3+3?\"}"
                                 "]"
                                 "}";

static const char *CHATML_WANT = "<|im_start|>system\n"
                                 "You are a helpful assistant.<|im_end|>\n"
                                 "<|im_start|>user\n"
                                 "What is 2+2?<|im_end|>\n"
                                 "<|im_start|>assistant\n"
                                 "4<|im_end|>\n"
                                 "<|im_start|>user\n"
                                 "And 3+3?<|im_end|>\n"
                                 "<|im_start|>assistant\n";

static const char *CHATML_SYSTEM_VARS = "{"
                                        "\"add_generation_prompt\": false,"
                                        "\"messages\": [{\"role\": \"system\", \"content\": \"Be "
                                        "terse.\"}, {\"role\": \"user\", \"content\": \"Hi\"}]"
                                        "}";

static const char *CHATML_SYSTEM_WANT = "<|im_start|>system\n"
                                        "Be terse.<|im_end|>\n"
                                        "<|im_start|>user\n"
                                        "Hi<|im_end|>\n";

static const char *LLAMA31_VARS =
    "{"
    "\"bos_token\": \"<|begin_of_text|>\","
    "\"add_generation_prompt\": true,"
    "\"tools\": ["
    "  {\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": "
    "\"Weather for a city\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": "
    "{\"type\": \"string\"}}, \"required\": [\"city\"]}}}"
    "],"
    "\"messages\": ["
    "  {\"role\": \"system\", \"content\": \"You are helpful. \"},"
    "  {\"role\": \"user\", \"content\": \"Weather in Paris?\"},"
    "  {\"role\": \"assistant\", \"tool_calls\": [{\"type\": \"function\", \"function\": "
    "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}}]},"
    "  {\"role\": \"tool\", \"content\": {\"temp_c\": 21, \"sky\": \"clear\"}},"
    "  {\"role\": \"assistant\", \"content\": \"It is 21\\u00b0C and clear.\"},"
    "  {\"role\": \"user\", \"content\": \"Thanks!\"}"
    "]"
    "}";

static const char *LLAMA31_WANT =
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n"
    "\n"
    "Environment: ipython\n"
    "Cutting Knowledge Date: December 2023\n"
    "Today Date: 26 Jul 2024\n"
    "\n"
    "You are helpful.<|eot_id|><|start_header_id|>user<|end_header_id|>\n"
    "\n"
    "Given the following functions, please respond with a JSON for a function call with its proper "
    "arguments that best answers the given prompt.\n"
    "\n"
    "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name "
    "and its value}.Do not use variables.\n"
    "\n"
    "{\n"
    "    \"type\": \"function\",\n"
    "    \"function\": {\n"
    "        \"name\": \"get_weather\",\n"
    "        \"description\": \"Weather for a city\",\n"
    "        \"parameters\": {\n"
    "            \"type\": \"object\",\n"
    "            \"properties\": {\n"
    "                \"city\": {\n"
    "                    \"type\": \"string\"\n"
    "                }\n"
    "            },\n"
    "            \"required\": [\n"
    "                \"city\"\n"
    "            ]\n"
    "        }\n"
    "    }\n"
    "}\n"
    "\n"
    "Weather in Paris?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n"
    "\n"
    "{\"name\": \"get_weather\", \"parameters\": {\"city\": "
    "\"Paris\"}}<|eot_id|><|start_header_id|>ipython<|end_header_id|>\n"
    "\n"
    "{\"temp_c\": 21, \"sky\": \"clear\"}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n"
    "\n"
    "It is 21\302\260C and clear.<|eot_id|><|start_header_id|>user<|end_header_id|>\n"
    "\n"
    "Thanks!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n"
    "\n";

static const char *LLAMA31_PLAIN_VARS = "{"
                                        "\"bos_token\": \"<|begin_of_text|>\","
                                        "\"add_generation_prompt\": false,"
                                        "\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]"
                                        "}";

static const char *LLAMA31_PLAIN_WANT =
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n"
    "\n"
    "Cutting Knowledge Date: December 2023\n"
    "Today Date: 26 Jul 2024\n"
    "\n"
    "<|eot_id|><|start_header_id|>user<|end_header_id|>\n"
    "\n"
    "Hi<|eot_id|>";

static void expect_variables(const char *src, const char *want)
{
    err_t err;
    template_t *t = template_compile_ex(src, strlen(src), &HF, &err);
    assert_non_null(t);
    json_t *vars = template_variables(t);
    char *dump = json_dumps(vars, JSON_COMPACT);
    assert_string_equal(dump, want);
    free(dump);
    json_decref(vars);
    template_free(t);
}

static void test_llama3(void **state)
{
    (void)state;
    RENDER_CO(LLAMA3, &HF, LLAMA3_VARS, LLAMA3_WANT);
    /* a one-line template: Jinja's default whitespace handling gives the same */
    RENDER(LLAMA3, LLAMA3_VARS, LLAMA3_WANT);
    expect_variables(LLAMA3, "[\"messages\",\"bos_token\",\"add_generation_prompt\"]");
}

static void test_mistral(void **state)
{
    (void)state;
    RENDER_CO(MISTRAL, &HF, MISTRAL_VARS, MISTRAL_WANT);
    FAILS(MISTRAL,
          "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"messages\": ["
          "{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"b\"}]}",
          "template_error",
          "line 1:110: Conversation roles must alternate user/assistant/user/assistant/...");
    FAILS(MISTRAL,
          "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"messages\": ["
          "{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"tool\", \"content\": \"b\"}]}",
          "template_error", "line 1:382: Only user and assistant roles are supported!");
    FAILS(MISTRAL,
          "{\"bos_token\": \"<s>\", \"messages\": [{\"role\": \"assistant\", \"content\": "
          "\"a\"}]}",
          "template_error",
          "line 1:110: Conversation roles must alternate user/assistant/user/assistant/...");
    expect_variables(MISTRAL, "[\"bos_token\",\"messages\",\"eos_token\"]");
}

static void test_chatml(void **state)
{
    (void)state;
    RENDER_CO(CHATML, &HF, CHATML_VARS, CHATML_WANT);
    RENDER_CO(CHATML, &HF, CHATML_SYSTEM_VARS, CHATML_SYSTEM_WANT);
    FAILS(CHATML, "{\"messages\": []}", "template_undefined",
          "line 1:268: 'add_generation_prompt' is undefined");
    expect_variables(CHATML, "[\"messages\",\"add_generation_prompt\"]");
}

static void test_llama31_tools(void **state)
{
    (void)state;
    RENDER_CO(LLAMA31, &HF, LLAMA31_VARS, LLAMA31_WANT);
    RENDER_CO(LLAMA31, &HF, LLAMA31_PLAIN_VARS, LLAMA31_PLAIN_WANT);
    expect_variables(LLAMA31, "[\"bos_token\",\"custom_tools\",\"tools_in_user_message\","
                              "\"date_string\",\"tools\",\"messages\",\"builtin_tools\","
                              "\"first_user_message\",\"add_generation_prompt\"]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llama3),
        cmocka_unit_test(test_mistral),
        cmocka_unit_test(test_chatml),
        cmocka_unit_test(test_llama31_tools),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
