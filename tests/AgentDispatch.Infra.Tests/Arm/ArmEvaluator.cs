using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AgentDispatch.Infra.Tests.Arm;

/// <summary>Where an expression is evaluated: its template, the loop index, the lambda variables in reach.</summary>
internal sealed record ArmEvaluationContext(ArmTemplateScope Scope, int? CopyIndex = null)
{
    public ImmutableDictionary<string, object?> LambdaVariables { get; init; } = ImmutableDictionary<string, object?>.Empty;
}

/// <summary>
/// Evaluates ARM template expressions as far as a test needs: parameters, variables, the object,
/// array, string, logical and lambda functions Bicep emits, and module outputs. What only Azure can
/// know at deployment (resource properties, outputs of <c>reference()</c>) becomes a
/// <see cref="RuntimeValue"/> whose text says where it comes from. The subscription and tenant are
/// fixed test ids and <c>uniqueString</c> a stand-in hash, so resource names come out as plain strings.
/// </summary>
internal static partial class ArmEvaluator
{
    /// <summary>The subscription and tenant a test deployment pretends to go to.</summary>
    public const string TestSubscriptionId = "00000000-0000-0000-0000-0000000000aa";

    public const string TestTenantId = "00000000-0000-0000-0000-0000000000bb";

    public static object? Evaluate(JsonNode? node, ArmEvaluationContext context) => node switch
    {
        null => null,
        JsonObject obj => EvaluateObject(obj, context),
        JsonArray array => array.Select(item => Evaluate(item, context)).ToList(),
        JsonValue value => EvaluateValue(value, context),
        _ => throw new NotSupportedException("Unexpected JSON node: " + node.ToJsonString()),
    };

