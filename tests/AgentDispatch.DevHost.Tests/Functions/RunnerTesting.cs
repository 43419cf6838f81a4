using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentDispatch.DevHost.Tests.Functions;

/// <summary>Small helpers the runner tests share: settings, services, queues and bounded waits.</summary>
internal static class RunnerTesting
{
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    public static IConfiguration AppSettings(params (string Key, string? Value)[] settings)
        => new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    /// <summary>The app's services as a runner sees them: fake logging to assert on, plus the test's own.</summary>
    public static ServiceProvider Services(Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection().AddFakeLogging();
        configure?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    /// <summary>A client that sends and reads message text as stored (no SDK encoding), like a producer of plain text.</summary>
    public static async Task<QueueClient> QueueAsync(string connectionString, string name)
    {
        var queue = new QueueClient(connectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        await queue.CreateIfNotExistsAsync();
        return queue;
    }

    public static string Base64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));

    public static async Task<int> CountAsync(QueueClient queue) => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

    /// <summary>Polls <paramref name="condition"/> until it holds, failing the test after <see cref="WaitLimit"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        using var limit = new CancellationTokenSource(WaitLimit);
        while (!await condition())
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), limit.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Gave up after {WaitLimit.TotalSeconds:F0} s waiting for: {what}");
            }
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);
}
