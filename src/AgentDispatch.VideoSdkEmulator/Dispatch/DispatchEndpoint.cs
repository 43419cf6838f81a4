using System.Buffers;
using System.Globalization;
using AgentDispatch.VideoSdkEmulator.Faults;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.VideoSdkEmulator.Dispatch;

/// <summary>
/// <c>POST /v2/agent/dispatch</c>: authenticate, read the body, draw a fault, dispatch, record,
/// then answer (late, or not at all, as the fault says).
/// </summary>
internal sealed class DispatchEndpoint
{
    public const string Route = "/v2/agent/dispatch";

    // Far above any real dispatch body; bounds what one record can hold.
    private const int MaxBodyBytes = 1024 * 1024;
    private const string JsonContentType = "application/json; charset=utf-8";

    private readonly EmulatorState _state;
    private readonly ILogger _logger;

    public DispatchEndpoint(EmulatorState state, ILogger<DispatchEndpoint> logger)
    {
        _state = state;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        var receivedAt = _state.TimeProvider.GetUtcNow();
        var headers = context.Request.Headers;
        string? authorization = headers.Authorization.Count == 0 ? null : headers.Authorization.ToString();

        byte[] body;
        bool tooLarge;
        try
        {
            (body, tooLarge) = await ReadBodyAsync(context.Request, aborted).ConfigureAwait(false);
        }
        catch (Exception) when (aborted.IsCancellationRequested)
        {
            // The client went away mid-body: nothing was asked of us, so nothing is recorded.
            return;
        }

        var answer = await DecideAsync(authorization, body, tooLarge).ConfigureAwait(false);
        var record = _state.Record(receivedAt, authorization, body, in answer);
        Log.DispatchHandled(_logger, record.Sequence, answer.MeetingId, answer.AgentId, record.Outcome, record.Status, answer.WorkerId);

        var delay = _state.Options.Latency + answer.SlowDelay;
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, _state.TimeProvider, aborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                return;
            }
        }

        if (answer.Dropped)
        {
            context.Abort();
            return;
        }

        var response = context.Response;
        response.StatusCode = answer.Status;
        response.ContentType = JsonContentType;
        response.ContentLength = answer.Body.Length;
        if (answer.Fault == FaultKind.Error429)
        {
            response.Headers.RetryAfter = answer.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }

        try
        {
            await response.Body.WriteAsync(answer.Body, aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client gave up waiting; the record already says what would have been answered.
        }
    }

    private async ValueTask<DispatchAnswer> DecideAsync(string? authorization, byte[] body, bool tooLarge)
    {
        if (await _state.Authorizer.CheckAsync(authorization).ConfigureAwait(false) is { } refusal)
        {
            return new DispatchAnswer(EmulatedOutcome.Unauthorized, StatusCodes.Status401Unauthorized, refusal);
        }

        if (tooLarge)
        {
            return new DispatchAnswer(EmulatedOutcome.Invalid, StatusCodes.Status413PayloadTooLarge, DispatchMessages.BodyTooLargeBody);
        }

        if (!IncomingDispatch.TryParse(body, out var request, out var error))
        {
            return new DispatchAnswer(EmulatedOutcome.Invalid, StatusCodes.Status400BadRequest, DispatchMessages.Encode(error));
        }

        // Faults are drawn only for well-formed, authorised requests, so that 401 and 400 stay
        // deterministic and the seeded sequence of faults depends only on the valid traffic.
        var fault = _state.DrawFault(out var faults);
        switch (fault)
        {
            case FaultKind.Error503:
                return new DispatchAnswer(
                    EmulatedOutcome.Fault503, StatusCodes.Status503ServiceUnavailable, DispatchMessages.ServiceUnavailableBody,
                    MeetingId: request.MeetingId, AgentId: request.AgentId, Fault: fault);
            case FaultKind.Error429:
                return new DispatchAnswer(
                    EmulatedOutcome.Fault429, StatusCodes.Status429TooManyRequests, DispatchMessages.TooManyRequestsBody,
                    MeetingId: request.MeetingId, AgentId: request.AgentId, Fault: fault, RetryAfterSeconds: faults.RetryAfterSeconds);
        }

        var outcome = _state.Dispatch(in request, out var workerId, out var loseAnswer);
        if (loseAnswer)
        {
            // A join fault that models "the request succeeded, the caller saw nothing": the same abort as a drop fault.
            fault = FaultKind.Drop;
        }

        var (status, responseBody) = outcome switch
        {
            EmulatedOutcome.Assigned => (StatusCodes.Status200OK, DispatchMessages.Success(request.MeetingId, request.AgentId)),
            EmulatedOutcome.NotDeployed => (StatusCodes.Status404NotFound, DispatchMessages.AgentNotDeployedBody),
            EmulatedOutcome.NotRegistered => (StatusCodes.Status404NotFound, DispatchMessages.NoWorkersRegisteredBody),
            _ => (StatusCodes.Status503ServiceUnavailable, DispatchMessages.NoWorkersAvailableBody),
        };

        return new DispatchAnswer(
            outcome,
            status,
            responseBody,
            Assigned: outcome == EmulatedOutcome.Assigned,
            WorkerId: workerId,
            MeetingId: request.MeetingId,
            AgentId: request.AgentId,
            Fault: fault,
            SlowDelay: fault == FaultKind.Slow ? faults.SlowDelay : TimeSpan.Zero);
    }

    private static async ValueTask<(byte[] Body, bool TooLarge)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length > MaxBodyBytes)
            {
                var head = buffer.Slice(0, MaxBodyBytes).ToArray();
                reader.AdvanceTo(buffer.End);
                return (head, true);
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                var body = buffer.IsEmpty ? [] : buffer.ToArray();
                reader.AdvanceTo(buffer.End);
                return (body, false);
            }

            // Nothing consumed yet: ask for more until the body is complete.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
