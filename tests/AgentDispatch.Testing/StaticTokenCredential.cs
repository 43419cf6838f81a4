using Azure.Core;

namespace AgentDispatch.Testing;

/// <summary>A fake credential: always the same token, valid for an hour from each call.</summary>
public sealed class StaticTokenCredential(string token = "stand-in-token", TimeProvider? timeProvider = null)
    : TokenCredential
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private int _callCount;
    private string[] _lastScopes = [];

    public int CallCount => Volatile.Read(ref _callCount);

    /// <summary>Scopes of the most recent request, e.g. <c>https://vault.azure.net/.default</c>.</summary>
    public IReadOnlyList<string> LastScopes => Volatile.Read(ref _lastScopes);

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _callCount);
        Volatile.Write(ref _lastScopes, requestContext.Scopes);
        return new AccessToken(token, _time.GetUtcNow().AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
