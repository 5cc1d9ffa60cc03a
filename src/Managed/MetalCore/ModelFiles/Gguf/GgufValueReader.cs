namespace MetalCore.ModelFiles.Gguf;

/// <summary>
/// Walks one metadata value at open time: checks its type tags and that every string length and
/// element count fits in the file, and returns a <see cref="GgufValue"/> that reads it lazily.
/// </summary>
internal static class GgufValueReader
{
    // Arrays of arrays are legal GGUF but no writer nests deeply; the limit keeps a corrupt file
    // from recursing without bound.
    private const int MaxArrayDepth = 8;

    // The smallest encodings: a string is at least its 8-byte length, a nested array at least
    // its 4-byte element type and 8-byte count.
    private const int MinStringBytes = 8;
    private const int MinArrayBytes = 12;

    public static GgufValue Read(ref GgufCursor cursor, GgufFile file, string key, GgufValueType type, int depth)
    {
        var start = cursor.Position;
        if (type == GgufValueType.Array)
        {
            var (elementType, count, payload) = SkipArray(ref cursor, depth);
            return new GgufValue(file, key, type, elementType, count, payload);
        }
        SkipScalar(ref cursor, type);
        return new GgufValue(file, key, type, type, 0, start);
    }

    public static GgufValueType ReadType(ref GgufCursor cursor, string what)
    {
        var start = cursor.Position;
        var tag = cursor.ReadUInt32();
        return GgufValueTypes.IsDefined(tag)
            ? (GgufValueType)tag
            : throw cursor.Error($"{what} is {tag}, not a GGUF value type (0 to 12)", start);
    }

    private static void SkipScalar(ref GgufCursor cursor, GgufValueType type)
    {
        if (type == GgufValueType.String)
        {
            cursor.ReadStringBounds();
        }
        else
        {
            cursor.Skip(1, GgufValueTypes.FixedSize(type), $"a {type} value");
        }
    }

    private static (GgufValueType ElementType, long Count, long Payload) SkipArray(ref GgufCursor cursor, int depth)
    {
        if (depth >= MaxArrayDepth)
        {
            throw cursor.Error($"arrays nested more than {MaxArrayDepth} deep", cursor.Position);
        }
        var elementType = ReadType(ref cursor, "array element type");
        var fixedSize = GgufValueTypes.FixedSize(elementType);
        var minBytes = fixedSize != 0 ? fixedSize : elementType == GgufValueType.String ? MinStringBytes : MinArrayBytes;
        var count = cursor.ReadCount($"array length (of {elementType})", minBytes);
        var payload = cursor.Position;
        if (fixedSize != 0)
        {
            cursor.Skip(count, fixedSize, $"{count} {elementType} array elements");
        }
        else if (elementType == GgufValueType.String)
        {
            for (long i = 0; i < count; i++)
            {
                cursor.ReadStringBounds();
            }
        }
        else
        {
            for (long i = 0; i < count; i++)
            {
                SkipArray(ref cursor, depth + 1);
            }
        }
        return (elementType, count, payload);
    }
}
