using System.Globalization;
using CsCheck;

namespace AgentDispatch.Testing.Properties;

/// <summary>
/// Runs a property over generated cases the same way on every run: case <c>i</c> is generated from
/// PCG stream <c>i</c> of one fixed seed, so CI tries the same inputs each time and a failure is
/// replayed by its case number. Only a failure goes random: CsCheck then starts from the failing
/// case's seed and searches for a smaller input that fails too, and the report gives both.
/// <c>AGENTDISPATCH_PROPERTY_CASES</c> multiplies every property's case count (a longer run on demand)
/// and <c>AGENTDISPATCH_PROPERTY_SEED</c> picks other inputs.
/// </summary>
public static class PropertyRun
{
    public const string ScaleVariable = "AGENTDISPATCH_PROPERTY_CASES";

    public const string SeedVariable = "AGENTDISPATCH_PROPERTY_SEED";

    /// <summary>The seed CI uses; any other is a different, equally fixed, set of inputs.</summary>
    public const ulong DefaultSeed = 20261203;

    public static ulong Seed => ulong.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var seed) ? seed : DefaultSeed;

    /// <summary><paramref name="ciCases"/> times the on-demand multiplier (1 unless <c>AGENTDISPATCH_PROPERTY_CASES</c> says otherwise).</summary>
    public static int Cases(int ciCases)
        => int.TryParse(Environment.GetEnvironmentVariable(ScaleVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var scale) && scale > 0 ? ciCases * scale : ciCases;

    /// <summary>The generated value of case <paramref name="index"/>, and the seed that regenerates it.</summary>
    public static (T Value, string SeedText) Case<T>(Gen<T> gen, int index)
    {
        ArgumentNullException.ThrowIfNull(gen);
        var pcg = new PCG((uint)index, Seed);
        var seedText = pcg.ToString();
        return (gen.Generate(pcg, null, out _), seedText);
    }

    /// <summary>
    /// <paramref name="property"/> over <paramref name="cases"/> generated values, one after another;
    /// it fails by throwing. The first failure is shrunk (up to <paramref name="shrinkIterations"/> more
    /// tries) and reported with its case number, seed and input. Returns the number of cases tried.
    /// </summary>
    public static async Task<int> CheckAsync<T>(Gen<T> gen, Func<T, Task> property, int cases, Func<T, string> print, int shrinkIterations = 100)
    {
        ArgumentNullException.ThrowIfNull(property);
        ArgumentNullException.ThrowIfNull(print);
        for (var i = 0; i < cases; i++)
        {
            var (value, seedText) = Case(gen, i);
            try
            {
                await property(value).ConfigureAwait(false);
            }
            catch (Exception failure)
            {
                var shrunk = "(no smaller failing input found)";
                if (shrinkIterations > 0)
                {
                    // Each failure's reason, by its input: CsCheck reports the smallest input, not why it failed.
                    var reasons = new Dictionary<string, string>(StringComparer.Ordinal);
                    try
                    {
                        await CsCheck.Check.SampleAsync(gen, async candidate =>
                        {
                            try
                            {
                                await property(candidate).ConfigureAwait(false);
                            }
                            catch (Exception again)
                            {
                                reasons[print(candidate)] = again.Message;
                                throw;
                            }
                        }, seed: seedText, iter: shrinkIterations, threads: 1, print: print).ConfigureAwait(false);
                    }
                    catch (Exception smaller)
                    {
                        var reason = reasons.FirstOrDefault(r => smaller.Message.Contains(r.Key, StringComparison.Ordinal)).Value;
                        shrunk = smaller.Message + (reason is null ? "" : "\nWhy: " + reason);
                    }
                }

                throw new PropertyFailedException(
                    $"Case {i} of {cases} (seed {seedText}, {SeedVariable}={Seed}) failed: {failure.Message}\nInput: {Cut(print(value))}\nShrunk: {Cut(shrunk)}", failure);
            }
        }

        return cases;
    }

    /// <summary>
    /// As <see cref="CheckAsync"/>, for a property that needs no I/O (a parser, a schedule): <paramref name="ciCases"/>
    /// scaled by the on-demand multiplier, then a line to <paramref name="writeLine"/> with the count, the time
    /// taken and the slowest case, which is where a runaway input shows before it becomes a hang.
    /// </summary>
    public static int Check<T>(Action<string> writeLine, Gen<T> gen, Action<T> property, int ciCases, Func<T, string>? print = null, int shrinkIterations = 3000)
    {
        ArgumentNullException.ThrowIfNull(writeLine);
        ArgumentNullException.ThrowIfNull(property);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var slowest = (Took: TimeSpan.Zero, Case: 0);
        var number = 0;
        var cases = CheckAsync(gen, value =>
        {
            var started = clock.Elapsed;
            property(value);
            slowest = clock.Elapsed - started > slowest.Took ? (clock.Elapsed - started, number) : slowest;
            number++;
            return Task.CompletedTask;
        }, Cases(ciCases), print ?? (value => value?.ToString() ?? "null"), shrinkIterations).GetAwaiter().GetResult();
        writeLine(string.Create(CultureInfo.InvariantCulture,
            $"{cases} cases from seed {Seed} ({ScaleVariable} multiplies them, {SeedVariable} picks others), {clock.Elapsed.TotalSeconds:0.0} s; the slowest, case {slowest.Case}, {slowest.Took.TotalMilliseconds:0} ms."));
        return cases;
    }

    private static string Cut(string text) => text.Length > 4000 ? text[..4000] + $"… ({text.Length} chars)" : text;
}

public sealed class PropertyFailedException(string message, Exception inner) : Exception(message, inner);
