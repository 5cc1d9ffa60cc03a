using System.Globalization;
using System.Text;

namespace MetalCore.Chat.Templates.Formatting;

/// <summary>
/// Python's <c>str</c> operations on .NET strings. Python strings are sequences of code points, so
/// lengths, indices and slices here count code points (a character outside the BMP is one item,
/// not a UTF-16 surrogate pair), and "whitespace" is Python's <c>str.isspace()</c>.
/// </summary>
internal static class PythonText
{
    /// <summary>Python's <c>str.isspace()</c> for one code point: .NET's whitespace plus the four ASCII separators.</summary>
    public static bool IsSpace(int codePoint) =>
        codePoint is >= 0x1c and <= 0x1f
        || (codePoint <= 0xffff && char.IsWhiteSpace((char)codePoint));

    public static bool IsSpace(char c) => IsSpace((int)c);

    /// <summary>The code points of <paramref name="s"/>.</summary>
    public static int[] CodePoints(string s)
    {
        var result = new List<int>(s.Length);
        foreach (var rune in s.EnumerateRunes())
        {
            result.Add(rune.Value);
        }
        return [.. result];
    }

    public static string FromCodePoints(IEnumerable<int> codePoints)
    {
        var builder = new StringBuilder();
        foreach (var codePoint in codePoints)
        {
            builder.Append(char.ConvertFromUtf32(codePoint));
        }
        return builder.ToString();
    }

    /// <summary><c>len(s)</c>: the number of code points.</summary>
    public static int Length(string s)
    {
        var surrogates = 0;
        foreach (var c in s)
        {
            if (char.IsLowSurrogate(c))
            {
                surrogates++;
            }
        }
        return s.Length - surrogates;
    }

    /// <summary>Iterating a str: one string per code point.</summary>
    public static IEnumerable<string> Characters(string s)
    {
        foreach (var rune in s.EnumerateRunes())
        {
            yield return rune.ToString();
        }
    }

    /// <summary>Python's ordering of strings: by code point, which UTF-16 ordinal order gets wrong past the BMP.</summary>
    public static int Compare(string a, string b)
    {
        var left = a.EnumerateRunes();
        var right = b.EnumerateRunes();
        while (true)
        {
            var hasLeft = left.MoveNext();
            var hasRight = right.MoveNext();
            if (!hasLeft || !hasRight)
            {
                return hasLeft ? 1 : hasRight ? -1 : 0;
            }
            var order = left.Current.Value.CompareTo(right.Current.Value);
            if (order != 0)
            {
                return order;
            }
        }
    }

    /// <summary><c>str.strip/lstrip/rstrip(chars)</c>: <paramref name="chars"/> null strips whitespace.</summary>
    public static string Strip(string s, string? chars, bool left = true, bool right = true)
    {
        var set = chars is null ? null : new HashSet<int>(CodePoints(chars));
        bool Stripped(int codePoint) => set is null ? IsSpace(codePoint) : set.Contains(codePoint);

        var start = 0;
        var end = s.Length;
        while (left && start < end)
        {
            var rune = Rune.GetRuneAt(s, start);
            if (!Stripped(rune.Value))
            {
                break;
            }
            start += rune.Utf16SequenceLength;
        }
        while (right && end > start)
        {
            var at = char.IsLowSurrogate(s[end - 1]) && end - 2 >= start ? end - 2 : end - 1;
            if (!Stripped(Rune.GetRuneAt(s, at).Value))
            {
                break;
            }
            end = at;
        }
        return s[start..end];
    }

