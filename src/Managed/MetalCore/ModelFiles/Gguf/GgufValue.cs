using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace MetalCore.ModelFiles.Gguf;

/// <summary>
/// One metadata value of a <see cref="GgufFile"/>, read from the mapping on demand. The typed
/// accessors throw a <see cref="ModelFileException"/> naming the key, the type found and the
/// type expected when the value has another type. Integer accessors accept any integer type
/// whose value fits (writers differ: context lengths appear as UInt32, Int32 or UInt64).
/// Valid while the file is open.
/// </summary>
internal sealed unsafe class GgufValue
{
    private readonly GgufFile _file;
    private readonly long _payloadOffset;

    internal GgufValue(GgufFile file, string key, GgufValueType type, GgufValueType elementType, long arrayLength, long payloadOffset)
    {
        _file = file;
        Key = key;
        Type = type;
        ElementType = elementType;
        ArrayLength = arrayLength;
        _payloadOffset = payloadOffset;
    }

    /// <summary>The metadata key (for array items: the key followed by the index, e.g. <c>key[3]</c>).</summary>
    public string Key { get; }

    /// <summary>The value's type.</summary>
    public GgufValueType Type { get; }

    /// <summary>For arrays, the element type; otherwise equal to <see cref="Type"/>.</summary>
    public GgufValueType ElementType { get; }

    /// <summary>For arrays, the number of elements; otherwise 0.</summary>
    public long ArrayLength { get; }

    /// <summary>The string value.</summary>
    public string AsString()
    {
        Expect(GgufValueType.String);
        return ReadStringAt(_payloadOffset, out _);
    }

    /// <summary>The boolean value (a stored byte other than 0 or 1 is an error).</summary>
    public bool AsBoolean()
    {
        Expect(GgufValueType.Bool);
        return ReadBooleanAt(_payloadOffset, Key);
    }

    /// <summary>An integer value of any integer type, as a 64-bit signed integer.</summary>
    public long AsInt64()
    {
        if (!GgufValueTypes.IsInteger(Type))
        {
            throw WrongType("an integer");
        }
        var value = ReadIntegerAt(_payloadOffset, Type, out var isHugeUnsigned);
        return isHugeUnsigned ? throw OutOfRange("Int64", ulong.MaxValue) : value;
    }

    /// <summary>An integer value that fits in 32 signed bits.</summary>
    public int AsInt32() => (int)InRange(AsInt64(), int.MinValue, int.MaxValue, "Int32");

    /// <summary>An integer value that fits in 32 unsigned bits.</summary>
    public uint AsUInt32() => (uint)InRange(AsInt64(), 0, uint.MaxValue, "UInt32");

    /// <summary>A Float32 value (a Float64 value is narrowed to float).</summary>
    public float AsSingle() => (float)AsDouble();

    /// <summary>A Float32 or Float64 value.</summary>
    public double AsDouble() => Type switch
    {
        GgufValueType.Float32 => ReadFloatAt(_payloadOffset, Type),
        GgufValueType.Float64 => ReadFloatAt(_payloadOffset, Type),
        _ => throw WrongType("a float"),
    };

