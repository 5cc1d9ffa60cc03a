/* errors.c — the per-thread last-error message and the optional log callback. */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>

/* One message per thread: mc_last_error() describes the calling thread's last failure. */
static _Thread_local char t_last_error[1024];

static mc_log_callback g_log_callback;
static void *g_log_user_data;

const char *mc_last_error(void) {
    return t_last_error;
}

void mc_clear_error(void) {
    t_last_error[0] = '\0';
}

mc_status mc_set_error(mc_status status, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(t_last_error, sizeof t_last_error, format, args);
    va_end(args);
    return status;
}

mc_status mc_set_log_callback(mc_log_callback callback, void *user_data) {
    /* Set together; a racing logger may see the old pair, which is harmless. */
    g_log_user_data = user_data;
    g_log_callback = callback;
    mc_clear_error();
    return MC_OK;
}

void mc_log(mc_log_level level, const char *format, ...) {
    mc_log_callback callback = g_log_callback;
    if (callback == NULL) {
        return;
    }
    char message[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    callback(level, message, g_log_user_data);
}
