using System.Diagnostics.CodeAnalysis;
using Cronos;

namespace AgentDispatch.Time;

/// <summary>
/// Cron expressions as settings and Azure Functions timers write them: 5 fields (minute first),
/// 6 fields (second first, the NCRONTAB form of timer triggers), or a macro such as <c>@daily</c>.
/// </summary>
public static class CronParser
{
    /// <summary>How many whitespace-separated fields <paramref name="text"/> has.</summary>
    public static int FieldCount(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Length;
    }

    /// <summary>
    /// Parses <paramref name="text"/> (trimmed). On failure <paramref name="error"/> is a sentence that says
    /// what is wrong, to follow "is not a valid cron expression: ".
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out CronExpression? expression, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var format = CronFormat.Standard;
        if (!trimmed.StartsWith('@'))
        {
            var fields = FieldCount(trimmed);
            if (fields is not (5 or 6))
            {
                expression = null;
                error = $"it has {fields} fields; 5 are expected (minute hour day-of-month month day-of-week), or 6 with seconds first.";
                return false;
            }

            format = fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        }

        try
        {
            expression = CronExpression.Parse(trimmed, format);
            error = null;
            return true;
        }
        catch (CronFormatException ex)
        {
            error = ex.Message;
        }
        catch (MissingSeedException)
        {
            error = "'H' (a time picked by hashing) is not supported; write the time.";
        }

        expression = null;
        return false;
    }
}
