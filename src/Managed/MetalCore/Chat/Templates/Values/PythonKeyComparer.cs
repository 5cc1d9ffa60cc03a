using MetalCore.Chat.Templates.Runtime;

namespace MetalCore.Chat.Templates.Values;

/// <summary>Dictionary keys compared the Python way: by <c>==</c> and a hash consistent with it.</summary>
internal sealed class PythonKeyComparer : IEqualityComparer<TemplateValue>
{
    public static readonly PythonKeyComparer Instance = new();

    public bool Equals(TemplateValue? x, TemplateValue? y) => PythonObjects.AreEqual(x!, y!);

    public int GetHashCode(TemplateValue value) => PythonObjects.Hash(value);
}
