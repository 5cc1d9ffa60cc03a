namespace MetalCore.Bindings.Model;

/// <summary>A C type, as far as bindings need it: qualifiers are dropped (C# has none).</summary>
internal abstract record CType;

/// <summary>A type known by name: a builtin (<c>unsigned int</c>), a typedef, a struct or an enum.</summary>
internal sealed record CNamedType(string Name) : CType;

/// <summary>A pointer.</summary>
internal sealed record CPointerType(CType Pointee) : CType;

/// <summary>A fixed-size array (struct fields only: parameters arrive already decayed to pointers).</summary>
internal sealed record CArrayType(CType Element, int Length) : CType;

/// <summary>A function type; only useful behind a pointer (a callback).</summary>
internal sealed record CFunctionType(CType Return, IReadOnlyList<CType> Parameters) : CType;
