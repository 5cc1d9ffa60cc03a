using System.Runtime.InteropServices;
using MetalCore.Interop;

namespace MetalCore.Runtime;

/// <summary>Owns an <c>mc_context*</c>.</summary>
internal sealed unsafe class ContextHandle : SafeHandle
{
    /// <summary>Creates an invalid handle (the form interop marshalling requires).</summary>
    public ContextHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public Context* Pointer => (Context*)handle;

    /// <summary>Takes ownership of a new native context.</summary>
    public static ContextHandle Own(Context* context)
    {
        var owned = new ContextHandle();
        owned.SetHandle((IntPtr)context);
        return owned;
    }

    protected override bool ReleaseHandle() => NativeMethods.ContextDestroy((Context*)handle) == Status.Ok;
}

/// <summary>
/// Owns a native object made from a context (a buffer, a graph) and keeps that context alive
/// until the object is released, so children are always destroyed before their context,
/// whatever order the finalizer runs them in.
/// </summary>
internal abstract class ContextChildHandle : SafeHandle
{
    private ContextHandle? _context;

    protected ContextChildHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected void Attach(ContextHandle context, IntPtr native)
    {
        var added = false;
        context.DangerousAddRef(ref added);
        _context = context;
        SetHandle(native);
    }

    /// <summary>Destroys the native object.</summary>
    protected abstract Status Destroy(IntPtr native);

    protected override bool ReleaseHandle()
    {
        var ok = Destroy(handle) == Status.Ok;
        _context?.DangerousRelease();
        return ok;
    }
}

/// <summary>Owns an <c>mc_buffer*</c>.</summary>
internal sealed unsafe class BufferHandle : ContextChildHandle
{
    public Interop.Buffer* Pointer => (Interop.Buffer*)handle;

    /// <summary>Takes ownership of a new native buffer of <paramref name="context"/>.</summary>
    public static BufferHandle Own(ContextHandle context, Interop.Buffer* buffer)
    {
        var owned = new BufferHandle();
        owned.Attach(context, (IntPtr)buffer);
        return owned;
    }

    protected override Status Destroy(IntPtr native) => NativeMethods.BufferDestroy((Interop.Buffer*)native);
}

/// <summary>Owns an <c>mc_graph*</c>.</summary>
internal sealed unsafe class GraphHandle : ContextChildHandle
{
    public Graph* Pointer => (Graph*)handle;

    /// <summary>Takes ownership of a new native graph of <paramref name="context"/>.</summary>
    public static GraphHandle Own(ContextHandle context, Graph* graph)
    {
        var owned = new GraphHandle();
        owned.Attach(context, (IntPtr)graph);
        return owned;
    }

    protected override Status Destroy(IntPtr native) => NativeMethods.GraphDestroy((Graph*)native);
}