    /// <summary>Converts plain JSON (no expressions) to template values: for parameter values given by a test.</summary>
    public static object? FromJson(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.Aggregate(new ArmObject(), (o, p) =>
        {
            o[p.Key] = FromJson(p.Value);
            return o;
        }),
        JsonArray array => array.Select(FromJson).ToList(),
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.GetValue<long>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        },
        _ => null,
    };

    public static object? Evaluate(ArmExpression expression, ArmEvaluationContext context) => expression switch
    {
        StringLiteral s => s.Value,
        IntegerLiteral i => i.Value,
        PropertyAccess access => Access(Evaluate(access.Target, context), Evaluate(access.Property, context)),
        FunctionCall call => Call(call, context),
        _ => throw new NotSupportedException("Unexpected expression: " + expression),
    };

    private static ArmObject EvaluateObject(JsonObject obj, ArmEvaluationContext context)
    {
        var result = new ArmObject();
        foreach (var (key, value) in obj)
        {
            if (string.Equals(key, "copy", StringComparison.Ordinal) && value is JsonArray)
            {
                throw new NotSupportedException("Property loops (\"copy\" arrays) are not evaluated by these tests; write the property without a loop.");
            }

            var name = key;
            if (ArmExpression.IsExpression(key))
            {
                var evaluated = Evaluate(ArmExpression.Parse(key), context);
                name = evaluated is RuntimeValue runtime ? runtime.Text : ArmValue.Text(evaluated);
            }

            result[name] = Evaluate(value, context);
        }

        return result;
    }

    private static object? EvaluateValue(JsonValue value, ArmEvaluationContext context)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                var text = value.GetValue<string>();
                if (ArmExpression.IsExpression(text))
                {
                    return Evaluate(ArmExpression.Parse(text), context);
                }

                return text.StartsWith("[[", StringComparison.Ordinal) ? text[1..] : text;
            case JsonValueKind.Number:
                return value.GetValue<long>();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }

    private static object? Access(object? target, object? property)
    {
        switch (target)
        {
            case ArmObject obj when property is string name:
                return obj.TryGetValue(name, out var value)
                    ? value
                    : throw new KeyNotFoundException($"The object {ArmValue.Render(obj)} has no property '{name}'.");
            case List<object?> list when property is long index:
                return list[(int)index];
            case ModuleReferenceValue module when Is(property, "outputs"):
                return new ModuleOutputsValue(module.Module);
            case ModuleOutputsValue outputs when property is string output:
                return new ModuleOutputValue(outputs.Module, output);
            case ModuleOutputValue output when Is(property, "value"):
                return output.Module.Output(output.Output);
            case RuntimeValue runtime:
                return new RuntimeValue(runtime.Text + (property is string p ? "." + p : "[" + ArmValue.Render(property) + "]"));
            default:
                throw new InvalidOperationException($"Cannot read {ArmValue.Render(property)} of {ArmValue.Render(target)}.");
        }
    }

    private static bool Is(object? value, string name) => value is string s && string.Equals(s, name, StringComparison.OrdinalIgnoreCase);

    private static object? Call(FunctionCall call, ArmEvaluationContext context)
    {
        var name = call.Name.ToLowerInvariant();
        switch (name)
        {
            case "if":
                var condition = Evaluate(call.Arguments[0], context);
                return condition switch
                {
                    true => Evaluate(call.Arguments[1], context),
                    false => Evaluate(call.Arguments[2], context),
                    _ => new RuntimeValue($"if({ArmValue.Render(condition)}, ...)"),
                };
            case "lambda":
                var parameters = call.Arguments.SkipLast(1).Select(a => a is StringLiteral s ? s.Value : throw new FormatException("Lambda parameter names are string literals.")).ToList();
                return new LambdaValue(parameters, call.Arguments[^1], context);
        }

        var args = call.Arguments.Select(a => Evaluate(a, context)).ToList();
        switch (name)
        {
            case "parameters":
                return context.Scope.Parameter(String(args[0]));
            case "variables":
                return context.Scope.Variable(String(args[0]));
            case "lambdavariables":
                return context.LambdaVariables.TryGetValue(String(args[0]), out var lambdaValue)
                    ? lambdaValue
                    : throw new KeyNotFoundException($"No lambda variable '{args[0]}' here.");
            case "copyindex":
                return (context.CopyIndex ?? throw new InvalidOperationException("copyIndex() outside a loop.")) + (args.Count > 0 && args[^1] is long offset ? offset : 0);
            case "true":
                return true;
            case "false":
                return false;
            case "null":
                return null;
            case "createobject":
                var created = new ArmObject();
                for (var i = 0; i + 1 < args.Count; i += 2)
                {
                    created[ArmValue.Text(args[i])] = args[i + 1];
                }

                return created;
            case "createarray":
                return args;
            case "reference":
                return Reference(args[0], context);
            case "resourceid":
            case "subscriptionresourceid":
            case "tenantresourceid":
            case "extensionresourceid":
                return ResourceId(call.Name, args);
            case "guid":
                return new GuidValue(args);
            case "subscription":
                return new ArmObject { ["id"] = "/subscriptions/" + TestSubscriptionId, ["subscriptionId"] = TestSubscriptionId, ["tenantId"] = TestTenantId };
            case "tenant":
                return new ArmObject { ["tenantId"] = TestTenantId };
            case "uniquestring" when args.All(a => a is string):
                return UniqueString(args.Cast<string>());
            case "resourcegroup":
            case "deployment":
            case "environment":
            case "deployer":
                return new RuntimeValue(call.Name + "()");
        }

        if (name == "format" && args.Count == 2 && Equals(args[0], "{0}"))
        {
            return args[1] is string or RuntimeValue ? args[1] : ArmValue.Text(args[1]);
        }

        if (args.Any(a => a is RuntimeValue and not LambdaValue))
        {
            return name is "format" or "concat" && args.All(a => a is string or RuntimeValue)
                ? new RuntimeValue(name == "format" ? Format(args) : string.Concat(args.Select(ArmValue.Text)))
                : new RuntimeValue($"{call.Name}({string.Join(", ", args.Select(ArmValue.Render))})");
        }

        return name switch
        {
            "format" => Format(args),
            "concat" => args.All(a => a is List<object?>)
                ? args.Cast<List<object?>>().SelectMany(a => a).ToList()
                : string.Concat(args.Select(a => a is long l ? l.ToString(CultureInfo.InvariantCulture) : String(a))),
            "union" => Union(args),
            "equals" => Equals(args[0], args[1]),
            "not" => !(bool)args[0]!,
            "and" => args.All(a => (bool)a!),
            "or" => args.Any(a => (bool)a!),
            "empty" => args[0] switch
            {
                null => true,
                string s => s.Length == 0,
                ArmObject o => o.Count == 0,
                List<object?> l => l.Count == 0,
                _ => false,
            },
            "coalesce" => args.FirstOrDefault(a => a is not null),
            "tolower" => String(args[0]).ToLowerInvariant(),
            "toupper" => String(args[0]).ToUpperInvariant(),
            "take" => args[0] is List<object?> list ? list.Take((int)(long)args[1]!).ToList() : new string(String(args[0]).Take((int)(long)args[1]!).ToArray()),
            "replace" => String(args[0]).Replace(String(args[1]), String(args[2]), StringComparison.Ordinal),
            "startswith" => String(args[0]).StartsWith(String(args[1]), StringComparison.OrdinalIgnoreCase),
            "endswith" => String(args[0]).EndsWith(String(args[1]), StringComparison.OrdinalIgnoreCase),
            "string" => args[0] as string ?? ArmValue.Render(args[0]),
            "length" => args[0] switch
            {
                string s => (long)s.Length,
                ArmObject o => o.Count,
                List<object?> l => l.Count,
                _ => throw new InvalidOperationException("length() of " + ArmValue.Render(args[0])),
            },
            "contains" => args[0] switch
            {
                string s => s.Contains(String(args[1]), StringComparison.Ordinal),
                ArmObject o => o.ContainsKey(String(args[1])),
                List<object?> l => l.Any(item => Equals(item, args[1])),
                _ => throw new InvalidOperationException("contains() on " + ArmValue.Render(args[0])),
            },
            "items" => ((ArmObject)args[0]!).OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
                .Select(p => (object?)new ArmObject { ["key"] = p.Key, ["value"] = p.Value })
                .ToList(),
            "filter" => ((List<object?>)args[0]!).Where(item => Invoke((LambdaValue)args[1]!, item) is true).ToList(),
            "map" => ((List<object?>)args[0]!).Select(item => Invoke((LambdaValue)args[1]!, item)).ToList(),
            "toobject" => ((List<object?>)args[0]!).Aggregate(new ArmObject(), (o, item) =>
            {
                o[String(Invoke((LambdaValue)args[1]!, item))] = args.Count > 2 ? Invoke((LambdaValue)args[2]!, item) : item;
                return o;
            }),
            _ => new RuntimeValue($"{call.Name}({string.Join(", ", args.Select(ArmValue.Render))})"),
        };
    }

    /// <summary>
    /// Thirteen lowercase letters and digits determined by the arguments, like ARM's <c>uniqueString</c>
    /// (which these tests need not match: only that equal inputs give equal names, and that names fit).
    /// </summary>
    private static string UniqueString(IEnumerable<string> parts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", parts)));
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        return new string(hash.Take(13).Select(b => Alphabet[b % Alphabet.Length]).ToArray());
    }

    private static object? Invoke(LambdaValue lambda, object? argument)
    {
        var context = lambda.Context with { LambdaVariables = lambda.Context.LambdaVariables.SetItem(lambda.Parameters[0], argument) };
        return Evaluate(lambda.Body, context);
    }

    private static object? Reference(object? target, ArmEvaluationContext context)
    {
        var scope = context.Scope;
        ArmResource? resource = null;
        if (target is string symbolicName)
        {
            resource = scope.BySymbolicName(symbolicName)
                ?? throw new KeyNotFoundException($"Template '{scope.Name}' has no resource named '{symbolicName}'.");
        }
        else if (target is ResourceIdValue id && string.Equals(id.Type, "Microsoft.Resources/deployments", StringComparison.OrdinalIgnoreCase))
        {
            resource = scope.Resources.FirstOrDefault(r => r.Module is not null && Equals(r.Name, id.Names[^1]))
                ?? throw new KeyNotFoundException($"Template '{scope.Name}' has no module deployment named {ArmValue.Render(id.Names[^1])}.");
        }
        else if (target is ResourceIdValue other)
        {
            return new ResourceReferenceValue(other.Type, other.Names.Count == 1 ? other.Names[0] : string.Join("/", other.Names.Select(ArmValue.Text)));
        }

        if (resource is null)
        {
            return new RuntimeValue($"reference({ArmValue.Render(target)})");
        }

        return resource.Module is { } module
            ? new ModuleReferenceValue(module)
            : new ResourceReferenceValue(resource.Type, resource.Name);
    }

    private static ResourceIdValue ResourceId(string function, List<object?> args)
    {
        // resourceId([subscriptionId], [resourceGroupName], type, name1, ...): the type is the first
        // argument with a slash; extensionResourceId(scope, type, names...) starts with a scope.
        var typeIndex = args.FindIndex(a => a is string s && s.Contains('/', StringComparison.Ordinal) && !s.StartsWith('/'));
        if (typeIndex < 0)
        {
            throw new InvalidOperationException($"{function}() without a resource type: {string.Join(", ", args.Select(ArmValue.Render))}");
        }

        return new ResourceIdValue(function, (string)args[typeIndex]!, args.Skip(typeIndex + 1).ToList());
    }

    private static string Format(List<object?> args)
        => FormatItem().Replace(String(args[0]), m => ArmValue.Text(args[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + 1]));

    private static ArmObject Union(List<object?> args)
    {
        if (!args.All(a => a is ArmObject))
        {
            throw new NotSupportedException("union() of anything but objects: " + string.Join(", ", args.Select(ArmValue.Render)));
        }

        var result = new ArmObject();
        foreach (var (key, value) in args.Cast<ArmObject>().SelectMany(o => o))
        {
            result[key] = value;
        }

        return result;
    }

    private static new bool Equals(object? a, object? b) => (a, b) switch
    {
        (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
        (long x, long y) => x == y,
        (bool x, bool y) => x == y,
        (null, null) => true,
        _ => object.Equals(a, b),
    };

    private static string String(object? value)
        => value as string ?? throw new InvalidOperationException("Expected a string, got " + ArmValue.Render(value));

    [GeneratedRegex(@"\{(\d+)(?::[^}]*)?\}")]
    private static partial Regex FormatItem();
}