    /// <summary>An array of strings.</summary>
    public string[] AsStringArray()
    {
        ExpectArrayOf(GgufValueType.String);
        var result = new string[ArrayLength];
        var offset = _payloadOffset;
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = ReadStringAt(offset, out var next);
            offset = next;
        }
        return result;
    }

    /// <summary>An array of any integer type whose elements all fit in 32 signed bits.</summary>
    public int[] AsInt32Array()
    {
        var values = AsInt64Array();
        var result = new int[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = (int)InRange(values[i], int.MinValue, int.MaxValue, $"Int32 (element {i})");
        }
        return result;
    }

    /// <summary>An array of any integer type, as 64-bit signed integers.</summary>
    public long[] AsInt64Array()
    {
        if (Type != GgufValueType.Array || !GgufValueTypes.IsInteger(ElementType))
        {
            throw WrongType("an array of integers");
        }
        var size = GgufValueTypes.FixedSize(ElementType);
        var result = new long[ArrayLength];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = ReadIntegerAt(_payloadOffset + (long)i * size, ElementType, out var isHugeUnsigned);
            if (isHugeUnsigned)
            {
                throw OutOfRange($"Int64 (element {i})", ulong.MaxValue);
            }
        }
        return result;
    }

    /// <summary>An array of Float32 or Float64 values, as floats.</summary>
    public float[] AsSingleArray()
    {
        if (Type != GgufValueType.Array || ElementType is not (GgufValueType.Float32 or GgufValueType.Float64))
        {
            throw WrongType("an array of floats");
        }
        var size = GgufValueTypes.FixedSize(ElementType);
        var result = new float[ArrayLength];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (float)ReadFloatAt(_payloadOffset + (long)i * size, ElementType);
        }
        return result;
    }

    /// <summary>An array of booleans.</summary>
    public bool[] AsBooleanArray()
    {
        ExpectArrayOf(GgufValueType.Bool);
        var result = new bool[ArrayLength];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = ReadBooleanAt(_payloadOffset + i, $"{Key}[{i}]");
        }
        return result;
    }

    /// <summary>The elements of an array of any element type (including arrays of arrays) as values.</summary>
    public GgufValue[] AsArrayItems()
    {
        if (Type != GgufValueType.Array)
        {
            throw WrongType("an array");
        }
        var result = new GgufValue[ArrayLength];
        var cursor = _file.CursorAt(_payloadOffset);
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = GgufValueReader.Read(ref cursor, _file, $"{Key}[{i}]", ElementType, depth: 1);
        }
        return result;
    }

    /// <summary>A short human-readable rendering (arrays show their type, length and first items).</summary>
    public override string ToString()
    {
        if (Type == GgufValueType.Array)
        {
            var builder = new StringBuilder();
            builder.Append(CultureInfo.InvariantCulture, $"[{ElementType} x {ArrayLength}]");
            if (ElementType != GgufValueType.Array && ArrayLength > 0)
            {
                const int shown = 8;
                var items = AsArrayItems();
                builder.Append(' ').AppendJoin(", ", items.Take(shown).Select(item => item.ToString()));
                if (items.Length > shown)
                {
                    builder.Append(", ...");
                }
            }
            return builder.ToString();
        }
        return Type switch
        {
            GgufValueType.String => AsString(),
            GgufValueType.Bool => ReadBooleanAt(_payloadOffset, Key) ? "true" : "false",
            GgufValueType.Float32 or GgufValueType.Float64 => AsDouble().ToString("R", CultureInfo.InvariantCulture),
            GgufValueType.UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(_file.Span(_payloadOffset, 8)).ToString(CultureInfo.InvariantCulture),
            _ => AsInt64().ToString(CultureInfo.InvariantCulture),
        };
    }

    private string ReadStringAt(long offset, out long next)
    {
        var cursor = _file.CursorAt(offset);
        var text = cursor.ReadString();
        next = cursor.Position;
        return text;
    }

    private bool ReadBooleanAt(long offset, string name)
    {
        var b = _file.Span(offset, 1)[0];
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw new ModelFileException(_file.FilePath, $"metadata key '{name}': boolean byte is {b}, expected 0 or 1"),
        };
    }

    // Reads an integer of type `type`; a UInt64 above Int64.MaxValue sets isHugeUnsigned.
    private long ReadIntegerAt(long offset, GgufValueType type, out bool isHugeUnsigned)
    {
        var bytes = _file.Span(offset, GgufValueTypes.FixedSize(type));
        isHugeUnsigned = false;
        switch (type)
        {
            case GgufValueType.UInt8: return bytes[0];
            case GgufValueType.Int8: return (sbyte)bytes[0];
            case GgufValueType.UInt16: return BinaryPrimitives.ReadUInt16LittleEndian(bytes);
            case GgufValueType.Int16: return BinaryPrimitives.ReadInt16LittleEndian(bytes);
            case GgufValueType.UInt32: return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
            case GgufValueType.Int32: return BinaryPrimitives.ReadInt32LittleEndian(bytes);
            case GgufValueType.Int64: return BinaryPrimitives.ReadInt64LittleEndian(bytes);
            default:
                var unsigned = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
                isHugeUnsigned = unsigned > long.MaxValue;
                return (long)unsigned;
        }
    }

    private double ReadFloatAt(long offset, GgufValueType type) => type == GgufValueType.Float32
        ? BinaryPrimitives.ReadSingleLittleEndian(_file.Span(offset, 4))
        : BinaryPrimitives.ReadDoubleLittleEndian(_file.Span(offset, 8));

    private void Expect(GgufValueType type)
    {
        if (Type != type)
        {
            throw WrongType(type.ToString());
        }
    }

    private void ExpectArrayOf(GgufValueType elementType)
    {
        if (Type != GgufValueType.Array || ElementType != elementType)
        {
            throw WrongType($"an array of {elementType}");
        }
    }

    private long InRange(long value, long min, long max, string target) =>
        value < min || value > max ? throw OutOfRange(target, value) : value;

    private ModelFileException OutOfRange(string target, object value) =>
        new(_file.FilePath, $"metadata key '{Key}': value {value} does not fit in {target}");

    private ModelFileException WrongType(string expected)
    {
        var found = Type == GgufValueType.Array ? $"an array of {ElementType}" : Type.ToString();
        return new ModelFileException(_file.FilePath, $"metadata key '{Key}' has type {found}, expected {expected}");
    }
}
