using System.Runtime.InteropServices;
using MetalCore.Interop;
using MetalCore.ModelFiles;

namespace MetalCore.Runtime;

/// <summary>
/// One device and its in-order queue: allocates buffers and enqueues the native ops. Used
/// from one thread at a time.
/// </summary>
internal sealed unsafe class ComputeContext : IDisposable
{
    private readonly ContextHandle _handle;

    private ComputeContext(ContextHandle handle)
    {
        _handle = handle;
        int backend;
        NativeErrors.Check(NativeMethods.ContextBackend(handle.Pointer, &backend));
        Backend = (ComputeBackend)backend;
        byte* name;
        NativeErrors.Check(NativeMethods.ContextDeviceName(handle.Pointer, &name));
        DeviceName = Marshal.PtrToStringUTF8((nint)name) ?? "";
    }

    /// <summary>The backend actually in use (never <see cref="ComputeBackend.Auto"/>).</summary>
    public ComputeBackend Backend { get; }

    /// <summary>The device, e.g. "NVIDIA H100 80GB HBM3" or "CPU: AMD EPYC (2 threads, avx512)".</summary>
    public string DeviceName { get; }

    /// <summary>Creates a context; checks first that the native library matches this assembly.</summary>
    public static ComputeContext Create(ComputeBackend backend, int threads = 0, bool highPriority = false, ContextFlags flags = ContextFlags.None)
    {
        NativeLibraryVersion.EnsureCompatible();
        ContextOptions options;
        NativeErrors.Check(NativeMethods.ContextOptionsInit(&options));
        options.Backend = (int)backend;
        options.Threads = threads;
        options.Priority = (int)(highPriority ? Priority.High : Priority.Normal);
        options.Flags = (uint)flags;
        Context* context;
        NativeErrors.Check(NativeMethods.ContextCreate(&options, &context));
        return new ComputeContext(ContextHandle.Own(context));
    }

    /// <summary>Whether the native library has <paramref name="backend"/> and a device for it here.</summary>
    public static bool IsAvailable(ComputeBackend backend)
    {
        NativeLibraryVersion.EnsureCompatible();
        int available;
        NativeErrors.Check(NativeMethods.BackendAvailable((Interop.Backend)backend, &available));
        return available != 0;
    }

