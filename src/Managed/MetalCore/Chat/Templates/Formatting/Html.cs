using System.Text;

namespace MetalCore.Chat.Templates.Formatting;

/// <summary>markupsafe's <c>escape</c>: the five HTML-special characters as entities.</summary>
internal static class Html
{
    public static string Escape(string text)
    {
        if (text.AsSpan().IndexOfAny("&<>'\"") < 0)
        {
            return text;
        }
        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '\'' => "&#39;",
                '"' => "&#34;",
                _ => c.ToString(),
            });
        }
        return builder.ToString();
    }
}
