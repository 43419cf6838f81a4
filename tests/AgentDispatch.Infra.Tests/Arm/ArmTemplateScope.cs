using System.Text.Json.Nodes;

namespace AgentDispatch.Infra.Tests.Arm;

/// <summary>
/// One template of a compiled deployment (the main template, or a module's nested template) with
/// the parameter values it is given: its parameters, variables, resources and outputs, evaluated
/// on demand. Modules' templates hang below as child scopes, so a value can be followed from the
/// main template's parameters into any module and back out through module outputs.
/// </summary>
internal sealed class ArmTemplateScope
{
    private readonly IReadOnlyDictionary<string, Func<object?>> _supplied;
    private readonly Dictionary<string, object?> _parameters = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, object?> _variables = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _evaluating = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lazy<IReadOnlyList<ArmResource>> _resources;

    public ArmTemplateScope(string name, JsonObject template, ArmTemplateScope? parent, IReadOnlyDictionary<string, Func<object?>> suppliedParameters)
    {
        Name = name;
        Template = template;
        Parent = parent;
        _supplied = suppliedParameters;
        _resources = new Lazy<IReadOnlyList<ArmResource>>(ExpandResources);
    }

    /// <summary>The deployment name of the module ("main" for the main template).</summary>
    public string Name { get; }

    public JsonObject Template { get; }

    public ArmTemplateScope? Parent { get; }

    /// <summary>The resources this template declares, loops expanded, <c>existing</c> ones and false conditions included.</summary>
    public IReadOnlyList<ArmResource> Resources => _resources.Value;

