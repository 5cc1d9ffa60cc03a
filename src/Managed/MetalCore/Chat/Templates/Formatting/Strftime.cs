using System.Globalization;
using System.Text;

namespace MetalCore.Chat.Templates.Formatting;

/// <summary>
/// Python's <c>datetime.strftime</c> for a naive local time in the C locale, as Hugging Face's
/// <c>strftime_now</c> global calls it (glibc's directives, including its <c>%-d</c> no-padding flag).
/// </summary>
internal static class Strftime
{
    private static readonly string[] s_days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    private static readonly string[] s_months =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    public static string Format(DateTime time, string format)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 == format.Length)
            {
                builder.Append(format[i]);
                continue;
            }
            var unpadded = format[i + 1] == '-' && i + 2 < format.Length;
            if (unpadded)
            {
                i++;
            }
            var directive = format[++i];
            builder.Append(Directive(time, directive, unpadded)
                ?? throw TemplateError.Unsupported($"strftime directive '%{(unpadded ? "-" : "")}{directive}' is not supported"));
        }
        return builder.ToString();
    }

    private static string? Directive(DateTime t, char directive, bool unpadded)
    {
        string Number(int value, int width) =>
            value.ToString(unpadded ? "0" : new string('0', width), CultureInfo.InvariantCulture);

        var dayName = s_days[(int)t.DayOfWeek];
        var monthName = s_months[t.Month - 1];
        var hour12 = t.Hour % 12 == 0 ? 12 : t.Hour % 12;
        return directive switch
        {
            'a' => dayName[..3],
            'A' => dayName,
            'w' => ((int)t.DayOfWeek).ToString(CultureInfo.InvariantCulture),
            'u' => (t.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)t.DayOfWeek).ToString(CultureInfo.InvariantCulture),
            'd' => Number(t.Day, 2),
            'e' => unpadded ? Number(t.Day, 1) : t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2),
            'b' or 'h' => monthName[..3],
            'B' => monthName,
            'm' => Number(t.Month, 2),
            'y' => Number(t.Year % 100, 2),
            'Y' => t.Year.ToString(CultureInfo.InvariantCulture),
            'C' => Number(t.Year / 100, 2),
            'H' => Number(t.Hour, 2),
            'I' => Number(hour12, 2),
            'k' => t.Hour.ToString(CultureInfo.InvariantCulture).PadLeft(2),
            'l' => hour12.ToString(CultureInfo.InvariantCulture).PadLeft(2),
            'p' => t.Hour < 12 ? "AM" : "PM",
            'M' => Number(t.Minute, 2),
            'S' => Number(t.Second, 2),
            'f' => (t.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", CultureInfo.InvariantCulture),
            'j' => Number(t.DayOfYear, 3),
            'U' => Number((t.DayOfYear + 6 - (int)t.DayOfWeek) / 7, 2),
            'W' => Number((t.DayOfYear + 6 - ((int)t.DayOfWeek + 6) % 7) / 7, 2),
            'V' => Number(ISOWeek.GetWeekOfYear(t), 2),
            'G' => ISOWeek.GetYear(t).ToString(CultureInfo.InvariantCulture),
            // A naive datetime has no offset or zone: Python prints nothing.
            'z' or 'Z' => string.Empty,
            'c' => $"{dayName[..3]} {monthName[..3]} {t.Day,2} {t:HH:mm:ss} {t.Year}",
            'x' => t.ToString("MM/dd/yy", CultureInfo.InvariantCulture),
            'X' or 'T' => t.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
            'D' => t.ToString("MM/dd/yy", CultureInfo.InvariantCulture),
            'F' => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            'R' => t.ToString("HH:mm", CultureInfo.InvariantCulture),
            'r' => $"{hour12:00}:{t:mm:ss} {(t.Hour < 12 ? "AM" : "PM")}",
            'n' => "\n",
            't' => "\t",
            '%' => "%",
            _ => null,
        };
    }
}
