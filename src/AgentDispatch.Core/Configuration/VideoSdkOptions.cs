namespace AgentDispatch.Configuration;

/// <summary>Settings under <c>VideoSdk:</c> (app settings <c>VideoSdk__Name</c> in Azure).</summary>
public sealed class VideoSdkOptions
{
    public const string Section = "VideoSdk";
    public static readonly Uri DefaultBaseUrl = new("https://api.videosdk.live");

    /// <summary>Where the dispatch API lives; <c>POST {BaseUrl}/v2/agent/dispatch</c>.</summary>
    public Uri BaseUrl { get; set; } = DefaultBaseUrl;

    /// <summary>A ready token in plain settings: local development only, used when <c>KeyVault:VaultUri</c> is not set.</summary>
    public string? AuthToken { get; set; }

    /// <summary>Key Vault secret holding a ready token (mode a).</summary>
    public string TokenSecretName { get; set; } = "videosdk-auth-token";

    /// <summary>Key Vault secret holding the API key (mode b, with <see cref="ApiSecretSecretName"/>).</summary>
    public string? ApiKeySecretName { get; set; }

    /// <summary>Key Vault secret holding the API secret that signs minted tokens (mode b).</summary>
    public string? ApiSecretSecretName { get; set; }

    /// <summary>Lifetime of a minted token; at most one hour.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>One attempt's limit; an attempt that times out may have dispatched and is never repeated.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The whole call's limit, retries and their waits included. It must leave room for every attempt
    /// and wait (checked at start-up), so it never cuts off a call between attempts.
    /// </summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// Limit on connecting; a connection that never opened carried no request, so it is safe to retry.
    /// Unset: 5 s, or half of <see cref="AttemptTimeout"/> when that is shorter.
    /// </summary>
    public TimeSpan? ConnectTimeout { get; set; }

    internal TimeSpan EffectiveConnectTimeout
        => ConnectTimeout ?? (AttemptTimeout / 2 < TimeSpan.FromSeconds(5) ? AttemptTimeout / 2 : TimeSpan.FromSeconds(5));

    /// <summary>Retries within one call, only for answers that prove nothing was dispatched.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>The longest <c>Retry-After</c> waited for inside one call; longer waits go back to the caller.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>VideoSdk:RateLimit:*</c>: requests per second toward VideoSDK, per instance; off unless set.</summary>
    public VideoSdkRateLimitOptions RateLimit { get; set; } = new();

    /// <summary>
    /// The longest one dispatch call can take end to end: a token read, the wait for a rate-limit
    /// permit, the call and reading its answer, and, after a 401, all of it again.
    /// </summary>
    public TimeSpan MaxCallDuration => 2 * (TotalTimeout + RateLimit.MaxWait + AnswerReadMargin + Auth.VideoSdkTokenProvider.FetchTimeout);

    /// <summary>Time allowed for reading an answer's body after the resilience handler returns.</summary>
    internal static readonly TimeSpan AnswerReadMargin = TimeSpan.FromSeconds(5);

    /// <summary>The longest the attempts and the waits between them can take together.</summary>
    internal TimeSpan RetryBudget => (AttemptTimeout * (MaxRetries + 1)) + (MaxRetryAfter * MaxRetries);

    internal bool MintsTokens => ApiKeySecretName is not null || ApiSecretSecretName is not null;
}

/// <summary>Settings under <c>VideoSdk:RateLimit:</c>: a token bucket shared by every request to VideoSDK.</summary>
public sealed class VideoSdkRateLimitOptions
{
    /// <summary>Sustained requests per second, per instance; 0 (the default) is no limit.</summary>
    public double RequestsPerSecond { get; set; }

    /// <summary>Requests that may go at once after a quiet spell; 0 means one second's worth.</summary>
    public int Burst { get; set; }

    /// <summary>The longest a request waits for a permit before it is given up as a capacity outcome.</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(2);

    internal int EffectiveBurst => Burst > 0 ? Burst : Math.Max(1, (int)Math.Ceiling(RequestsPerSecond));

    internal TimeSpan Period => TimeSpan.FromSeconds(1 / RequestsPerSecond);
}
