using CsCheck;

namespace AgentDispatch.Testing.Properties;

/// <summary>
/// A real payload, changed the way a hostile sender changes one: at a chosen rate each field is replaced
/// by any JSON value (or, for the fields <c>special</c> knows, by one of its own hostile values), dropped,
/// or joined by an unknown field. A rate of 0 keeps the payload as it is.
/// </summary>
public static class Mutation
{
    /// <summary>The rate, in percent per field, that a case is generated at: a third untouched, the rest lightly or heavily.</summary>
    public static Gen<int> Rate { get; } = Gen.Frequency((30, Gen.Const(0)), (40, Gen.Const(3)), (30, Gen.Const(15)));

    public static Gen<GenJson> Of(GenJson template, int ratePercent, Func<string, Gen<GenJson>?>? special = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        return ratePercent <= 0 ? Gen.Const(template) : Node(template, "", ratePercent, special ?? (_ => null), HostileGen.Json(2));
    }

    /// <summary><paramref name="root"/> with the value at <paramref name="path"/> (object keys) set, the objects on the way created.</summary>
    public static GenJson With(GenJson root, GenJson value, params string[] path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            return value;
        }

        var map = root as GenJson.Map ?? new GenJson.Map([]);
        var child = With(map[path[0]] ?? new GenJson.Map([]), value, path[1..]);
        var properties = map.Properties.Where(p => p.Key != path[0]).ToList();
        var at = map.Properties.ToList().FindIndex(p => p.Key == path[0]);
        properties.Insert(at < 0 ? properties.Count : at, new(path[0], child));
        return new GenJson.Map(properties);
    }

    private static Gen<GenJson> Node(GenJson template, string key, int rate, Func<string, Gen<GenJson>?> special, Gen<GenJson> any)
    {
        var kept = template switch
        {
            GenJson.Map map => Properties(map, rate, special, any),
            GenJson.List list => Items(list, rate, special, any),
            _ => Gen.Const(template),
        };
        var replaced = special(key) is { } own ? Gen.Frequency((1, own), (1, any)) : any;
        return Gen.Frequency((100 - rate, kept), (rate, replaced));
    }

    private static Gen<GenJson> Properties(GenJson.Map map, int rate, Func<string, Gen<GenJson>?> special, Gen<GenJson> any)
    {
        Gen<List<KeyValuePair<string, GenJson>>> properties = Gen.Const(0).Select(_ => new List<KeyValuePair<string, GenJson>>());
        foreach (var (name, value) in map.Properties)
        {
            var field = Gen.Frequency(
                (100 - (rate / 3), Node(value, name, rate, special, any).Select(v => (KeyValuePair<string, GenJson>?)new(name, v))),
                (Math.Max(rate / 3, 1), Gen.Const((KeyValuePair<string, GenJson>?)null)));
            properties = properties.SelectMany(list => field.Select(p =>
            {
                var next = new List<KeyValuePair<string, GenJson>>(list);
                if (p is { } kept)
                {
                    next.Add(kept);
                }

                return next;
            }));
        }

        var extra = Gen.Frequency(
            (100 - rate, Gen.Const(0).Select(_ => (KeyValuePair<string, GenJson>?)null)),
            (rate, Gen.Select(HostileGen.Text, any, (name, value) => (KeyValuePair<string, GenJson>?)new(name, value))));
        return properties.SelectMany(list => extra.Select(e => (GenJson)new GenJson.Map(e is { } added ? [.. list, added] : list)));
    }

    private static Gen<GenJson> Items(GenJson.List list, int rate, Func<string, Gen<GenJson>?> special, Gen<GenJson> any)
    {
        Gen<List<GenJson>> items = Gen.Const(0).Select(_ => new List<GenJson>());
        foreach (var item in list.Items)
        {
            var node = Node(item, "", rate, special, any);
            items = items.SelectMany(done => node.Select(v => new List<GenJson>(done) { v }));
        }

        return items.Select(done => (GenJson)new GenJson.List(done));
    }
}
