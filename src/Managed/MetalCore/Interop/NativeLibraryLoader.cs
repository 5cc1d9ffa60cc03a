using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MetalCore.Interop;

/// <summary>
/// Finds and loads <c>metal_core</c> for the generated <c>[LibraryImport]</c> declarations, and
/// says exactly what went wrong when it cannot: which file it looked for, every place it
/// looked, and why each failed (the most common complaint about native .NET libraries).
/// </summary>
internal static class NativeLibraryLoader
{
    /// <summary>The library name the generated bindings import.</summary>
    internal const string LibraryName = "metal_core";

    /// <summary>Environment variable naming an explicit library file to load instead.</summary>
    internal const string OverrideVariable = "METALCORE_NATIVE_LIBRARY";

    private static readonly Lazy<IntPtr> s_handle = new(LoadForThisProcess);

    // A library-level module initializer is the one place that runs before any P/Invoke of this
    // assembly, whichever public type the application touches first.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == LibraryName ? s_handle.Value : IntPtr.Zero;

    /// <summary>The platform's file name of the library, e.g. <c>libmetal_core.so</c>.</summary>
    internal static string PlatformFileName =>
        OperatingSystem.IsWindows() ? $"{LibraryName}.dll"
        : OperatingSystem.IsMacOS() ? $"lib{LibraryName}.dylib"
        : $"lib{LibraryName}.so";

    /// <summary>The runtime identifier used in <c>runtimes/&lt;rid&gt;/native</c>.</summary>
    internal static string RuntimeIdentifier
    {
        get
        {
            var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
            var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
            return $"{os}-{arch}";
        }
    }

    /// <summary>The file the library was loaded from; null before it is loaded or when the
    /// runtime's own probing found it.</summary>
    internal static string? LoadedPath { get; private set; }

    private static IntPtr LoadForThisProcess()
    {
        var explicitPath = Environment.GetEnvironmentVariable(OverrideVariable);
        if (!string.IsNullOrEmpty(explicitPath))
        {
            var loaded = LoadOverride(explicitPath);
            LoadedPath = explicitPath;
            return loaded;
        }
        var candidates = CandidatePaths([AppContext.BaseDirectory, AssemblyDirectory()]);
        var handle = Load(candidates, out var failures);
        if (handle != IntPtr.Zero)
        {
            LoadedPath = candidates[failures.Count];
            return handle;
        }
        // Last, the runtime's own probing (deps.json native search directories of a package).
        if (NativeLibrary.TryLoad(LibraryName, typeof(NativeLibraryLoader).Assembly, null, out handle))
        {
            return handle;
        }
        failures.Add($"the runtime's default probing for '{LibraryName}': not found");
        throw new DllNotFoundException(Explain(failures));
    }

    // The folder of MetalCore.dll when it differs from the application's (e.g. a plugin); empty
    // in a single-file application, where AppContext.BaseDirectory is the right place anyway.
    // The attribute (not a #pragma) also silences the NativeAOT compiler, which reports IL3000 itself.
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty Location is handled: the candidate list skips empty directories.")]
    private static string? AssemblyDirectory() => Path.GetDirectoryName(typeof(NativeLibraryLoader).Assembly.Location);

    /// <summary>The files to try, in order, for the given application directories.</summary>
    internal static IReadOnlyList<string> CandidatePaths(IEnumerable<string?> directories)
    {
        var paths = new List<string>();
        foreach (var directory in directories.Where(d => !string.IsNullOrEmpty(d)).Distinct())
        {
            paths.Add(Path.Combine(directory!, "runtimes", RuntimeIdentifier, "native", PlatformFileName));
            paths.Add(Path.Combine(directory!, PlatformFileName));
        }
        return paths;
    }

    /// <summary>
    /// Loads the first candidate that exists and loads; records why each other one failed.
    /// Returns <see cref="IntPtr.Zero"/> when none did.
    /// </summary>
    internal static IntPtr Load(IReadOnlyList<string> candidates, out List<string> failures)
    {
        failures = [];
        foreach (var path in candidates)
        {
            if (!File.Exists(path))
            {
                failures.Add($"{path}: not found");
                continue;
            }
            try
            {
                return NativeLibrary.Load(path);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                failures.Add($"{path}: exists but failed to load: {e.Message}");
            }
        }
        return IntPtr.Zero;
    }

    /// <summary>
    /// Loads the file <see cref="OverrideVariable"/> names. Its failure is the answer: loading the
    /// package's copy instead would run a library the user did not ask for (another build,
    /// another set of backends) while they believe theirs is in use.
    /// </summary>
    internal static IntPtr LoadOverride(string path)
    {
        var handle = Load([path], out var failures);
        if (handle != IntPtr.Zero)
        {
            return handle;
        }
        throw new DllNotFoundException(
            $"MetalCore could not load the native library {OverrideVariable} names: {failures[0]}"
            + $"{Environment.NewLine}To fix: point {OverrideVariable} at a {PlatformFileName} built for this machine "
            + "(the loader's reason above says what is missing), or unset it to use the library of the "
            + $"MetalCore.Runtime.{RuntimeIdentifier} package.");
    }

    /// <summary>The message of the exception thrown when no candidate loaded.</summary>
    internal static string Explain(IEnumerable<string> failures) =>
        $"MetalCore could not load its native library '{PlatformFileName}' for {RuntimeIdentifier}. Tried:"
        + string.Concat(failures.Select(f => $"{Environment.NewLine}  - {f}"))
        + $"{Environment.NewLine}To fix: in a clone of the repository run `dotnet cake --target=Native` "
        + $"(it builds artifacts/runtimes/{RuntimeIdentifier}/native/{PlatformFileName}); in an application, "
        + $"reference the MetalCore.Runtime.{RuntimeIdentifier} package; or set {OverrideVariable} to the full "
        + "path of the library file.";
}
