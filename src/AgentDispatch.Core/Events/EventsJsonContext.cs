using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AgentDispatch.Events;

[JsonSerializable(typeof(JsonObject))]
internal sealed partial class EventsJsonContext : JsonSerializerContext;
