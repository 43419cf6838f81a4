using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;

namespace AgentDispatch.Microsoft365;

/// <summary>One page of a calendar-view delta: events, then either the next page's link or the delta link to keep.</summary>
public sealed record DeltaPage(IReadOnlyList<Event> Events, string? NextLink, string? DeltaLink);

/// <summary>A subscription as Graph accepted it.</summary>
public sealed record GraphSubscription(string Id, DateTimeOffset ExpiresAt);

/// <summary>Why a Graph request failed, as far as the app acts on it.</summary>
public enum GraphFailureKind
{
    /// <summary>429 (or 503 with Retry-After): wait as long as Graph says.</summary>
    Throttled,

    /// <summary>403: the permission was not granted, or an access policy leaves the mailbox out.</summary>
    Forbidden,

    /// <summary>401: the token was refused.</summary>
    Unauthorized,

    /// <summary>404: no such mailbox (or subscription).</summary>
    NotFound,

    /// <summary>410 or <c>syncStateNotFound</c>: the delta link is no longer valid; start over with a full sync.</summary>
    SyncStateGone,

    /// <summary>Graph refused the request for another reason (400: e.g. the notification URL did not validate).</summary>
    Rejected,

    /// <summary>5xx, a timeout, a network failure, or a token that could not be had: try again later.</summary>
    Transient,
}

