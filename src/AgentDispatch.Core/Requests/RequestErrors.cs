namespace AgentDispatch.Requests;

/// <summary>
/// Every problem found in a request, by field, so one answer names all of them: up to
/// <see cref="MaxFields"/> fields and <see cref="MaxMessagesPerField"/> messages each, then a count of
/// the rest. A sender controls how many fields are wrong (an object of 10,000 unknown keys), so an
/// answer or poison envelope that named each would be as large as the request, and a poison envelope
/// past a queue message's 64 KiB could not be written at all.
/// </summary>
public sealed class RequestErrors
{
    public const int MaxFields = 20;

    public const int MaxMessagesPerField = 5;

    /// <summary>The entry that counts the problems left out.</summary>
    public const string MoreField = "(more)";

    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);
    private int _leftOut;

    public bool Any => _errors.Count > 0;

    public bool Has(string field) => _errors.ContainsKey(field);

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            if (_errors.Count >= MaxFields)
            {
                _leftOut++;
                return;
            }

            _errors[field] = messages = [];
        }

        if (messages.Count >= MaxMessagesPerField)
        {
            _leftOut++;
            return;
        }

        messages.Add(message);
    }

    public IDictionary<string, string[]> ToDictionary()
    {
        var errors = _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
        if (_leftOut > 0)
        {
            errors[MoreField] = [LeftOut];
        }

        return errors;
    }

    public override string ToString()
        => string.Join("; ", _errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")) + (_leftOut > 0 ? "; " + LeftOut : "");

    private string LeftOut => $"{_leftOut} more problem(s) not listed; fix these and send again to see them.";
}
