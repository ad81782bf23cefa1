/* alert_webhook.c - webhook delivery (see alert_webhook.h). */
#include "monitor/alert_webhook.h"

#include <curl/curl.h>
#include <stdio.h>
#include <time.h>

static size_t discard(char *data, size_t size, size_t n, void *ctx)
{
    (void)data;
    (void)ctx;
    return size * n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

int alert_webhook_post(const char *url, const char *body, int tries, int timeout_ms, int backoff_ms,
                       int *attempts, char *last_error, size_t size)
{
    *attempts = 0;
    last_error[0] = '\0';
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(last_error, size, "cannot initialise libcurl");
        return -1;
    }
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L); /* timeouts without SIGALRM: we are a thread */
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    int rc = -1;
    long delay = backoff_ms;
    for (int i = 0; i < tries; i++) {
        if (i > 0) {
            sleep_ms(delay);
            delay *= 2;
        }
        (*attempts)++;
        CURLcode cc = curl_easy_perform(curl);
        long status = 0;
        if (cc == CURLE_OK)
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        if (cc == CURLE_OK && status >= 200 && status < 300) {
            rc = 0;
            last_error[0] = '\0';
            break;
        }
        if (cc != CURLE_OK)
            snprintf(last_error, size, "%s", curl_easy_strerror(cc));
        else
            snprintf(last_error, size, "HTTP %ld", status);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return rc;
}
