namespace MetalCore.Runtime;

/// <summary>Where the model runs.</summary>
public enum ComputeBackend
{
    /// <summary>The best available: a GPU backend when one exists, else the CPU.</summary>
    Auto = 0,
    /// <summary>The portable CPU backend (SIMD, all cores).</summary>
    Cpu = 1,
    /// <summary>Apple GPUs through Metal (macOS).</summary>
    Metal = 2,
    /// <summary>NVIDIA GPUs through CUDA.</summary>
    Cuda = 3,
}
