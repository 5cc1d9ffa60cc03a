/* graphs.c — recording a decode step's ops once and replaying them per token. */
#include "common.h"

#include <stdlib.h>
#include <string.h>

mc_status mc_context_submit(mc_context *context, const mc_op_desc *op) {
    if (!context->recording) {
        context->ops_enqueued++;
        return context->vtable->run(context->self, op, 1);
    }
    if (context->recorded_count == context->recorded_capacity) {
        int32_t capacity = context->recorded_capacity == 0 ? 64 : context->recorded_capacity * 2;
        mc_op_desc *grown = realloc(context->recorded, (size_t)capacity * sizeof *grown);
        if (grown == NULL) {
            return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "graph recording: out of host memory");
        }
        context->recorded = grown;
        context->recorded_capacity = capacity;
    }
    context->recorded[context->recorded_count++] = *op;
    return MC_OK;
}

mc_status mc_graph_begin(mc_context *context) {
    mc_clear_error();
    if (context == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_graph_begin: context is NULL");
    }
    if (context->recording) {
        return mc_set_error(MC_ERROR_INVALID_STATE,
                            "mc_graph_begin: the context is already recording a graph");
    }
    context->recording = 1;
    context->recorded_count = 0;
    return MC_OK;
}

mc_status mc_graph_end(mc_context *context, mc_graph **graph) {
    mc_clear_error();
    if (context == NULL || graph == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_graph_end: %s is NULL",
                            context == NULL ? "context" : "graph");
    }
    *graph = NULL;
    if (!context->recording) {
        return mc_set_error(MC_ERROR_INVALID_STATE, "mc_graph_end: mc_graph_begin was not called");
    }
    context->recording = 0;
    if (context->recorded_count == 0) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_graph_end: no op was recorded");
    }
    mc_graph *created = calloc(1, sizeof *created);
    mc_op_desc *ops = malloc((size_t)context->recorded_count * sizeof *ops);
    if (created == NULL || ops == NULL) {
        free(created);
        free(ops);
        return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "mc_graph_end: out of host memory");
    }
    memcpy(ops, context->recorded, (size_t)context->recorded_count * sizeof *ops);
    created->context = context;
    created->ops = ops;
    created->count = context->recorded_count;
    if (context->vtable->graph_create != NULL) {
        mc_status status =
            context->vtable->graph_create(context->self, ops, created->count, &created->impl);
        if (status != MC_OK) {
            free(ops);
            free(created);
            return status;
        }
    }
    *graph = created;
    return MC_OK;
}

mc_status mc_graph_launch(mc_graph *graph) {
    mc_clear_error();
    if (graph == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_graph_launch: graph is NULL");
    }
    mc_context *context = graph->context;
    if (context->recording) {
        return mc_set_error(MC_ERROR_INVALID_STATE,
                            "mc_graph_launch: the context is recording another graph");
    }
    context->graph_launches++;
    context->ops_enqueued += (uint64_t)graph->count;
    if (graph->impl != NULL) {
        return context->vtable->graph_launch(context->self, graph->impl);
    }
    return context->vtable->run(context->self, graph->ops, graph->count);
}

mc_status mc_graph_destroy(mc_graph *graph) {
    mc_clear_error();
    if (graph == NULL) {
        return MC_OK;
    }
    if (graph->impl != NULL) {
        graph->context->vtable->graph_destroy(graph->context->self, graph->impl);
    }
    free(graph->ops);
    free(graph);
    return MC_OK;
}
