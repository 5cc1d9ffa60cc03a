using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Runtime;

/// <summary>
/// Python's <c>sorted(items, key=..., reverse=...)</c>: stable, asking only "is a &lt; b", in the
/// order CPython's timsort asks it for short lists (a run count, then binary insertion), so that
/// a list that cannot be ordered fails with the same TypeError, operands in the same order.
/// </summary>
internal static class PythonSort
{
    public static List<T> Sorted<T>(IEnumerable<T> items, Func<T, TemplateValue> key, bool reverse)
    {
        var entries = items.Select(item => (Item: item, Key: key(item))).ToList();
        // reverse=True keeps equal items in their order: reverse, sort, reverse back.
        if (reverse)
        {
            entries.Reverse();
        }
        var run = CountRun(entries);
        for (var start = run; start < entries.Count; start++)
        {
            var pivot = entries[start];
            var (low, high) = (0, start);
            while (low < high)
            {
                var middle = low + ((high - low) >> 1);
                if (Less(pivot.Key, entries[middle].Key))
                {
                    high = middle;
                }
                else
                {
                    low = middle + 1;
                }
            }
            entries.RemoveAt(start);
            entries.Insert(low, pivot);
        }
        if (reverse)
        {
            entries.Reverse();
        }
        return [.. entries.Select(entry => entry.Item)];
    }

    /// <summary>The length of the sorted run at the start, made ascending if it was strictly descending.</summary>
    private static int CountRun<T>(List<(T Item, TemplateValue Key)> entries)
    {
        if (entries.Count < 2)
        {
            return entries.Count;
        }
        var length = 2;
        if (Less(entries[1].Key, entries[0].Key))
        {
            while (length < entries.Count && Less(entries[length].Key, entries[length - 1].Key))
            {
                length++;
            }
            entries.Reverse(0, length);
            return length;
        }
        while (length < entries.Count && !Less(entries[length].Key, entries[length - 1].Key))
        {
            length++;
        }
        return length;
    }

    private static bool Less(TemplateValue a, TemplateValue b) => PythonObjects.Compare(a, b, "<") < 0;
}
