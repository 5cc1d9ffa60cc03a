namespace MetalCore.Chat.Templates.Values;

/// <summary>The Python type behind a <see cref="ListValue"/>: they differ in printing, indexing and equality.</summary>
internal enum SequenceKind
{
    /// <summary><c>list</c>.</summary>
    List,

    /// <summary><c>tuple</c> (loop unpacking, <c>dict.items()</c> pairs, <c>(a, b)</c> literals).</summary>
    Tuple,

    /// <summary><c>range</c>, from the <c>range()</c> global.</summary>
    Range,

    /// <summary><c>dict.keys()</c>: iterable and sized, not indexable.</summary>
    DictKeys,

    /// <summary><c>dict.values()</c>.</summary>
    DictValues,

    /// <summary><c>dict.items()</c>.</summary>
    DictItems,
}
