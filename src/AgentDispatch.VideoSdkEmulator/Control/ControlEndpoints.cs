using System.Text.Json;
using AgentDispatch.VideoSdkEmulator.Deployments;
using AgentDispatch.VideoSdkEmulator.Dispatch;
using AgentDispatch.VideoSdkEmulator.Faults;
using AgentDispatch.VideoSdkEmulator.Hosting;
using AgentDispatch.VideoSdkEmulator.Workers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using static AgentDispatch.VideoSdkEmulator.Hosting.HttpJson;

namespace AgentDispatch.VideoSdkEmulator.Control;

/// <summary>
/// <c>/_emulator/*</c>: lets a test, a benchmark or a person shape and inspect the emulator over
/// HTTP. Handlers are plain request delegates with source-generated JSON, so nothing here needs
/// reflection and the host app's JSON settings do not leak in.
/// </summary>
internal sealed class ControlEndpoints(EmulatorState state, ILogger<ControlEndpoints> logger)
{
    public const string Prefix = "/_emulator";

    private static EmulatorJsonContext Json => EmulatorJsonContext.Wire;

    public void Map(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(Prefix);
        group.MapGet("/health", GetHealth);
        group.MapPost("/reset", Reset);

        group.MapGet("/workers", GetWorkers);
        group.MapPost("/workers", RegisterWorker);
        group.MapDelete("/workers", ClearWorkers);
        group.MapDelete("/workers/{id}", RemoveWorker);

        group.MapGet("/deployments", GetDeployments);
        group.MapPut("/deployments", SetDeployments);

        group.MapGet("/dispatches", GetDispatches);
        group.MapDelete("/dispatches", ClearDispatches);

        group.MapGet("/faults", GetFaults);
        group.MapPut("/faults", SetFaults);
        group.MapDelete("/faults", ClearFaults);

        group.MapGet("/join-faults", GetJoinFaults);
        group.MapPut("/join-faults", SetJoinFaults);
        group.MapDelete("/join-faults", ClearJoinFaults);

        group.MapGet("/stats", GetStats);
    }

    private Task GetHealth(HttpContext context) => WriteAsync(context, HealthBody.Ok, Json.HealthBody);

    private Task Reset(HttpContext context)
    {
        state.Reset();
        Log.StateReset(logger);
        return NoContent(context);
    }

    private Task GetWorkers(HttpContext context) => WriteAsync(context, state.Workers, Json.IReadOnlyListWorkerInfo);

    private async Task RegisterWorker(HttpContext context)
    {
        var registration = await ReadAsync(context, Json.WorkerRegistration).ConfigureAwait(false);
        if (registration is null)
        {
            return;
        }

        WorkerInfo worker;
        try
        {
            worker = state.RegisterWorker(registration);
        }
        catch (ArgumentException ex)
        {
            await BadRequest(context, ex).ConfigureAwait(false);
            return;
        }

        Log.WorkerRegistered(logger, worker.Id, worker.AgentId, worker.MaxProcesses, worker.LoadThreshold, worker.Draining);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = $"{Prefix}/workers/{Uri.EscapeDataString(worker.Id)}";
        await WriteAsync(context, worker, Json.WorkerInfo).ConfigureAwait(false);
    }

    private Task ClearWorkers(HttpContext context)
    {
        state.ClearWorkers();
        Log.WorkersCleared(logger);
        return NoContent(context);
    }

    private Task RemoveWorker(HttpContext context)
    {
        var id = context.Request.RouteValues["id"] as string ?? string.Empty;
        if (!state.RemoveWorker(id))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return WriteAsync(context, new MessageBody("Worker not found."), Json.MessageBody);
        }

        Log.WorkerRemoved(logger, id);
        return NoContent(context);
    }

    private Task GetDeployments(HttpContext context) => WriteAsync(context, state.Deployments, Json.IReadOnlyListDeployment);

    private async Task SetDeployments(HttpContext context)
    {
        var deployments = await ReadAsync(context, Json.DeploymentArray).ConfigureAwait(false);
        if (deployments is null)
        {
            return;
        }

        try
        {
            state.SetDeployments(deployments);
        }
        catch (ArgumentException ex)
        {
            await BadRequest(context, ex).ConfigureAwait(false);
            return;
        }

        Log.DeploymentsReplaced(logger, deployments.Length);
        await WriteAsync(context, state.Deployments, Json.IReadOnlyListDeployment).ConfigureAwait(false);
    }

    private Task GetDispatches(HttpContext context)
    {
        var filter = context.Request.Query["outcome"];
        if (filter.Count == 0)
        {
            return WriteAsync(context, state.Dispatches, Json.IReadOnlyListDispatchRecord);
        }

        if (!TryParseOutcome(filter.ToString(), out var outcome))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return WriteAsync(context, new MessageBody($"Unknown outcome '{filter}'."), Json.MessageBody);
        }

        return WriteAsync(context, state.GetDispatches(outcome), Json.IReadOnlyListDispatchRecord);
    }

    private Task ClearDispatches(HttpContext context)
    {
        state.ClearDispatches();
        return NoContent(context);
    }

    private Task GetFaults(HttpContext context) => WriteAsync(context, state.Faults, Json.FaultSettings);

    private async Task SetFaults(HttpContext context)
    {
        var faults = await ReadAsync(context, Json.FaultSettings).ConfigureAwait(false);
        if (faults is null)
        {
            return;
        }

        if (!faults.IsValid(out var error))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await WriteAsync(context, new MessageBody(error), Json.MessageBody).ConfigureAwait(false);
            return;
        }

        state.Faults = faults;
        Log.FaultsChanged(logger, faults.Error503Rate, faults.Error429Rate, faults.SlowRate, faults.SlowDelay, faults.DropRate);
        await WriteAsync(context, faults, Json.FaultSettings).ConfigureAwait(false);
    }

    private Task ClearFaults(HttpContext context)
    {
        state.Faults = FaultSettings.None;
        Log.FaultsCleared(logger);
        return NoContent(context);
    }

    private Task GetJoinFaults(HttpContext context) => WriteAsync(context, state.JoinFaults, Json.IReadOnlyListJoinFault);

    private async Task SetJoinFaults(HttpContext context)
    {
        var faults = await ReadAsync(context, Json.JoinFaultArray).ConfigureAwait(false);
        if (faults is null)
        {
            return;
        }

        try
        {
            state.SetJoinFaults(faults);
        }
        catch (ArgumentException ex)
        {
            await BadRequest(context, ex).ConfigureAwait(false);
            return;
        }

        Log.JoinFaultsReplaced(logger, faults.Length);
        await WriteAsync(context, state.JoinFaults, Json.IReadOnlyListJoinFault).ConfigureAwait(false);
    }

    private Task ClearJoinFaults(HttpContext context)
    {
        state.ClearJoinFaults();
        Log.JoinFaultsCleared(logger);
        return NoContent(context);
    }

    private Task GetStats(HttpContext context) => WriteAsync(context, state.Stats, Json.EmulatorStats);

    private static bool TryParseOutcome(string text, out EmulatedOutcome outcome)
    {
        // The wire names live on the enum's attributes; asking the serializer keeps one source of truth.
        try
        {
            outcome = JsonSerializer.Deserialize(JsonSerializer.Serialize(text, Json.String), Json.EmulatedOutcome);
            return true;
        }
        catch (JsonException)
        {
            outcome = default;
            return false;
        }
    }
}
