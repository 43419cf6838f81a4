using System.Globalization;

namespace AgentDispatch.Infra.Tests.Arm;

/// <summary>
/// A value known only when Azure runs the deployment (a resource's property, <c>uniqueString()</c>,
/// the subscription): kept as readable text so tests can say what it is derived from. Two runtime
/// values are equal when their texts are.
/// </summary>
internal class RuntimeValue(string text) : IEquatable<RuntimeValue>
{
    public string Text { get; } = text;

    public override string ToString() => Text;

    public bool Equals(RuntimeValue? other) => other is not null && string.Equals(Text, other.Text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as RuntimeValue);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Text);
}

/// <summary><c>resourceId(...)</c>, <c>subscriptionResourceId(...)</c> and the like: the type and name segments.</summary>
internal sealed class ResourceIdValue(string function, string type, IReadOnlyList<object?> names)
    : RuntimeValue($"{function}({type}, {string.Join(", ", names.Select(ArmValue.Render))})")
{
    public string Function { get; } = function;

    public string Type { get; } = type;

    public IReadOnlyList<object?> Names { get; } = names;
}

/// <summary><c>guid(...)</c> with its arguments, so a test can check what a name is derived from.</summary>
internal sealed class GuidValue(IReadOnlyList<object?> parts)
    : RuntimeValue($"guid({string.Join(", ", parts.Select(ArmValue.Render))})")
{
    public IReadOnlyList<object?> Parts { get; } = parts;
}

/// <summary><c>reference(...)</c> of a resource (not a module) of this template: its runtime properties.</summary>
internal sealed class ResourceReferenceValue(string resourceType, object? resourceName)
    : RuntimeValue($"reference({resourceType} {ArmValue.Render(resourceName)})")
{
    public string ResourceType { get; } = resourceType;
}

/// <summary><c>reference(...)</c> of a module: its outputs are evaluated in the module's own template.</summary>
internal sealed class ModuleReferenceValue(ArmTemplateScope module) : RuntimeValue($"module {module.Name}")
{
    public ArmTemplateScope Module { get; } = module;
}

internal sealed class ModuleOutputsValue(ArmTemplateScope module) : RuntimeValue($"module {module.Name} outputs")
{
    public ArmTemplateScope Module { get; } = module;
}

internal sealed class ModuleOutputValue(ArmTemplateScope module, string output) : RuntimeValue($"module {module.Name} output {output}")
{
    public ArmTemplateScope Module { get; } = module;

    public string Output { get; } = output;
}

/// <summary>A <c>lambda(...)</c> argument of <c>filter</c>, <c>map</c>, <c>toObject</c>.</summary>
internal sealed class LambdaValue(IReadOnlyList<string> parameters, ArmExpression body, ArmEvaluationContext context)
    : RuntimeValue("lambda")
{
    public IReadOnlyList<string> Parameters { get; } = parameters;

    public ArmExpression Body { get; } = body;

    public ArmEvaluationContext Context { get; } = context;
}

/// <summary>
/// The values an evaluated template holds: <c>null</c>, <see cref="string"/>, <see cref="long"/>,
/// <see cref="bool"/>, <see cref="ArmObject"/>, <see cref="List{T}"/> of values, or a <see cref="RuntimeValue"/>.
/// </summary>
internal static class ArmValue
{
    public static string Render(object? value) => value switch
    {
        null => "null",
        string s => "'" + s + "'",
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        ArmObject o => "{" + string.Join(", ", o.Select(p => p.Key + ": " + Render(p.Value))) + "}",
        List<object?> a => "[" + string.Join(", ", a.Select(Render)) + "]",
        RuntimeValue r => r.Text,
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>The text of a string or runtime value as it would appear inside a formatted string.</summary>
    public static string Text(object? value) => value switch
    {
        string s => s,
        RuntimeValue r => "{" + r.Text + "}",
        _ => Render(value),
    };
}

/// <summary>An ARM object: property names compare case-insensitively, as ARM compares them; order is kept.</summary>
internal sealed class ArmObject : Dictionary<string, object?>
{
    public ArmObject()
        : base(StringComparer.OrdinalIgnoreCase)
    {
    }
}
