using System.Text.Json.Serialization;

namespace AgentDispatch.Jobs;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WakeMessage))]
[JsonSerializable(typeof(PoisonedMessage))]
public sealed partial class JobsJsonContext : JsonSerializerContext;
