namespace MetalCore.Bindings.Model;

/// <summary>A declaration of the header, with the documentation comment written before (or after) it.</summary>
internal abstract record CDeclaration(string Name, string? Doc);

/// <summary>An enum; C gives it no declared underlying type, so the values decide (see TypeMapper).</summary>
internal sealed record CEnum(string Name, string? Doc, IReadOnlyList<CEnumMember> Members) : CDeclaration(Name, Doc);

/// <summary>An enumerator with its value computed by clang (or implied: previous + 1).</summary>
internal sealed record CEnumMember(string Name, string? Doc, Int128 Value);

/// <summary>A struct; <paramref name="Fields"/> is null for an opaque (declared, never defined) struct.</summary>
internal sealed record CStruct(string Name, string? Doc, IReadOnlyList<CField>? Fields) : CDeclaration(Name, Doc);

/// <summary>A struct field.</summary>
internal sealed record CField(string Name, string? Doc, CType Type);

/// <summary>A function exported by the library.</summary>
internal sealed record CFunction(string Name, string? Doc, CType ReturnType, IReadOnlyList<CParameter> Parameters)
    : CDeclaration(Name, Doc);

/// <summary>A function parameter.</summary>
internal sealed record CParameter(string Name, CType Type);

/// <summary>
/// A typedef that does not simply name its own struct or enum; C# has no typedefs, so it is
/// never written, only followed to its target wherever it is used.
/// </summary>
internal sealed record CTypedef(string Name, CType Target) : CDeclaration(Name, null);

/// <summary>An integer <c>#define</c> constant.</summary>
internal sealed record CConstant(string Name, string? Doc, IntegerLiteral Value) : CDeclaration(Name, Doc);
