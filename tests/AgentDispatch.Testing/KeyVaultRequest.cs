namespace AgentDispatch.Testing;

/// <summary>One request the Key Vault stand-in answered. <paramref name="Path"/> excludes the query string.</summary>
public sealed record KeyVaultRequest(string Method, string Path, bool HasBearerToken, int StatusCode);