    /// <summary><c>str.split(sep, maxsplit)</c>.</summary>
    public static List<string> Split(string s, string? separator, long maxSplit)
    {
        if (separator is null)
        {
            return SplitOnWhitespace(s, maxSplit);
        }
        if (separator.Length == 0)
        {
            throw TemplateError.Runtime("empty separator");
        }
        var parts = new List<string>();
        var start = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            var found = s.IndexOf(separator, start, StringComparison.Ordinal);
            if (found < 0)
            {
                break;
            }
            parts.Add(s[start..found]);
            start = found + separator.Length;
        }
        parts.Add(s[start..]);
        return parts;
    }

    /// <summary><c>str.rsplit(sep, maxsplit)</c>.</summary>
    public static List<string> RSplit(string s, string? separator, long maxSplit)
    {
        if (separator is null)
        {
            var reversed = SplitOnWhitespace(Reverse(s), maxSplit);
            reversed.Reverse();
            return reversed.ConvertAll(Reverse);
        }
        if (separator.Length == 0)
        {
            throw TemplateError.Runtime("empty separator");
        }
        var parts = new List<string>();
        var end = s.Length;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            var found = end - separator.Length < 0 ? -1 : s.LastIndexOf(separator, end - 1, end, StringComparison.Ordinal);
            if (found < 0)
            {
                break;
            }
            parts.Add(s[(found + separator.Length)..end]);
            end = found;
        }
        parts.Add(s[..end]);
        parts.Reverse();
        return parts;
    }

    private static List<string> SplitOnWhitespace(string s, long maxSplit)
    {
        var parts = new List<string>();
        var i = 0;
        while (true)
        {
            while (i < s.Length && IsSpace(s[i]))
            {
                i++;
            }
            if (i == s.Length)
            {
                break;
            }
            if (maxSplit >= 0 && parts.Count == maxSplit)
            {
                // The rest is one last part, keeping its trailing whitespace.
                parts.Add(s[i..]);
                break;
            }
            var start = i;
            while (i < s.Length && !IsSpace(s[i]))
            {
                i++;
            }
            parts.Add(s[start..i]);
        }
        return parts;
    }

    /// <summary><c>str.splitlines(keepends)</c>, with Python's set of line boundaries.</summary>
    public static List<string> SplitLines(string s, bool keepEnds)
    {
        var lines = new List<string>();
        var start = 0;
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            var isBreak = c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029';
            if (!isBreak)
            {
                i++;
                continue;
            }
            var breakEnd = c == '\r' && i + 1 < s.Length && s[i + 1] == '\n' ? i + 2 : i + 1;
            lines.Add(s[start..(keepEnds ? breakEnd : i)]);
            start = i = breakEnd;
        }
        if (start < s.Length)
        {
            lines.Add(s[start..]);
        }
        return lines;
    }

    /// <summary><c>str.replace(old, new, count)</c>; a negative count replaces all.</summary>
    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0 && old.Length != 0)
        {
            return s.Replace(old, replacement, StringComparison.Ordinal);
        }
        var builder = new StringBuilder();
        var done = 0L;
        if (old.Length == 0)
        {
            // Python inserts the replacement before every code point and at the end.
            foreach (var character in Characters(s))
            {
                if (count < 0 || done < count)
                {
                    builder.Append(replacement);
                    done++;
                }
                builder.Append(character);
            }
            if (count < 0 || done < count)
            {
                builder.Append(replacement);
            }
            return builder.ToString();
        }
        var start = 0;
        while (done < count)
        {
            var found = s.IndexOf(old, start, StringComparison.Ordinal);
            if (found < 0)
            {
                break;
            }
            builder.Append(s, start, found - start).Append(replacement);
            start = found + old.Length;
            done++;
        }
        return builder.Append(s, start, s.Length - start).ToString();
    }

    /// <summary>Python's <c>str.upper()</c> (simple case mapping: 'ß' stays 'ß' where Python gives 'SS').</summary>
    public static string Upper(string s) => s.ToUpperInvariant();

    /// <summary>Python's <c>str.lower()</c> (simple case mapping).</summary>
    public static string Lower(string s) => s.ToLowerInvariant();

    /// <summary>Python's <c>str.capitalize()</c>: first character upper case, the rest lower case.</summary>
    public static string Capitalize(string s)
    {
        if (s.Length == 0)
        {
            return s;
        }
        var first = Rune.GetRuneAt(s, 0);
        return Rune.ToUpperInvariant(first) + Lower(s[first.Utf16SequenceLength..]);
    }

    /// <summary>Python's <c>str.title()</c>: a cased character after an uncased one is upper case, others lower case.</summary>
    public static string Title(string s)
    {
        var builder = new StringBuilder(s.Length);
        var previousCased = false;
        foreach (var rune in s.EnumerateRunes())
        {
            builder.Append(previousCased ? Rune.ToLowerInvariant(rune) : Rune.ToUpperInvariant(rune));
            previousCased = IsCased(rune);
        }
        return builder.ToString();
    }

    /// <summary>Python's <c>str.swapcase()</c>.</summary>
    public static string SwapCase(string s)
    {
        var builder = new StringBuilder(s.Length);
        foreach (var rune in s.EnumerateRunes())
        {
            builder.Append(Rune.IsUpper(rune) ? Rune.ToLowerInvariant(rune) : Rune.IsLower(rune) ? Rune.ToUpperInvariant(rune) : rune);
        }
        return builder.ToString();
    }

    /// <summary>Python's <c>str.islower()</c>: some cased character and no upper case one.</summary>
    public static bool IsLower(string s) =>
        s.EnumerateRunes().Any(IsCased) && !s.EnumerateRunes().Any(r => Rune.IsUpper(r) || IsTitle(r));

    /// <summary>Python's <c>str.isupper()</c>: some cased character and no lower case one.</summary>
    public static bool IsUpper(string s) =>
        s.EnumerateRunes().Any(IsCased) && !s.EnumerateRunes().Any(r => Rune.IsLower(r) || IsTitle(r));

    private static bool IsCased(Rune rune) => Rune.IsUpper(rune) || Rune.IsLower(rune) || IsTitle(rune);

    private static bool IsTitle(Rune rune) => Rune.GetUnicodeCategory(rune) == UnicodeCategory.TitlecaseLetter;

    /// <summary>The code point index of a UTF-16 index (for <c>find</c>, which answers in code points).</summary>
    public static int CodePointIndex(string s, int utf16Index) => Length(s[..utf16Index]);

    /// <summary>The UTF-16 index of a code point index, clamped to the string.</summary>
    public static int Utf16Index(string s, long codePointIndex)
    {
        var index = 0;
        for (var i = 0L; i < codePointIndex && index < s.Length; i++)
        {
            index += char.IsHighSurrogate(s[index]) && index + 1 < s.Length ? 2 : 1;
        }
        return index;
    }

    private static string Reverse(string s) => FromCodePoints(CodePoints(s).Reverse());
}
