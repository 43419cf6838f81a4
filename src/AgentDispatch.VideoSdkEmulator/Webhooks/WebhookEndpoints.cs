using AgentDispatch.VideoSdkEmulator.Control;
using AgentDispatch.VideoSdkEmulator.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static AgentDispatch.VideoSdkEmulator.Hosting.HttpJson;

namespace AgentDispatch.VideoSdkEmulator.Webhooks;

/// <summary>The public key route of VideoSDK (no auth there either) and the record of deliveries.</summary>
internal sealed class WebhookEndpoints(EmulatorState state)
{
    public const string PublicKeyRoute = "/v2/public/rsa-public-key";

    private static EmulatorJsonContext Json => EmulatorJsonContext.Wire;

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(PublicKeyRoute, GetPublicKey);
        endpoints.MapGet(ControlEndpoints.Prefix + "/webhooks", GetDeliveries);
        endpoints.MapDelete(ControlEndpoints.Prefix + "/webhooks", ClearDeliveries);
    }

    private Task GetPublicKey(HttpContext context) =>
        WriteAsync(context, new PublicKeyBody(state.WebhookPublicKeyPem), Json.PublicKeyBody);

    private Task GetDeliveries(HttpContext context) => WriteAsync(context, state.Webhooks, Json.IReadOnlyListWebhookDelivery);

    private Task ClearDeliveries(HttpContext context)
    {
        state.ClearWebhooks();
        return NoContent(context);
    }
}

internal sealed record PublicKeyBody(string PublicKey);
