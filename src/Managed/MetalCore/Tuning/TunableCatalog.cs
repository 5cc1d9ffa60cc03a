using MetalCore.Runtime;

namespace MetalCore.Tuning;

/// <summary>Which phase of generation a tunable changes, and so which speed confirms it.</summary>
internal enum TunablePhase
{
    /// <summary>One-token steps: confirmed by decode tokens per second.</summary>
    Decode,
    /// <summary>Multi-token batches: confirmed by prompt tokens per second.</summary>
    Prompt,
}

/// <summary>
/// A tunable to sweep: its mc_context_set_tunable name, the candidate values, the phase it
/// affects, and the kernels whose time measures it in isolation (text contained in the backend's
/// profile names; null = the whole step, for settings such as a thread pool's spin time).
/// </summary>
internal sealed record TunableSpec(string Name, IReadOnlyList<int> Candidates, TunablePhase Phase, string? KernelFilter, string Description);

/// <summary>
/// The candidate values autotune tries, per backend. The names are the backends' own
/// (native/metal_core/src/*/...tunables...); values outside a backend's accepted range would be
/// refused by mc_context_set_tunable, so every list stays inside it.
/// </summary>
internal static class TunableCatalog
{
    private static readonly TunableSpec[] s_cpu =
    [
        new("matvec_rows_per_task", [4, 8, 16, 32, 64, 128], TunablePhase.Decode, "matmul", "output rows per work item of a one-token matmul"),
        new("attention_block", [16, 32, 64, 128, 256], TunablePhase.Decode, "attention", "keys per online-softmax step"),
        new("spin_us", [0, 20, 200, 1000], TunablePhase.Decode, null, "microseconds idle workers spin before sleeping"),
        new("serial_op_values", [0, 2048, 8192, 32768], TunablePhase.Decode, null, "element-wise ops up to this size run on one thread, without a phase boundary between them"),
        new("gemm_rows_per_task", [16, 32, 64, 128, 256], TunablePhase.Prompt, "matmul", "output rows per work item of a multi-token matmul"),
        new("gemm_tile_tokens", [8, 16, 32, 64], TunablePhase.Prompt, "matmul", "tokens per kernel call inside a multi-token work item"),
    ];

    private static readonly TunableSpec[] s_metal =
    [
        new("matvec.rows", [1, 2, 4, 8], TunablePhase.Decode, "matvec", "rows per simdgroup of a matvec"),
        new("matvec.simdgroups", [1, 2, 4, 8], TunablePhase.Decode, "matvec", "simdgroups per threadgroup of a matvec"),
        new("rms_norm.threads", [64, 128, 256, 512, 1024], TunablePhase.Decode, "rms_norm", "threadgroup size of rms_norm"),
        new("argmax.threads", [256, 512, 1024], TunablePhase.Decode, "argmax", "threadgroup size of argmax"),
        new("attention.simdgroups", [1, 2, 4, 8], TunablePhase.Decode, "attention", "simdgroups per threadgroup of decode attention"),
        new("attention.block", [128, 256, 512, 1024], TunablePhase.Decode, "attention", "keys per threadgroup of decode attention"),
        new("elementwise.threads", [64, 128, 256, 512], TunablePhase.Decode, null, "threadgroup size of element-wise kernels"),
        new("matmul.min_rows", [2, 4, 8, 16, 32], TunablePhase.Prompt, "mat", "tokens from which the matrix-matrix kernel replaces matvec"),
    ];

    private static readonly TunableSpec[] s_cuda =
    [
        new("cuda.pdl", [0, 1], TunablePhase.Decode, null, "programmatic dependent launch between kernels"),
        new("cuda.fuse", [0, 1], TunablePhase.Decode, null, "decode-graph fusions (norm into matvec, q/k preparation into attention)"),
        new("cuda.attn_chunk", [16, 32, 64, 128, 256], TunablePhase.Decode, "attention", "keys per block of decode attention"),
        new("cuda.mv_slices", [0, 1, 2, 4, 8], TunablePhase.Decode, "matvec", "slices of K per row pair of a matvec (0: automatic)"),
        new("cuda.mv_blocks_per_sm", [0, 1, 2], TunablePhase.Decode, "matvec", "matvec blocks per multiprocessor (0: as many as fit; the streamed kernel: 1)"),
        new("cuda.mv_stages", [0, 2, 3, 4], TunablePhase.Decode, "matvec", "quantized matvec: 0 loads into registers, 2-4 stages per warp streamed through shared memory (Hopper)"),
        new("cuda.gemm_min_rows", [2, 5, 9, 17, 33], TunablePhase.Prompt, null, "tokens from which the GEMM kernel replaces matvec"),
    ];

    /// <summary>The tunables of <paramref name="backend"/>.</summary>
    public static IReadOnlyList<TunableSpec> For(ComputeBackend backend) => backend switch
    {
        ComputeBackend.Cpu => s_cpu,
        ComputeBackend.Metal => s_metal,
        ComputeBackend.Cuda => s_cuda,
        _ => throw new ArgumentException("Autotune needs a concrete backend (cpu, metal or cuda), not auto.", nameof(backend)),
    };

    /// <summary>The named subset of <paramref name="backend"/>'s tunables; an unknown name is an error listing the known ones.</summary>
    public static IReadOnlyList<TunableSpec> Select(ComputeBackend backend, IReadOnlyCollection<string> names)
    {
        var all = For(backend);
        if (names.Count == 0)
        {
            return all;
        }
        foreach (var name in names)
        {
            if (all.All(s => s.Name != name))
            {
                throw new ArgumentException($"The {TuningTable.BackendName(backend)} backend has no tunable '{name}' to sweep; known: {string.Join(", ", all.Select(s => s.Name))}.");
            }
        }
        return [.. all.Where(s => names.Contains(s.Name))];
    }
}
