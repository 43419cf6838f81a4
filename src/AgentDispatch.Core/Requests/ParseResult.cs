namespace AgentDispatch.Requests;

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
