using AgentDispatch.Auth;
using AgentDispatch.Calendars;
using AgentDispatch.Configuration;
using AgentDispatch.Confirmation;
using AgentDispatch.Dispatch;
using AgentDispatch.Events;
using AgentDispatch.Schedules;
using AgentDispatch.Sources;
using AgentDispatch.Jobs;
using AgentDispatch.Microsoft365;
using AgentDispatch.Notifications;
using AgentDispatch.Requests;
using AgentDispatch.Storage;
using AgentDispatch.Telemetry;
using Azure.Core;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentDispatch;

public static class AgentDispatchCoreServiceCollectionExtensions
{
    /// <summary>
    /// The host-agnostic services: options validated at start-up, the token provider and the VideoSDK
    /// client with its one resilience handler. A <see cref="TokenCredential"/> or <see cref="SecretClient"/>
    /// registered before this call is used instead of the built-in ones (tests, custom identities).
    /// </summary>
    public static IServiceCollection AddAgentDispatchCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<VideoSdkOptions>().BindConfiguration(VideoSdkOptions.Section).ValidateOnStart();
        services.AddOptions<KeyVaultOptions>().BindConfiguration(KeyVaultOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<VideoSdkOptions>, VideoSdkOptionsValidator>();
        services.AddSingleton<IValidateOptions<KeyVaultOptions>, KeyVaultOptionsValidator>();

        // Built only when a vault is configured, so a plain local run never creates an Azure credential.
        services.TryAddSingleton(sp => AzureCredentials.Create(sp.GetRequiredService<IOptions<KeyVaultOptions>>().Value));
        services.TryAddSingleton(sp =>
        {
            var vaultUri = sp.GetRequiredService<IOptions<KeyVaultOptions>>().Value.VaultUri
                ?? throw new InvalidOperationException("KeyVault:VaultUri is not set.");
            return new SecretClient(vaultUri, sp.GetRequiredService<TokenCredential>(), KeyVaultSecretReader.ClientOptions());
        });

        services.TryAddSingleton<VideoSdkTokenMinter>();
        services.TryAddSingleton(CreateTokenSource);
        services.TryAddSingleton<IVideoSdkTokenProvider, VideoSdkTokenProvider>();

        services.AddMetrics();
        services.TryAddSingleton<AgentDispatchMetrics>();
        services.TryAddSingleton<VideoSdkRateLimit>();
        services
            .AddHttpClient<IVideoSdkClient, VideoSdkClient>((sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<VideoSdkOptions>>().Value;
                http.BaseAddress = WithTrailingSlash(options.BaseUrl);
                // The resilience handler limits each attempt; this limits reading the answer after it,
                // which happens outside the handler. A body that never finishes arriving ends as Unknown.
                http.Timeout = options.TotalTimeout + VideoSdkOptions.AnswerReadMargin;
                http.MaxResponseContentBufferSize = VideoSdkClient.MaxAnswerBytes;
            })
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                ConnectCallback = VideoSdkConnections.Connect(sp.GetRequiredService<IOptions<VideoSdkOptions>>().Value.EffectiveConnectTimeout),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                // A redirected POST would turn into a GET; a redirect means the base URL is wrong.
                AllowAutoRedirect = false,
                UseCookies = false,
            })
            // No HttpClient request logs at all: redacting headers masks them in the message, but the
            // log event's structured state still carries the Authorization header. The client logs
            // every attempt and outcome itself, without the token.
            .RemoveAllLoggers()
            .AddResilienceHandler(VideoSdkResilience.PipelineName, static (pipeline, context) =>
                VideoSdkResilience.Configure(
                    pipeline,
                    context.ServiceProvider.GetRequiredService<IOptions<VideoSdkOptions>>().Value,
                    context.ServiceProvider.GetRequiredService<TimeProvider>()));

        AddJobs(services);
        services.AddNotifications();
        services.AddMeetingEvents();
        services.AddSchedules();
        services.AddCalendarFeeds();
        services.AddRuntimeSources();
        services.TryAddSingleton<Calendars.CalendarPoller>();
        services.AddMicrosoft365();
        // Takes the notification backlog when one is registered, and shows "not configured" without it.
        services.TryAddSingleton<Status.StatusReader>();
        return services;
    }

    /// <summary>The durable jobs: the ledger table and the queues, in the <c>AzureWebJobsStorage</c> account.</summary>
    private static void AddJobs(IServiceCollection services)
    {
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section)
            .Validate<IConfiguration>(
                (_, configuration) => !string.IsNullOrWhiteSpace(configuration[StorageClients.ConnectionName]) || configuration.GetSection(StorageClients.ConnectionName).GetChildren().Any(),
                $"{StorageClients.ConnectionName} is not set: the dispatch ledger and queues live in that storage account (UseDevelopmentStorage=true for Azurite).")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<JobsOptions>, JobsOptionsValidator>();
        services.AddSingleton<IValidateOptions<JobsOptions>, TriggerSettingsValidator>();

        services.TryAddSingleton(sp => StorageClients.Create(sp.GetRequiredService<IConfiguration>(), AzureCredentials.Create));
        services.TryAddSingleton(sp => QueueNames.From(sp.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton<DispatchLedger>();
        services.TryAddSingleton<WakeQueue>();
        services.TryAddSingleton<PoisonQueue>();
        services.TryAddSingleton<JitterSource>();
        services.TryAddSingleton<RetrySchedule>();
        services.TryAddSingleton<DispatchJobRunner>();
        services.TryAddSingleton<DispatchJobService>();
        services.TryAddSingleton<JobsApi>();
        services.TryAddSingleton<JobMessages>();
        services.TryAddSingleton<LedgerSweeper>();
        services.TryAddSingleton<LedgerMaintenance>();

        services.AddOptions<ConfirmationOptions>().BindConfiguration(ConfirmationOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConfirmationOptions>, ConfirmationOptionsValidator>();
        services.TryAddSingleton<RoomPresence>();
        services.TryAddSingleton<RoomWatcher>();
        services.TryAddSingleton<VideoSdkWebhookKey>();
        services.TryAddSingleton<VideoSdkWebhookReceiver>();
        services.AddHttpClient(VideoSdkWebhookKey.HttpClientName, (sp, http) =>
            {
                http.BaseAddress = WithTrailingSlash(sp.GetRequiredService<IOptions<VideoSdkOptions>>().Value.BaseUrl);
                http.Timeout = TimeSpan.FromSeconds(5);
                http.MaxResponseContentBufferSize = 16 * 1024;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, ConnectTimeout = TimeSpan.FromSeconds(3) })
            .RemoveAllLoggers();
    }

    private static IVideoSdkTokenSource CreateTokenSource(IServiceProvider sp)
    {
        var videoSdk = sp.GetRequiredService<IOptions<VideoSdkOptions>>().Value;
        var vault = sp.GetRequiredService<IOptions<KeyVaultOptions>>().Value;
        var time = sp.GetRequiredService<TimeProvider>();

        if (vault.VaultUri is null)
        {
            return new AppSettingTokenSource(videoSdk.AuthToken!, time);
        }

        var reader = new KeyVaultSecretReader(sp.GetRequiredService<SecretClient>(), sp.GetRequiredService<AgentDispatchMetrics>());
        if (videoSdk.MintsTokens)
        {
            return new KeyVaultMintedTokenSource(
                reader, videoSdk.ApiKeySecretName!, videoSdk.ApiSecretSecretName!, vault.SecretCacheDuration,
                sp.GetRequiredService<VideoSdkTokenMinter>(), time);
        }

        // With a vault configured, VideoSdk:AuthToken is ignored: /api/health names the source in use.
        return new KeyVaultTokenSource(reader, videoSdk.TokenSecretName, vault.SecretCacheDuration, time);
    }

    private static Uri WithTrailingSlash(Uri uri)
        => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
