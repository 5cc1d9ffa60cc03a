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

    /// <summary>Throws when the native library is missing or of another ABI version; otherwise
    /// makes sure its log messages reach <see cref="NativeLog"/>.</summary>
    public static void EnsureCompatible()
    {
        if (s_mismatch.Value is { } error)
        {
            throw error;
        }
        NativeLog.EnsureForwarding();
    }

    /// <summary>The native library's version string.</summary>
    public static unsafe string NativeVersion => Marshal.PtrToStringUTF8((nint)NativeMethods.VersionString()) ?? "";

    private static Exception? FindMismatch() =>
        Mismatch((int)NativeMethods.AbiVersion(), NativeVersion, NativeLibraryLoader.LoadedPath);

    /// <summary>The error for a native library of ABI version <paramref name="nativeAbi"/>, or null when it matches.</summary>
    internal static MetalCoreException? Mismatch(int nativeAbi, string nativeVersion, string? nativePath)
    {
        if (nativeAbi == NativeConstants.AbiVersion)
        {
            return null;
        }
        var where = nativePath is null ? "" : $" loaded from '{nativePath}'";
        var managed = typeof(NativeLibraryVersion).Assembly.GetName().Version;
        return new MetalCoreException(
            $"The native library metal_core{where} has ABI version {nativeAbi} ({nativeVersion}), but MetalCore.dll {managed} "
            + $"was built for ABI version {NativeConstants.AbiVersion}: the managed and native parts come from different builds. "
            + $"Reference the MetalCore.Runtime.{NativeLibraryLoader.RuntimeIdentifier} package of the same version as MetalCore "
            + $"(and remove other copies of {NativeLibraryLoader.PlatformFileName} from the application folder), or in a clone "
            + "rebuild both with `dotnet cake --target=Build`.");
    }
}
