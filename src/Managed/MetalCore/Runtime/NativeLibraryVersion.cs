using System.Runtime.InteropServices;
using MetalCore.Interop;

namespace MetalCore.Runtime;

/// <summary>
/// Checks once that the loaded native library speaks the ABI this assembly was generated
/// against, so mismatched managed and native parts fail with an explanation instead of
/// corrupting memory.
/// </summary>
internal static class NativeLibraryVersion
{
    private static readonly Lazy<Exception?> s_mismatch = new(FindMismatch);

    /// <summary>Throws when the native library is missing or of another ABI version.</summary>
    public static void EnsureCompatible()
    {
        if (s_mismatch.Value is { } error)
        {
            throw error;
        }
    }

    /// <summary>The native library's version string.</summary>
    public static unsafe string NativeVersion => Marshal.PtrToStringUTF8((nint)NativeMethods.VersionString()) ?? "";

    private static Exception? FindMismatch()
    {
        var native = NativeMethods.AbiVersion();
        return native == NativeConstants.AbiVersion ? null : new MetalCoreException(
            $"The native library metal_core has ABI version {native} ({NativeVersion}), but this MetalCore.dll "
            + $"was built for ABI version {NativeConstants.AbiVersion}: the managed and native parts come from "
            + "different builds. Use the MetalCore.Runtime package of the same version as MetalCore, or rebuild "
            + "both with `dotnet cake --target=Build`.");
    }
}
