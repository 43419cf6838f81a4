using AgentDispatch.DevHost.Settings;

namespace AgentDispatch.DevHost.Tests.Settings;

/// <summary>host.json's extensions.queues, with the Functions host's defaults and limits.</summary>
public sealed class HostJsonTests : IDisposable
{
    private readonly DirectoryInfo _appRoot = Directory.CreateTempSubdirectory("devhost-hostjson-");

    public void Dispose() => _appRoot.Delete(recursive: true);

    private HostJson Read(string json)
    {
        File.WriteAllText(Path.Combine(_appRoot.FullName, HostJson.FileName), json);
        return HostJson.Read(_appRoot.FullName);
    }

    [Fact]
    public void NoQueuesSection_GivesTheHostDefaults()
    {
        var queues = Read("""{"version":"2.0"}""").Queues;

        Assert.Equal(16, queues.BatchSize);
        Assert.Equal(8, queues.NewBatchThreshold);
        Assert.Equal(TimeSpan.FromMinutes(1), queues.MaxPollingInterval);
        Assert.Equal(TimeSpan.Zero, queues.VisibilityTimeout);
        Assert.Equal(5, queues.MaxDequeueCount);
        Assert.Equal(QueueBodyEncoding.Base64, queues.MessageEncoding);
    }

    [Fact]
    public void QueuesSection_IsRead()
    {
        var hostJson = Read("""
            {
              "version": "2.0",
              // comments are allowed, as the host allows them
              "extensions": {
                "http": { "routePrefix": "" },
                "queues": {
                  "batchSize": 4,
                  "maxPollingInterval": "00:00:02",
                  "visibilityTimeout": "00:00:30",
                  "maxDequeueCount": 2,
                  "messageEncoding": "none"
                }
              }
            }
            """);

        Assert.Equal(string.Empty, hostJson.RoutePrefix);
        Assert.Equal(4, hostJson.Queues.BatchSize);
        Assert.Equal(2, hostJson.Queues.NewBatchThreshold);
        Assert.Equal(TimeSpan.FromSeconds(2), hostJson.Queues.MaxPollingInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), hostJson.Queues.VisibilityTimeout);
        Assert.Equal(2, hostJson.Queues.MaxDequeueCount);
        Assert.Equal(QueueBodyEncoding.None, hostJson.Queues.MessageEncoding);
    }

    [Fact]
    public void NewBatchThreshold_AndMillisecondIntervals_AreRead()
    {
        var queues = Read("""{"extensions":{"queues":{"newBatchThreshold":0,"maxPollingInterval":500,"messageEncoding":"Base64"}}}""").Queues;

        Assert.Equal(0, queues.NewBatchThreshold);
        Assert.Equal(TimeSpan.FromMilliseconds(500), queues.MaxPollingInterval);
        Assert.Equal(QueueBodyEncoding.Base64, queues.MessageEncoding);
    }

    [Theory]
    [InlineData("""{"batchSize":33}""", "extensions.queues.batchSize is 33")]
    [InlineData("""{"batchSize":"8"}""", "extensions.queues.batchSize must be a whole number")]
    [InlineData("""{"maxPollingInterval":"00:00:00.050"}""", "extensions.queues.maxPollingInterval")]
    [InlineData("""{"visibilityTimeout":"8.00:00:00"}""", "extensions.queues.visibilityTimeout")]
    [InlineData("""{"maxDequeueCount":0}""", "extensions.queues.maxDequeueCount is 0")]
    [InlineData("""{"messageEncoding":"utf8"}""", "extensions.queues.messageEncoding must be \"base64\" or \"none\"")]
    public void BadValue_StopsStartUpNamingTheSetting(string queues, string expected)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Read("""{"extensions":{"queues":""" + queues + "}}"));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains(HostJson.FileName, ex.Message, StringComparison.Ordinal);
    }
}