/// <summary>A Graph request that failed, with what Graph said (its error code and message, never a token).</summary>
public sealed class GraphRequestException(GraphFailureKind kind, int? status, string? code, string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public GraphFailureKind Kind { get; } = kind;

    public int? Status { get; } = status;

    public string? Code { get; } = code;

    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>
/// The Graph calls the app makes, through the <c>Microsoft.Graph</c> SDK over the injected HttpClient
/// and credential: subscriptions on a mailbox's events and delta pages of its calendar view. Every
/// failure comes out as a <see cref="GraphRequestException"/>. There is no retry in here: the calls
/// run from the queue and the timer, and a failure is recorded on the mailbox and tried again when
/// Graph allows (Retry-After) or at the next due sync.
/// </summary>
public sealed class GraphMailboxClient : IDisposable
{
    private readonly GraphServiceClient _graph;

    public GraphMailboxClient(HttpClient http, Microsoft365Credential credential, IOptions<Microsoft365Options> options)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(options);
        var graphUrl = options.Value.GraphUrl;
        var auth = new BaseBearerTokenAuthenticationProvider(new GraphAccessTokens(credential.Credential, graphUrl));
        _graph = new GraphServiceClient(http, auth, graphUrl.AbsoluteUri.TrimEnd('/'));
    }

    public void Dispose() => _graph.Dispose();

    public Task<GraphSubscription> SubscribeAsync(
        string mailbox, Uri notificationUrl, Uri lifecycleUrl, string clientState, DateTimeOffset expiresAt, CancellationToken cancellationToken)
        => CallAsync(async () =>
        {
            var created = await _graph.Subscriptions.PostAsync(
                new Subscription
                {
                    ChangeType = "created,updated,deleted",
                    NotificationUrl = notificationUrl.AbsoluteUri,
                    LifecycleNotificationUrl = lifecycleUrl.AbsoluteUri,
                    Resource = $"users/{mailbox}/events",
                    ExpirationDateTime = expiresAt,
                    ClientState = clientState,
                },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return created?.Id is { Length: > 0 } id
                ? new GraphSubscription(id, created.ExpirationDateTime ?? expiresAt)
                : throw new GraphRequestException(GraphFailureKind.Transient, null, null, "Graph answered the subscription without an id.");
        });

    public Task<GraphSubscription> RenewAsync(string subscriptionId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
        => CallAsync(async () =>
        {
            var renewed = await _graph.Subscriptions[subscriptionId].PatchAsync(new Subscription { ExpirationDateTime = expiresAt }, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new GraphSubscription(subscriptionId, renewed?.ExpirationDateTime ?? expiresAt);
        });

    public Task ReauthorizeAsync(string subscriptionId, CancellationToken cancellationToken)
        => CallAsync(async () =>
        {
            await _graph.Subscriptions[subscriptionId].Reauthorize.PostAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        });

    public Task DeleteSubscriptionAsync(string subscriptionId, CancellationToken cancellationToken)
        => CallAsync(async () =>
        {
            await _graph.Subscriptions[subscriptionId].DeleteAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        });

    /// <summary>The first page of a full sync of the calendar view between <paramref name="start"/> and <paramref name="end"/>.</summary>
    public Task<DeltaPage> StartDeltaAsync(string mailbox, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
        => CallAsync(async () =>
        {
            var page = await _graph.Users[mailbox].CalendarView.Delta.GetAsDeltaGetResponseAsync(
                request =>
                {
                    request.QueryParameters.StartDateTime = start.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                    request.QueryParameters.EndDateTime = end.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                    Prefer(request.Headers);
                },
                cancellationToken).ConfigureAwait(false);
            return Page(page);
        });

    /// <summary>A page by a link Graph gave: an <c>@odata.nextLink</c>, or a stored <c>@odata.deltaLink</c>.</summary>
    public Task<DeltaPage> NextDeltaAsync(string mailbox, string link, CancellationToken cancellationToken)
        => CallAsync(async () =>
        {
            var page = await _graph.Users[mailbox].CalendarView.Delta.WithUrl(link)
                .GetAsDeltaGetResponseAsync(request => Prefer(request.Headers), cancellationToken).ConfigureAwait(false);
            return Page(page);
        });

    // Times in UTC, whatever the mailbox's own zone; a page size that keeps each answer small.
    private static void Prefer(RequestHeaders headers)
    {
        headers.Add("Prefer", "outlook.timezone=\"UTC\"");
        headers.Add("Prefer", "odata.maxpagesize=50");
    }

    private static DeltaPage Page(Microsoft.Graph.Users.Item.CalendarView.Delta.DeltaGetResponse? page)
        => page is null
            ? throw new GraphRequestException(GraphFailureKind.Transient, null, null, "Graph answered a delta request with no body.")
            : new DeltaPage(page.Value ?? [], page.OdataNextLink, page.OdataDeltaLink);

    private static async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (ODataError ex)
        {
            throw Classify(ex.ResponseStatusCode, ex.Error?.Code, ex.Error?.Message, ex.ResponseHeaders, ex);
        }
        catch (ApiException ex)
        {
            throw Classify(ex.ResponseStatusCode, null, null, ex.ResponseHeaders, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new GraphRequestException(GraphFailureKind.Transient, null, null, $"Graph could not be reached ({ex.HttpRequestError}).", inner: ex);
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            throw new GraphRequestException(GraphFailureKind.Transient, null, null, "Graph did not answer within Microsoft365:RequestTimeout.", inner: ex);
        }
        catch (Azure.Identity.AuthenticationFailedException ex)
        {
            throw new GraphRequestException(GraphFailureKind.Unauthorized, null, null, $"No token for Graph could be had ({ex.GetType().Name}).", inner: ex);
        }
        catch (Auth.TokenUnavailableException ex)
        {
            throw new GraphRequestException(GraphFailureKind.Transient, null, null, ex.Message, inner: ex);
        }
    }

    private static GraphRequestException Classify(int status, string? code, string? message, IDictionary<string, IEnumerable<string>>? headers, Exception inner)
    {
        var retryAfter = RetryAfter(headers);
        var said = string.IsNullOrWhiteSpace(message) ? "" : ": " + Trim(message);
        var codeText = string.IsNullOrWhiteSpace(code) ? "" : " " + code;
        if (status == (int)HttpStatusCode.Gone || string.Equals(code, "syncStateNotFound", StringComparison.OrdinalIgnoreCase)
            || string.Equals(code, "resyncRequired", StringComparison.OrdinalIgnoreCase) || string.Equals(code, "SyncStateInvalid", StringComparison.OrdinalIgnoreCase))
        {
            return new GraphRequestException(GraphFailureKind.SyncStateGone, status, code, $"Graph no longer knows the delta link ({status}{codeText}){said}", inner: inner);
        }

        var kind = status switch
        {
            429 => GraphFailureKind.Throttled,
            503 when retryAfter is not null => GraphFailureKind.Throttled,
            401 => GraphFailureKind.Unauthorized,
            403 => GraphFailureKind.Forbidden,
            404 => GraphFailureKind.NotFound,
            >= 500 or 0 or 408 => GraphFailureKind.Transient,
            _ => GraphFailureKind.Rejected,
        };
        return new GraphRequestException(kind, status, code, $"Graph answered {status}{codeText}{said}", retryAfter, inner);
    }

    /// <summary>Retry-After in seconds (the form Graph sends); capped at an hour so a bad value cannot stop a mailbox for good.</summary>
    private static TimeSpan? RetryAfter(IDictionary<string, IEnumerable<string>>? headers)
    {
        if (headers is null)
        {
            return null;
        }

        var value = headers.FirstOrDefault(h => string.Equals(h.Key, "Retry-After", StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();
        if (value is null)
        {
            return null;
        }

        return int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(Math.Clamp(seconds, 1, 3600)) // 0 would re-queue at once, in a loop
            : null;
    }

    private static string Trim(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
