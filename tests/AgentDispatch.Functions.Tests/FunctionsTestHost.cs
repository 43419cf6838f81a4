using System.Text;
using AgentDispatch.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentDispatch.Functions.Tests;

/// <summary>What a function's result wrote, read back.</summary>
public sealed record FunctionResponse(int Status, IHeaderDictionary Headers, string Body)
{
    public string? ContentType => Headers.ContentType.ToString();
}

/// <summary>
/// The Functions worker host exactly as Program.cs builds it (built, not run: the worker needs the
/// Functions host to connect to), with settings a test chooses. Function classes are created from
/// its container the way the worker creates them, and their results executed on a real HttpContext.
/// </summary>
public sealed class FunctionsTestHost : IDisposable
{
    private readonly IHost _host;

    public FunctionsTestHost(IDictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var builder = AgentDispatchApp.CreateFunctionsBuilder([]);
        builder.Configuration.AddInMemoryCollection(AgentDispatch.Configuration.TriggerSettings.WithDefaults(new Dictionary<string, string?>(settings)));
        configure?.Invoke(builder.Services);
        _host = builder.Build();
    }

    public IServiceProvider Services => _host.Services;

    public T Create<T>() => ActivatorUtilities.CreateInstance<T>(_host.Services);

    public HttpRequest Request(string? body, string? contentType = "application/json", string method = "POST")
    {
        var context = new DefaultHttpContext { RequestServices = _host.Services };
        context.Request.Method = method;
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
        }

        context.Request.ContentType = contentType;
        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    /// <summary>Runs <paramref name="result"/> against the request's own context and reads the response.</summary>
    public static async Task<FunctionResponse> ExecuteAsync(IResult result, HttpRequest request)
    {
        var context = request.HttpContext;
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        using var reader = new StreamReader(context.Response.Body);
        return new FunctionResponse(context.Response.StatusCode, context.Response.Headers, await reader.ReadToEndAsync());
    }

    public void Dispose() => _host.Dispose();
}
