using Microsoft.Extensions.Options;

namespace AgentDispatch.Microsoft365;

/// <summary>
/// Makes a <see cref="GraphMailboxClient"/> per operation over the factory's <c>Microsoft365</c> client,
/// so the long-lived services still get the factory's handler rotation.
/// </summary>
public sealed class GraphClients(IHttpClientFactory http, Microsoft365Credential credential, IOptions<Microsoft365Options> options)
{
    public const string HttpClientName = "Microsoft365";

    public GraphMailboxClient Create() => new(http.CreateClient(HttpClientName), credential, options);
}
