namespace AgentDispatch.Auth;

/// <summary>Hands out the VideoSDK auth token, cached, and renews it when VideoSDK refuses it.</summary>
public interface IVideoSdkTokenProvider
{
    /// <summary>The kind of token source (<c>app-setting</c>, <c>key-vault-secret</c>, <c>key-vault-minted</c>), for health output.</summary>
    string SourceKind { get; }

    /// <summary>Where tokens come from, with setting and secret names, for logs: never the token itself.</summary>
    string Source { get; }

    /// <summary>The current token; reads the source only when the cached one is due for renewal.</summary>
    /// <exception cref="TokenUnavailableException">The source could not give a token.</exception>
    ValueTask<string> GetTokenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Reads the source again because <paramref name="rejectedToken"/> was refused. Concurrent callers
    /// that saw the same rejected token share one read.
    /// </summary>
    /// <exception cref="TokenUnavailableException">The source could not give a token.</exception>
    ValueTask<string> RenewAsync(string rejectedToken, CancellationToken cancellationToken);
}

/// <summary>
/// The token could not be obtained. The message names settings and secret names only, never values.
/// </summary>
public sealed class TokenUnavailableException : Exception
{
    public TokenUnavailableException(string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException) => IsTransient = isTransient;

    public TokenUnavailableException()
    {
    }

    public TokenUnavailableException(string message)
        : base(message)
    {
    }

    public TokenUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when trying again later may work (the vault was unreachable or throttled).</summary>
    public bool IsTransient { get; }
}
