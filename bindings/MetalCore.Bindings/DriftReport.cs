using System.Text;

namespace MetalCore.Bindings;

/// <summary>
/// Says how the committed bindings and freshly generated ones differ: how many lines each side
/// has that the other lacks, and the first changed block with two lines of context, from a
/// line diff (longest common subsequence; the files are a few thousand lines at most).
/// </summary>
internal static class DriftReport
{
    private const int Context = 2;
    private const int MaxChangedLinesShown = 12;

    /// <summary>A short summary of the differences, for a person.</summary>
    public static string Describe(string committed, string generated)
    {
        var edits = Diff(Lines(committed), Lines(generated));
        var first = edits.FindIndex(edit => edit.Kind != ' ');
        if (first < 0)
        {
            return "the lines are the same; the files differ only in their final newline.";
        }
        var last = first;
        while (last + 1 < edits.Count && edits[last + 1].Kind != ' ' && last + 1 - first < MaxChangedLinesShown)
        {
            last++;
        }
        var committedLine = edits.Take(first).Count(edit => edit.Kind != '+') + 1;
        var report = new StringBuilder()
            .Append($"{edits.Count(e => e.Kind == '-')} committed lines are not generated and ")
            .Append($"{edits.Count(e => e.Kind == '+')} generated lines are not committed (-: committed, +: generated). ")
            .Append($"First change, at line {committedLine} of the committed file:\n");
        foreach (var (kind, text) in edits.Skip(Math.Max(0, first - Context)).Take(last + 1 + Context - Math.Max(0, first - Context)))
        {
            // A carriage return is shown, so that a CRLF checkout explains itself.
            report.Append(text.Length == 0 ? $"  {kind}\n" : $"  {kind} {text.Replace("\r", "\\r")}\n");
        }
        return report.ToString();
    }

    private static List<(char Kind, string Text)> Diff(List<string> committed, List<string> generated)
    {
        // common[i, j]: length of the longest common subsequence of committed[i..] and generated[j..].
        var common = new int[committed.Count + 1, generated.Count + 1];
        for (var i = committed.Count - 1; i >= 0; i--)
        {
            for (var j = generated.Count - 1; j >= 0; j--)
            {
                common[i, j] = committed[i] == generated[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);
            }
        }
        var edits = new List<(char, string)>();
        var (c, g) = (0, 0);
        while (c < committed.Count || g < generated.Count)
        {
            if (c < committed.Count && g < generated.Count && committed[c] == generated[g])
            {
                edits.Add((' ', committed[c++]));
                g++;
            }
            else if (c < committed.Count && (g == generated.Count || common[c + 1, g] >= common[c, g + 1]))
            {
                edits.Add(('-', committed[c++]));
            }
            else
            {
                edits.Add(('+', generated[g++]));
            }
        }
        return edits;
    }

    private static List<string> Lines(string text)
    {
        var lines = text.Split('\n').ToList();
        if (lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        return lines;
    }
}
