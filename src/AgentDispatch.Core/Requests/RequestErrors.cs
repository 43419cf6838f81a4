namespace AgentDispatch.Requests;

/// <summary>Every problem found in a request, by field, so one answer names all of them.</summary>
public sealed class RequestErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public bool Has(string field) => _errors.ContainsKey(field);

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }

        messages.Add(message);
    }

    public IDictionary<string, string[]> ToDictionary()
        => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    public override string ToString()
        => string.Join("; ", _errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"));
}

/// <summary>A parsed request, or the errors that kept it from being one.</summary>
public sealed record ParseResult<T>(T? Value, RequestErrors? Errors)
    where T : class;

public static class ParseResult
{
    public static ParseResult<T> Valid<T>(T value)
        where T : class => new(value, null);

    public static ParseResult<T> Invalid<T>(RequestErrors errors)
        where T : class => new(null, errors);
}