    /// <summary>Resources this template and its modules deploy: no <c>existing</c> references, no false conditions.</summary>
    public IEnumerable<ArmResource> DeployedResources()
    {
        foreach (var resource in Resources.Where(r => !r.IsExisting && r.IsDeployed))
        {
            yield return resource;
            if (resource.Module is { } module)
            {
                foreach (var inner in module.DeployedResources())
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Every template scope: this one and its modules', recursively.</summary>
    public IEnumerable<ArmTemplateScope> AllScopes()
    {
        yield return this;
        foreach (var module in Resources.Select(r => r.Module).OfType<ArmTemplateScope>())
        {
            foreach (var scope in module.AllScopes())
            {
                yield return scope;
            }
        }
    }

    public object? Parameter(string name) => Cached(_parameters, "parameter", name, () =>
    {
        if (_supplied.TryGetValue(name, out var supplied))
        {
            return supplied();
        }

        var declaration = Template["parameters"]?[name]?.AsObject()
            ?? throw new KeyNotFoundException($"Template '{Name}' declares no parameter '{name}'.");
        return declaration.TryGetPropertyValue("defaultValue", out var defaultValue)
            ? ArmEvaluator.Evaluate(defaultValue, new ArmEvaluationContext(this))
            : throw new InvalidOperationException($"Parameter '{name}' of template '{Name}' has no value and no default: give it one.");
    });

    public object? Variable(string name) => Cached(_variables, "variable", name, () =>
    {
        var variables = Template["variables"]?.AsObject();
        if (variables is null || !variables.TryGetPropertyValue(name, out var value))
        {
            throw new KeyNotFoundException($"Template '{Name}' declares no variable '{name}'.");
        }

        return ArmEvaluator.Evaluate(value, new ArmEvaluationContext(this));
    });

    public object? Output(string name)
    {
        var output = Template["outputs"]?[name]?.AsObject()
            ?? throw new KeyNotFoundException($"Template '{Name}' declares no output '{name}'.");
        return ArmEvaluator.Evaluate(output["value"], new ArmEvaluationContext(this));
    }

    public IEnumerable<string> OutputNames => Template["outputs"]?.AsObject().Select(o => o.Key) ?? [];

    /// <summary>The resource with this symbolic name (templates compiled with symbolic names, language version 2.0).</summary>
    public ArmResource? BySymbolicName(string symbolicName)
        => Resources.FirstOrDefault(r => string.Equals(r.SymbolicName, symbolicName, StringComparison.Ordinal));

    private object? Cached(Dictionary<string, object?> cache, string kind, string name, Func<object?> evaluate)
    {
        if (cache.TryGetValue(name, out var value))
        {
            return value;
        }

        if (!_evaluating.Add(kind + ":" + name))
        {
            throw new InvalidOperationException($"The {kind} '{name}' of template '{Name}' refers to itself.");
        }

        try
        {
            value = evaluate();
            cache[name] = value;
            return value;
        }
        finally
        {
            _evaluating.Remove(kind + ":" + name);
        }
    }

    private List<ArmResource> ExpandResources()
    {
        var declared = Template["resources"] switch
        {
            JsonArray array => array.Select(r => (SymbolicName: (string?)null, Json: r!.AsObject())).ToList(),
            JsonObject symbolic => symbolic.Select(r => (SymbolicName: (string?)r.Key, Json: r.Value!.AsObject())).ToList(),
            null => [],
            _ => throw new InvalidOperationException($"Template '{Name}' has resources that are neither an array nor an object."),
        };

        var resources = new List<ArmResource>();
        foreach (var (symbolicName, json) in declared)
        {
            if (json["copy"] is JsonObject copy)
            {
                var count = ArmEvaluator.Evaluate(copy["count"], new ArmEvaluationContext(this)) as long?
                    ?? throw new InvalidOperationException($"A resource loop in template '{Name}' has a count not known before deployment.");
                for (var i = 0; i < count; i++)
                {
                    resources.Add(new ArmResource(this, symbolicName, json, i));
                }
            }
            else
            {
                resources.Add(new ArmResource(this, symbolicName, json, null));
            }
        }

        return resources;
    }
}

/// <summary>One resource of a template (one instance of a resource loop), evaluated on demand.</summary>
internal sealed class ArmResource
{
    private readonly Lazy<object?> _name;
    private readonly Lazy<ArmTemplateScope?> _module;

    public ArmResource(ArmTemplateScope scope, string? symbolicName, JsonObject json, int? copyIndex)
    {
        Scope = scope;
        SymbolicName = symbolicName;
        Json = json;
        CopyIndex = copyIndex;
        _name = new Lazy<object?>(() => Evaluate(Json["name"]));
        _module = new Lazy<ArmTemplateScope?>(CreateModule);
    }

    public ArmTemplateScope Scope { get; }

    public string? SymbolicName { get; }

    public JsonObject Json { get; }

    public int? CopyIndex { get; }

    public string Type => (string)Json["type"]!;

    /// <summary>The evaluated name: a string, or a <see cref="RuntimeValue"/> when it depends on the deployment.</summary>
    public object? Name => _name.Value;

    public bool IsExisting => Json["existing"]?.GetValue<bool>() == true;

    /// <summary>False when the resource's condition is false with the parameters given.</summary>
    public bool IsDeployed => Json["condition"] is null || Evaluate(Json["condition"]) is not false;

    /// <summary>For a module (a nested deployment), its template with the parameter values this resource gives it.</summary>
    public ArmTemplateScope? Module => _module.Value;

    public ArmEvaluationContext Context => new(Scope, CopyIndex);

    /// <summary>Evaluates a part of the resource's JSON, e.g. <c>Evaluate(Json["properties"])</c>.</summary>
    public object? Evaluate(JsonNode? node) => ArmEvaluator.Evaluate(node, Context);

    /// <summary>
    /// Evaluates the value at a dotted path below the resource, e.g. <c>properties.siteConfig.minTlsVersion</c>
    /// (names compare case-insensitively, as in ARM); null when absent. Only what lies on the path is evaluated.
    /// </summary>
    public object? Get(string path)
    {
        JsonNode? node = Json;
        object? value = null;
        var evaluated = false;
        foreach (var segment in path.Split('.'))
        {
            if (!evaluated && node is JsonObject obj)
            {
                node = obj.FirstOrDefault(p => string.Equals(p.Key, segment, StringComparison.OrdinalIgnoreCase)).Value;
                if (node is null)
                {
                    return null;
                }

                continue;
            }

            if (!evaluated)
            {
                value = Evaluate(node);
                evaluated = true;
            }

            if (value is not ArmObject evaluatedObject || !evaluatedObject.TryGetValue(segment, out value))
            {
                return null;
            }
        }

        return evaluated ? value : Evaluate(node);
    }

    public override string ToString() => $"{Type} {ArmValue.Render(Name)} (in {Scope.Name})";

    private ArmTemplateScope? CreateModule()
    {
        if (!string.Equals(Type, "Microsoft.Resources/deployments", StringComparison.OrdinalIgnoreCase)
            || Json["properties"]?["template"] is not JsonObject template)
        {
            return null;
        }

        var supplied = new Dictionary<string, Func<object?>>(StringComparer.OrdinalIgnoreCase);
        if (Json["properties"]?["parameters"] is JsonObject parameters)
        {
            foreach (var (name, value) in parameters)
            {
                var node = value?["value"];
                supplied[name] = () => Evaluate(node);
            }
        }

        var moduleName = Name as string ?? ArmValue.Render(Name);
        return new ArmTemplateScope(moduleName, template, Scope, supplied);
    }
}
