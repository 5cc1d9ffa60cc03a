/* cublaslt_library.cu — cuBLASLt loaded when the first CUDA context is created, not linked.
 *
 * Why: libmetal_core.so with the CUDA backend must still load and run its CPU backend on a
 * machine without CUDA (the same package serves both), so it links no CUDA library dynamically:
 * the CUDA runtime is linked statically (it finds the driver itself, and reports its absence as
 * an error the backend turns into MC_ERROR_BACKEND_UNAVAILABLE), and cuBLASLt, which only prompt
 * processing uses, is opened here. Without it the CUDA backend still works; prompts then run on
 * the matvec kernels (backend.cu logs a warning).
 *
 * Where it is looked for: METALCORE_CUBLASLT (a path, e.g. a pip wheel's copy) if set, else the
 * soname of the major version the backend was compiled against (cuBLAS keeps its ABI within a
 * major version) on the loader's search path, else the same name in the toolkit's library folder
 * of the build (a machine that built the library from source, like linking would have found).
 * A library of another major version is refused. */
#include "cuda_internal.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace {

struct loaded_library {
    mc_cublaslt_api api;
    bool ok;
    char why[1400]; /* what was tried (up to 1200 characters) and why it failed */
};

/* Stores the symbol's address in `slot`; false (with the reason) where it is missing. */
template <typename Function>
bool resolve(void *library, const char *tried, const char *symbol, Function &slot,
             loaded_library &out) {
    slot = reinterpret_cast<Function>(dlsym(library, symbol));
    if (slot == nullptr) {
        snprintf(out.why, sizeof out.why, "%s was loaded, but has no %s", tried, symbol);
        return false;
    }
    return true;
}

void *open_library(char *tried, size_t size) {
    const char *chosen = getenv("METALCORE_CUBLASLT");
    if (chosen != nullptr && chosen[0] != '\0') {
        snprintf(tried, size, "METALCORE_CUBLASLT=%s", chosen);
        return dlopen(chosen, RTLD_NOW | RTLD_LOCAL);
    }
    char name[64];
    snprintf(name, sizeof name, "libcublasLt.so.%d", CUBLAS_VER_MAJOR);
    snprintf(tried, size, "%s", name);
    void *library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
#ifdef MC_CUDA_TOOLKIT_LIBRARY_DIR
    if (library == nullptr) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", MC_CUDA_TOOLKIT_LIBRARY_DIR, name);
        library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        snprintf(tried, size, "%s (searched for on the loader's path and as %s)", name, path);
    }
#endif
    return library;
}

/* The library stays open for the life of the process: contexts may be created again later, and
 * cuBLASLt keeps per-process state. */
loaded_library load() {
    loaded_library out = {};
    char tried[1200];
    void *library = open_library(tried, sizeof tried);
    if (library == nullptr) {
        const char *error = dlerror();
        snprintf(out.why, sizeof out.why, "%s could not be loaded: %s", tried,
                 error != nullptr ? error : "unknown error");
        return out;
    }
    /* A library of another major version (METALCORE_CUBLASLT can name any file) would take the
     * same calls with other struct layouts and enum values: refused, never called. */
    decltype(&cublasLtGetVersion) get_version = nullptr;
    if (!resolve(library, tried, "cublasLtGetVersion", get_version, out)) {
        return out;
    }
    const size_t version = get_version(); /* major * 10000 + minor * 100 + patch */
    if (version / 10000 != (size_t)CUBLAS_VER_MAJOR) {
        snprintf(out.why, sizeof out.why,
                 "%s is cuBLASLt %zu.%zu.%zu, but this library was built against cuBLAS %d (the "
                 "interface changes between major versions)",
                 tried, version / 10000, version / 100 % 100, version % 100, CUBLAS_VER_MAJOR);
        return out;
    }
    mc_cublaslt_api &a = out.api;
    out.ok =
        resolve(library, tried, "cublasLtCreate", a.create, out) &&
        resolve(library, tried, "cublasLtDestroy", a.destroy, out) &&
        resolve(library, tried, "cublasLtMatmulDescCreate", a.desc_create, out) &&
        resolve(library, tried, "cublasLtMatmulDescSetAttribute", a.desc_set_attribute, out) &&
        resolve(library, tried, "cublasLtMatmulDescDestroy", a.desc_destroy, out) &&
        resolve(library, tried, "cublasLtMatrixLayoutCreate", a.layout_create, out) &&
        resolve(library, tried, "cublasLtMatrixLayoutDestroy", a.layout_destroy, out) &&
        resolve(library, tried, "cublasLtMatmulPreferenceCreate", a.preference_create, out) &&
        resolve(library, tried, "cublasLtMatmulPreferenceSetAttribute", a.preference_set_attribute,
                out) &&
        resolve(library, tried, "cublasLtMatmulPreferenceDestroy", a.preference_destroy, out) &&
        resolve(library, tried, "cublasLtMatmulAlgoGetHeuristic", a.algo_get_heuristic, out) &&
        resolve(library, tried, "cublasLtMatmul", a.matmul, out);
    return out;
}

} // namespace

const mc_cublaslt_api *mc_cublaslt(const char **why) {
    static const loaded_library library = load(); /* once per process, thread-safe */
    if (!library.ok) {
        *why = library.why;
        return nullptr;
    }
    return &library.api;
}
