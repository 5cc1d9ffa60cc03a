/* buffers.c — buffer creation, wrapping of host memory, reads and writes (bounds-checked). */
#include "common.h"

#include <stdlib.h>

static mc_status new_buffer(mc_context *context, uint64_t size, const char *function,
                            mc_buffer **created) {
    if (context == NULL || created == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "%s: %s is NULL", function,
                            context == NULL ? "context" : "buffer");
    }
    *created = NULL;
    if (size == 0) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "%s: size is 0", function);
    }
    mc_buffer *buffer = calloc(1, sizeof *buffer);
    if (buffer == NULL) {
        return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "%s: out of host memory", function);
    }
    buffer->context = context;
    buffer->size = size;
    *created = buffer;
    return MC_OK;
}

mc_status mc_buffer_create(mc_context *context, uint64_t size, mc_buffer **buffer) {
    mc_clear_error();
    mc_buffer *created;
    mc_status status = new_buffer(context, size, "mc_buffer_create", &created);
    if (status != MC_OK) {
        return status;
    }
    status = context->vtable->buffer_create(context->self, created, size);
    if (status != MC_OK) {
        free(created);
        return status;
    }
    *buffer = created;
    return MC_OK;
}

mc_status mc_buffer_wrap_host(mc_context *context, const void *host, uint64_t size,
                              mc_buffer **buffer) {
    mc_clear_error();
    if (host == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_buffer_wrap_host: host is NULL");
    }
    mc_buffer *created;
    mc_status status = new_buffer(context, size, "mc_buffer_wrap_host", &created);
    if (status != MC_OK) {
        return status;
    }
    created->wrapped = 1;
    status = context->vtable->buffer_wrap_host(context->self, created, host, size);
    if (status != MC_OK) {
        free(created);
        return status;
    }
    *buffer = created;
    return MC_OK;
}

mc_status mc_buffer_destroy(mc_buffer *buffer) {
    mc_clear_error();
    if (buffer == NULL) {
        return MC_OK;
    }
    buffer->context->vtable->buffer_destroy(buffer->context->self, buffer);
    free(buffer);
    return MC_OK;
}

mc_status mc_buffer_size(mc_buffer *buffer, uint64_t *size) {
    mc_clear_error();
    if (buffer == NULL || size == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_buffer_size: %s is NULL",
                            buffer == NULL ? "buffer" : "size");
    }
    *size = buffer->size;
    return MC_OK;
}

/* Checks [offset, offset + size) against the buffer without overflowing. */
static mc_status check_range(const char *function, mc_buffer *buffer, uint64_t offset,
                             const void *host, uint64_t size) {
    if (buffer == NULL || host == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "%s: %s is NULL", function,
                            buffer == NULL ? "buffer" : "host pointer");
    }
    if (offset > buffer->size || size > buffer->size - offset) {
        return mc_set_error(MC_ERROR_OUT_OF_RANGE,
                            "%s: bytes [%llu, %llu + %llu) lie outside the buffer of %llu bytes",
                            function, (unsigned long long)offset, (unsigned long long)offset,
                            (unsigned long long)size, (unsigned long long)buffer->size);
    }
    return MC_OK;
}

mc_status mc_buffer_write(mc_buffer *buffer, uint64_t offset, const void *source, uint64_t size) {
    mc_clear_error();
    mc_status status = check_range("mc_buffer_write", buffer, offset, source, size);
    if (status != MC_OK) {
        return status;
    }
    if (buffer->wrapped) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                            "mc_buffer_write: the buffer wraps read-only host memory (weights)");
    }
    if (size == 0) {
        return MC_OK;
    }
    mc_context *context = buffer->context;
    return context->vtable->buffer_write(context->self, buffer, offset, source, size);
}

mc_status mc_buffer_read(mc_buffer *buffer, uint64_t offset, void *destination, uint64_t size) {
    mc_clear_error();
    mc_status status = check_range("mc_buffer_read", buffer, offset, destination, size);
    if (status != MC_OK || size == 0) {
        return status;
    }
    mc_context *context = buffer->context;
    return context->vtable->buffer_read(context->self, buffer, offset, destination, size);
}
