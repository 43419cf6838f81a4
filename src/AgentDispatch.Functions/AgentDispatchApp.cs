using AgentDispatch.Functions.Telemetry;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

namespace AgentDispatch.Functions;

/// <summary>
/// The app's wiring, in one place. The Functions host (Program.cs), the local dev host and the tests
/// all call <see cref="AddAgentDispatch"/>, so they run the same services.
/// </summary>
public static class AgentDispatchApp
{
    /// <summary>The Functions worker host as it runs in Azure and under Core Tools.</summary>
    public static FunctionsApplicationBuilder CreateFunctionsBuilder(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        // ASP.NET Core integration: functions take HttpRequest and return IResult.
        builder.ConfigureFunctionsWebApplication();
        builder.AddAgentDispatch();
        return builder;
    }

    public static IHostApplicationBuilder AddAgentDispatch(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddAgentDispatchCore();
        builder.AddAgentDispatchTelemetry();
        return builder;
    }
}
