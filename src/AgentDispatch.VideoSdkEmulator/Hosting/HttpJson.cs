using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AgentDispatch.VideoSdkEmulator.Dispatch;
using Microsoft.AspNetCore.Http;

namespace AgentDispatch.VideoSdkEmulator.Hosting;

/// <summary>Reading and writing source-generated JSON for the plain request delegates of every route.</summary>
internal static class HttpJson
{
    private static EmulatorJsonContext Json => EmulatorJsonContext.Wire;

    /// <summary>Reads a JSON body; on failure answers 400 itself and returns null.</summary>
    public static async Task<T?> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        string problem;
        try
        {
            var value = await JsonSerializer.DeserializeAsync(context.Request.Body, typeInfo, context.RequestAborted).ConfigureAwait(false);
            if (value is not null)
            {
                return value;
            }

            problem = "Request body must not be null.";
        }
        catch (JsonException ex)
        {
            // The serializer's own message names .NET types; the JSON path is what a caller can act on.
            problem = string.IsNullOrEmpty(ex.Path) ? "Malformed JSON body." : $"Malformed JSON body at {ex.Path}.";
        }

        await MessageAsync(context, StatusCodes.Status400BadRequest, problem).ConfigureAwait(false);
        return null;
    }

    public static Task WriteAsync<T>(HttpContext context, T value, JsonTypeInfo<T> typeInfo) =>
        context.Response.WriteAsJsonAsync(value, typeInfo, contentType: null, context.RequestAborted);

    public static Task MessageAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return WriteAsync(context, new MessageBody(message), Json.MessageBody);
    }

    public static Task BadRequest(HttpContext context, ArgumentException ex)
    {
        // ArgumentException.Message appends " (Parameter 'x')", which means nothing to an HTTP caller.
        var message = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal);
        return MessageAsync(context, StatusCodes.Status400BadRequest, message);
    }

    /// <summary>Writes an already encoded JSON body, such as the shared 401 answers.</summary>
    public static Task WriteRawAsync(HttpContext context, int status, byte[] body)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    public static Task NoContent(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }
}
