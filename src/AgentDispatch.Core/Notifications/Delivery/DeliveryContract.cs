namespace AgentDispatch.Notifications;

/// <summary>Where one subscriber receives events, and the secret its deliveries are signed with.</summary>
/// <param name="Url">An absolute https URL (plain http only to a loopback host); see <see cref="SubscriberUrls.Problem"/>.</param>
/// <param name="Secret">
/// <c>whsec_&lt;base64&gt;</c> or bare base64, as Standard Webhooks writes it. Several secrets separated by spaces sign
/// each delivery once per secret (one <c>v1,</c> signature each), which is how a secret is rotated without a gap.
/// </param>
public sealed record SubscriberEndpoint(string Url, string Secret)
{
    // The secret stays out of ToString(), which a log line or an assertion message might print.
    public override string ToString() => $"SubscriberEndpoint {{ Url = {SubscriberUrls.HostOf(Url)} }}";
}

/// <summary>What became of one delivery attempt, from the queue's point of view.</summary>
public enum DeliveryResult
{
    /// <summary>The subscriber answered 2xx.</summary>
    Delivered,

    /// <summary>
    /// Try again later: no answer (network error, time-out) or any answer other than 2xx and 410, redirects included.
    /// Standard Webhooks and Svix count every non-2xx as a failed attempt to retry with backoff.
    /// </summary>
    Retry,

    /// <summary>The subscriber answered 410 Gone: stop sending it this event, for good.</summary>
    Gone,

    /// <summary>
    /// Nothing was sent and nothing will be: the URL, the address it resolves to, or the secret is not allowed. Only
    /// a change of settings can fix it, so it is never retried.
    /// </summary>
    Refused,
}

/// <param name="Result">What the queue should do next.</param>
/// <param name="Status">The HTTP status the subscriber answered, or null when there was no answer.</param>
/// <param name="RetryAfter">The subscriber's <c>Retry-After</c> on a 429 or 503, as a delay (never negative); else null.</param>
/// <param name="Reason">
/// A short description safe to log and store: never the secret, a signature, the URL's path or query, or more of the
/// answer's body than a short excerpt with control characters removed.
/// </param>
public readonly record struct DeliveryOutcome(DeliveryResult Result, int? Status, TimeSpan? RetryAfter, string Reason);

/// <summary>Bounds on one delivery attempt.</summary>
/// <param name="AllowPrivateNetworks">
/// Whether loopback, private, link-local and other non-public addresses may be delivered to. Off in production: a
/// subscriber URL must not reach the app's own network or the cloud metadata endpoint. The local dev host and the
/// tests turn it on, which is what lets a subscriber on 127.0.0.1 receive events.
/// </param>
/// <param name="Timeout">The whole attempt (connecting, sending, the answer's status and headers, reading its body).</param>
/// <param name="MaxResponseBytes">At most this much of the answer's body is read; the rest is never downloaded.</param>
public sealed record DeliveryLimits(bool AllowPrivateNetworks, TimeSpan Timeout, int MaxResponseBytes)
{
    public const int DefaultMaxResponseBytes = 64 * 1024;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Private networks refused, 10 s, 64 KiB.</summary>
    public DeliveryLimits()
        : this(AllowPrivateNetworks: false, DefaultTimeout, DefaultMaxResponseBytes)
    {
    }

    /// <summary>Null when usable, else what is wrong (for start-up validation).</summary>
    public string? Problem()
        => Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(5)
            ? $"the delivery timeout {Timeout} must be more than zero and at most 5 minutes"
            : MaxResponseBytes < 0
                ? $"the response size limit {MaxResponseBytes} must not be negative"
                : null;
}