    /// <summary>Starts the backend's programmatic capture of the work enqueued until <see cref="EndCapture"/>
    /// (Metal: a .gputrace, needs MTL_CAPTURE_ENABLED=1; CUDA: an NVTX range under the profiler).</summary>
    public void BeginCapture(string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* pointer = bytes)
        {
            NativeErrors.Check(NativeMethods.CaptureBegin(_handle.Pointer, pointer));
        }
    }

    /// <summary>Ends the capture started by <see cref="BeginCapture"/>.</summary>
    public void EndCapture() => NativeErrors.Check(NativeMethods.CaptureEnd(_handle.Pointer));

    /// <summary>Allocates zero-filled device memory.</summary>
    public DeviceBuffer Allocate(ulong bytes)
    {
        Interop.Buffer* buffer;
        NativeErrors.Check(NativeMethods.BufferCreate(_handle.Pointer, bytes, &buffer));
        return new DeviceBuffer(BufferHandle.Own(_handle, buffer), bytes);
    }

    /// <summary>Allocates a packed rows × cols tensor.</summary>
    public TensorView AllocateTensor(GgmlType type, int rows, int cols) =>
        Allocate((ulong)GgmlTypeTraits.RowBytes(type, cols) * (ulong)rows).View(type, rows, cols);

    /// <summary>
    /// Wraps host memory that stays valid and unchanged while the buffer lives (a mapped weight
    /// file): zero-copy where the device shares memory, uploaded once otherwise.
    /// </summary>
    public DeviceBuffer WrapHost(void* host, ulong bytes)
    {
        Interop.Buffer* buffer;
        NativeErrors.Check(NativeMethods.BufferWrapHost(_handle.Pointer, host, bytes, &buffer));
        return new DeviceBuffer(BufferHandle.Own(_handle, buffer), bytes);
    }

    /// <summary>Waits for all enqueued work.</summary>
    public void Synchronize() => NativeErrors.Check(NativeMethods.ContextSynchronize(_handle.Pointer));

    /// <summary>Sets a backend tunable (threadgroup size, variant...) by name.</summary>
    public void SetTunable(string name, int value)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* pointer = bytes)
        {
            NativeErrors.Check(NativeMethods.ContextSetTunable(_handle.Pointer, pointer, value));
        }
    }

    /// <summary>Counters since creation or the last reset.</summary>
    public ContextStats Stats()
    {
        ContextStats stats;
        NativeErrors.Check(NativeMethods.ContextGetStats(_handle.Pointer, &stats));
        return stats;
    }

    /// <summary>Resets the counters.</summary>
    public void ResetStats() => NativeErrors.Check(NativeMethods.ContextResetStats(_handle.Pointer));

    /// <summary>Per-kernel device time (with <see cref="ContextFlags.ProfileOps"/>), largest first.</summary>
    public IReadOnlyList<(string Kernel, ulong Calls, double TotalMicroseconds)> Profile()
    {
        int count;
        NativeErrors.Check(NativeMethods.ContextProfileCount(_handle.Pointer, &count));
        var entries = new List<(string, ulong, double)>(count);
        for (var i = 0; i < count; i++)
        {
            ProfileEntry entry;
            NativeErrors.Check(NativeMethods.ContextProfileEntry(_handle.Pointer, i, &entry));
            entries.Add((Marshal.PtrToStringUTF8((nint)entry.Name) ?? "", entry.Calls, entry.TotalUs));
        }
        return entries.OrderByDescending(e => e.Item3).ToList();
    }

    /// <summary>Starts recording ops into a graph instead of running them.</summary>
    public void BeginGraph() => NativeErrors.Check(NativeMethods.GraphBegin(_handle.Pointer));

    /// <summary>Ends recording; the graph replays the recorded ops with <see cref="LaunchGraph"/>.</summary>
    public GraphHandle EndGraph()
    {
        Graph* graph;
        NativeErrors.Check(NativeMethods.GraphEnd(_handle.Pointer, &graph));
        return GraphHandle.Own(_handle, graph);
    }

    /// <summary>Enqueues one replay of a recorded graph.</summary>
    public static void LaunchGraph(GraphHandle graph) => NativeErrors.Check(NativeMethods.GraphLaunch(graph.Pointer));

    public void Embedding(in TensorView table, in TensorView tokens, in TensorView output)
    {
        Tensor t = table.ToNative(), i = tokens.ToNative(), o = output.ToNative();
        NativeErrors.Check(NativeMethods.OpEmbedding(_handle.Pointer, &t, &i, &o));
    }

    public void RmsNorm(in TensorView x, in TensorView weight, float eps, in TensorView output)
    {
        Tensor a = x.ToNative(), w = weight.ToNative(), o = output.ToNative();
        NativeErrors.Check(NativeMethods.OpRmsNorm(_handle.Pointer, &a, &w, eps, &o));
    }

    /// <summary>output = x · wᵀ (+ residual, which may be <paramref name="output"/> itself).</summary>
    public void MatMul(in TensorView x, in TensorView w, in TensorView output, TensorView? residual = null)
    {
        Tensor a = x.ToNative(), b = w.ToNative(), o = output.ToNative();
        if (residual is { } r)
        {
            var rn = r.ToNative();
            NativeErrors.Check(NativeMethods.OpMatmul(_handle.Pointer, &a, &b, &rn, &o));
        }
        else
        {
            NativeErrors.Check(NativeMethods.OpMatmul(_handle.Pointer, &a, &b, null, &o));
        }
    }

    public void MatMulQkv(in TensorView x, in TensorView wq, in TensorView wk, in TensorView wv, in TensorView q, in TensorView k, in TensorView v)
    {
        Tensor a = x.ToNative(), bq = wq.ToNative(), bk = wk.ToNative(), bv = wv.ToNative();
        Tensor oq = q.ToNative(), ok = k.ToNative(), ov = v.ToNative();
        NativeErrors.Check(NativeMethods.OpMatmulQkv(_handle.Pointer, &a, &bq, &bk, &bv, &oq, &ok, &ov));
    }

    public void MatMulGateUpSilu(in TensorView x, in TensorView gate, in TensorView up, in TensorView output)
    {
        Tensor a = x.ToNative(), g = gate.ToNative(), u = up.ToNative(), o = output.ToNative();
        NativeErrors.Check(NativeMethods.OpMatmulGateUpSilu(_handle.Pointer, &a, &g, &u, &o));
    }

    public void Rope(in TensorView x, in TensorView positions, int heads, int headDim, int ropeDims, float theta, TensorView? freqFactors, RopeLayout layout)
    {
        Tensor a = x.ToNative(), p = positions.ToNative();
        var mode = (int)(layout == RopeLayout.NeoX ? RopeMode.Neox : RopeMode.Normal);
        if (freqFactors is { } f)
        {
            var fn = f.ToNative();
            NativeErrors.Check(NativeMethods.OpRope(_handle.Pointer, &a, &p, heads, headDim, ropeDims, theta, &fn, mode));
        }
        else
        {
            NativeErrors.Check(NativeMethods.OpRope(_handle.Pointer, &a, &p, heads, headDim, ropeDims, theta, null, mode));
        }
    }

    public void KvAppend(in TensorView k, in TensorView v, in TensorView kCache, in TensorView vCache, in TensorView positions, int sequenceCapacity)
    {
        Tensor a = k.ToNative(), b = v.ToNative(), kc = kCache.ToNative(), vc = vCache.ToNative(), p = positions.ToNative();
        NativeErrors.Check(NativeMethods.OpKvAppend(_handle.Pointer, &a, &b, &kc, &vc, &p, null, sequenceCapacity));
    }

    public void Attention(in TensorView q, in TensorView kCache, in TensorView vCache, in TensorView positions, int sequenceCapacity,
        int heads, int kvHeads, int headDim, float scale, in TensorView output)
    {
        Tensor a = q.ToNative(), kc = kCache.ToNative(), vc = vCache.ToNative(), p = positions.ToNative(), o = output.ToNative();
        NativeErrors.Check(NativeMethods.OpAttention(_handle.Pointer, &a, &kc, &vc, &p, null, sequenceCapacity, heads, kvHeads, headDim, scale, &o));
    }

    public void ArgMax(in TensorView x, in TensorView output)
    {
        Tensor a = x.ToNative(), o = output.ToNative();
        NativeErrors.Check(NativeMethods.OpArgmax(_handle.Pointer, &a, &o));
    }

    public void Dispose() => _handle.Dispose();
}

/// <summary>The two rotary-embedding layouts.</summary>
public enum RopeLayout
{
    /// <summary>Adjacent pairs (2i, 2i+1): GGUF llama files (llama.cpp permutes q/k when converting).</summary>
    Interleaved,
    /// <summary>Halves (i, i + d/2): Hugging Face weights, GGUF qwen2/qwen3.</summary>
    NeoX,
}
