namespace MetalCore.Generation;

/// <summary>
/// Finds stop sequences in streamed text, whatever the tokens they span. Text that might be the
/// beginning of a stop sequence is held back until it is known not to be one, so a caller
/// that prints what <see cref="Push"/> releases never shows any part of a stop sequence.
/// </summary>
internal sealed class StopSequenceMatcher
{
    private readonly string[] _stops;
    private readonly System.Text.StringBuilder _pending = new();

    public StopSequenceMatcher(IEnumerable<string>? stopSequences)
    {
        _stops = (stopSequences ?? []).Where(s => !string.IsNullOrEmpty(s)).Distinct().ToArray();
    }

    /// <summary>The stop sequence that was found, once one was.</summary>
    public string? Matched { get; private set; }

    /// <summary>
    /// Adds newly decoded text. Returns the text that can be shown now: everything before a
    /// stop sequence once one is found (after which the generation should end), otherwise
    /// everything that cannot be the start of one.
    /// </summary>
    public string Push(string text)
    {
        if (Matched != null)
        {
            return "";
        }
        _pending.Append(text);
        if (_stops.Length == 0)
        {
            return Release(_pending.Length);
        }
        var pending = _pending.ToString();
        var earliest = -1;
        foreach (var stop in _stops)
        {
            var at = pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (earliest < 0 || at < earliest))
            {
                earliest = at;
                Matched = stop;
            }
        }
        if (earliest >= 0)
        {
            var before = pending[..earliest];
            _pending.Clear();
            return before;
        }
        return Release(pending.Length - LongestStopPrefixSuffix(pending));
    }

    /// <summary>Releases what is still held back (at the end of the generation).</summary>
    public string Flush() => Matched != null ? "" : Release(_pending.Length);

    private string Release(int count)
    {
        var released = _pending.ToString(0, count);
        _pending.Remove(0, count);
        return released;
    }

    // The length of the longest suffix of `text` that is a proper prefix of a stop sequence.
    private int LongestStopPrefixSuffix(string text)
    {
        var longest = 0;
        foreach (var stop in _stops)
        {
            for (var length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
