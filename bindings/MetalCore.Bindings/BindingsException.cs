namespace MetalCore.Bindings;

/// <summary>
/// A problem the user must fix (a missing clang, a bad option, a header construct the generator
/// does not translate). The command line prints its message without a stack trace.
/// </summary>
internal sealed class BindingsException(string message) : Exception(message);
