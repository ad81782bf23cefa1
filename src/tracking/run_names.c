/* run_names.c - generated run names (see run_names.h). The words are short, neutral English
 * words; randomness comes from the CSPRNG so that two servers never walk in step. */
#include "tracking/run_names.h"

#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>

#include "base/ids.h"

static const char *const adjectives[] = {
    "amber",  "bold",   "brave",  "bright", "calm",   "clever", "crisp",  "curious",
    "daring", "eager",  "fair",   "fleet",  "gentle", "glad",   "golden", "grand",
    "happy",  "honest", "humble", "keen",   "kind",   "lively", "lucky",  "merry",
    "mighty", "nimble", "noble",  "polite", "proud",  "quick",  "quiet",  "rapid",
    "rare",   "silent", "sleek",  "smart",  "steady", "sunny",  "swift",  "tidy",
    "upbeat", "vivid",  "warm",   "wise",   "witty",  "young",  "zesty",  "cosmic",
};

static const char *const nouns[] = {
    "ant",   "badger", "bear",  "bee",   "bison",  "cat",   "colt",  "crane", "crow",  "deer",
    "dove",  "duck",   "eagle", "elk",   "falcon", "finch", "fox",   "frog",  "goat",  "hare",
    "hawk",  "heron",  "horse", "ibis",  "koala",  "lark",  "lion",  "lynx",  "mole",  "moose",
    "newt",  "otter",  "owl",   "panda", "quail",  "raven", "robin", "seal",  "shrew", "slug",
    "snail", "stoat",  "swan",  "tiger", "trout",  "whale", "wolf",  "wren",
};

void run_names_generate(char *out, size_t size)
{
    uint32_t r[3];
    ids_random_bytes(r, (int)sizeof r);
    snprintf(out, size, "%s-%s-%u", adjectives[r[0] % (sizeof adjectives / sizeof *adjectives)],
             nouns[r[1] % (sizeof nouns / sizeof *nouns)], (unsigned)(r[2] % 1000));
}
