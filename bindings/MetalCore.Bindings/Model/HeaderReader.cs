using System.Globalization;
using System.Text.Json.Nodes;
using MetalCore.Bindings.Clang;

namespace MetalCore.Bindings.Model;

/// <summary>
/// Turns the AST of a header into the declarations to bind: the enums, structs, typedefs and
/// functions written in the header itself (not in the system headers it includes), in header order.
/// </summary>
internal sealed class HeaderReader
{
    private readonly DocComments _comments;
    private readonly Dictionary<string, string> _typedefNamesOfAnonymousTags = [];
    private readonly HashSet<string> _definedStructs = [];
    private readonly HashSet<string> _readStructs = [];

    private HeaderReader(DocComments comments) => _comments = comments;

    /// <summary>Reads the declarations located in <paramref name="header"/> (the file name given to clang).</summary>
    public static IReadOnlyList<CDeclaration> Read(AstNode translationUnit, string header, DocComments comments)
    {
        var declarations = translationUnit.Inner
            .Where(node => node.Range?.File == header && !node.Flag("isImplicit"))
            .ToList();
        var reader = new HeaderReader(comments);
        foreach (var node in declarations)
        {
            reader.Index(node);
        }
        return declarations.Select(reader.Translate).OfType<CDeclaration>().ToList();
    }

    // First pass: what later declarations decide about earlier ones.
    private void Index(AstNode node)
    {
        switch (node.Kind)
        {
            // typedef struct { ... } name; - the struct is known by the typedef's name.
            case "TypedefDecl":
                foreach (var tag in node.DescendantsAndSelf().Select(n => n.Json["ownedTagDecl"]).OfType<JsonObject>())
                {
                    if (tag["name"]?.GetValue<string>() is null or "")
                    {
                        _typedefNamesOfAnonymousTags[tag["id"]!.GetValue<string>()] = node.Name!;
                    }
                }
                break;
            // A struct declared before it is defined is bound where it is defined, not as an opaque handle.
            case "RecordDecl" when node.Flag("completeDefinition") && node.Name is { Length: > 0 } name:
                _definedStructs.Add(name);
                break;
        }
    }

    private CDeclaration? Translate(AstNode node)
    {
        try
        {
            return node.Kind switch
            {
                "EnumDecl" => ReadEnum(node),
                "RecordDecl" => ReadStruct(node),
                "TypedefDecl" => ReadTypedef(node),
                "FunctionDecl" => ReadFunction(node),
                _ => null,
            };
        }
        catch (BindingsException error)
        {
            throw new BindingsException($"{(node.Name is { Length: > 0 } name ? name : "an anonymous " + node.Kind)}: {error.Message}");
        }
    }

    private CEnum ReadEnum(AstNode node)
    {
        var members = new List<CEnumMember>();
        var next = Int128.Zero;
        foreach (var member in node.Inner.Where(child => child.Kind == "EnumConstantDecl"))
        {
            // clang evaluates explicit values ("ConstantExpr"); an enumerator without one follows the previous.
            var value = member.DescendantsAndSelf().FirstOrDefault(n => n.Kind == "ConstantExpr")?.String("value") is { } text
                ? Int128.Parse(text, CultureInfo.InvariantCulture)
                : next;
            members.Add(new CEnumMember(member.Name!, Doc(member), value));
            next = value + 1;
        }
        return new CEnum(NameOf(node), Doc(node), members);
    }

    private CStruct? ReadStruct(AstNode node)
    {
        var name = NameOf(node);
        var isDefinition = node.Flag("completeDefinition");
        if ((!isDefinition && _definedStructs.Contains(name)) || !_readStructs.Add(name))
        {
            return null;
        }
        if (node.String("tagUsed") == "union")
        {
            throw new BindingsException("unions are not supported");
        }
        if (!isDefinition)
        {
            return new CStruct(name, Doc(node), null);
        }
        var fields = node.Inner.Where(child => child.Kind == "FieldDecl").Select(field =>
        {
            if (field.Flag("isBitfield"))
            {
                throw new BindingsException($"bit-field '{field.Name}' is not supported (its layout is compiler-defined)");
            }
            var fieldName = field.Name is { Length: > 0 } n ? n : throw new BindingsException("anonymous members are not supported");
            return new CField(fieldName, Doc(field), CTypeParser.Parse(field.QualType!));
        }).ToList();
        return new CStruct(name, Doc(node), fields);
    }

    // "typedef struct mc_x mc_x;" only repeats the struct's name: nothing to record.
    private CTypedef? ReadTypedef(AstNode node)
    {
        var target = CTypeParser.Parse(node.QualType!);
        return target is CNamedType named && named.Name == node.Name ? null : new CTypedef(node.Name!, target);
    }

    private CFunction? ReadFunction(AstNode node)
    {
        // A static or inline function lives in the caller's code: the library does not export it.
        if (node.String("storageClass") == "static" || node.Flag("inline"))
        {
            return null;
        }
        if (node.Flag("variadic"))
        {
            throw new BindingsException("variadic functions cannot be called through LibraryImport");
        }
        var type = (CFunctionType)CTypeParser.Parse(node.QualType!);
        var parameters = node.Inner.Where(child => child.Kind == "ParmVarDecl")
            .Select((parameter, index) => new CParameter(parameter.Name ?? $"param{index}", CTypeParser.Parse(parameter.QualType!)))
            .ToList();
        return new CFunction(node.Name!, Doc(node), type.Return, parameters);
    }

    private string NameOf(AstNode node) =>
        node.Name is { Length: > 0 } name ? name
        : _typedefNamesOfAnonymousTags.TryGetValue(node.String("id")!, out var typedefName) ? typedefName
        : throw new BindingsException("a struct or enum needs a tag or typedef name to be bound");

    private string? Doc(AstNode node) => node.Range is { } range ? _comments.ForDeclaration(range.Begin, range.End) : null;
}
