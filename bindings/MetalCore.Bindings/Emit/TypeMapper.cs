using MetalCore.Bindings.Model;

namespace MetalCore.Bindings.Emit;

/// <summary>
/// C types to blittable C# types, as ClangSharp maps them: exact-width integers, pointers as
/// pointers (char* as byte*: the text is UTF-8), the header's structs and enums by their .NET
/// names, typedefs followed to what they name, and callbacks as unmanaged function pointers.
/// </summary>
internal sealed class TypeMapper
{
    // long is 32-bit on Windows and 64-bit elsewhere: CLong/CULong follow the platform.
    private static readonly Dictionary<string, string> s_builtins = new()
    {
        ["void"] = "void",
        ["_Bool"] = "byte",
        ["char"] = "byte",
        ["signed char"] = "sbyte",
        ["unsigned char"] = "byte",
        ["short"] = "short",
        ["unsigned short"] = "ushort",
        ["int"] = "int",
        ["unsigned int"] = "uint",
        ["long"] = "CLong",
        ["unsigned long"] = "CULong",
        ["long long"] = "long",
        ["unsigned long long"] = "ulong",
        ["float"] = "float",
        ["double"] = "double",
        ["int8_t"] = "sbyte",
        ["uint8_t"] = "byte",
        ["int16_t"] = "short",
        ["uint16_t"] = "ushort",
        ["int32_t"] = "int",
        ["uint32_t"] = "uint",
        ["int64_t"] = "long",
        ["uint64_t"] = "ulong",
        ["size_t"] = "nuint",
        ["ptrdiff_t"] = "nint",
        ["intptr_t"] = "nint",
        ["uintptr_t"] = "nuint",
    };

    // The element types C# allows in a fixed-size buffer.
    private static readonly HashSet<string> s_fixedBufferElements =
        ["byte", "sbyte", "short", "ushort", "int", "uint", "long", "ulong", "float", "double"];

    private readonly Dictionary<string, string> _tags;
    private readonly Dictionary<string, CType> _typedefs;

    /// <summary>A mapper that knows the header's own structs, enums and typedefs.</summary>
    public TypeMapper(IReadOnlyList<CDeclaration> declarations, Naming naming)
    {
        _tags = declarations.Where(d => d is CStruct or CEnum).ToDictionary(d => d.Name, d => naming.Declaration(d.Name));
        _typedefs = declarations.OfType<CTypedef>().ToDictionary(t => t.Name, t => t.Target);
    }

    /// <summary>The C# type of a parameter, return value or field.</summary>
    public string Map(CType type) => type switch
    {
        CNamedType named => MapNamed(named.Name),
        CPointerType pointer => Expand(pointer.Pointee) is CFunctionType function
            ? FunctionPointer(function)
            : Map(pointer.Pointee) + "*",
        CArrayType => throw new BindingsException("arrays are only supported as struct fields"),
        _ => throw new BindingsException("a function type is only supported behind a pointer"),
    };

    /// <summary>
    /// For a C array field (possibly behind a typedef), the element type and length of the C#
    /// fixed-size buffer that holds it; null for any other type.
    /// </summary>
    public (string Element, int Length)? FixedBuffer(CType type)
    {
        if (Expand(type) is not CArrayType array)
        {
            return null;
        }
        var element = Map(array.Element);
        return s_fixedBufferElements.Contains(element)
            ? (element, array.Length)
            : throw new BindingsException($"an array of {element} cannot be a C# fixed-size buffer (only primitive elements can)");
    }

    /// <summary>
    /// The underlying type clang gives a C enum on Linux and macOS: unsigned int unless a value
    /// is negative (then int), widened to 64 bits when the values need it.
    /// </summary>
    public static string EnumUnderlyingType(IReadOnlyList<CEnumMember> members) =>
        members.Any(m => m.Value < 0)
            ? members.All(m => m.Value >= int.MinValue && m.Value <= int.MaxValue) ? "int" : "long"
            : members.All(m => m.Value <= uint.MaxValue) ? "uint" : "ulong";

    private string MapNamed(string name) =>
        _tags.TryGetValue(name, out var tag) ? tag
        : _typedefs.TryGetValue(name, out var target) ? Map(target)
        : s_builtins.TryGetValue(name, out var builtin) ? builtin
        : throw new BindingsException($"no C# type is known for the C type '{name}'");

    private CType Expand(CType type) =>
        type is CNamedType named && _typedefs.TryGetValue(named.Name, out var target) ? Expand(target) : type;

    private string FunctionPointer(CFunctionType function) =>
        $"delegate* unmanaged[Cdecl]<{string.Join(", ", function.Parameters.Append(function.Return).Select(Map))}>";
}
