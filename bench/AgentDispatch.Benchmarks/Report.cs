using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace AgentDispatch.Benchmarks;

/// <summary>The benchmark's Markdown report: one row a figure, with its target and, where there is one, the ratio.</summary>
public sealed class Report
{
    private readonly List<string> _rows = [];
    private readonly List<string> _notes = [];

    public void Row(string figure, string baseline, string ours, string ratio, string target)
    {
        _rows.Add($"| {figure} | {baseline} | {ours} | {ratio} | {target} |");
        Console.WriteLine($"  {figure}: {baseline} | {ours} | {ratio} | target {target}");
    }

    public void Note(string note) => _notes.Add(note);

    public static string N(double value, string format = "F0") => value.ToString(format, CultureInfo.InvariantCulture);

    public string ToMarkdown(BenchmarkSettings settings)
    {
        var text = new StringBuilder();
        text.AppendLine("# AgentDispatch benchmark report");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription.Trim()}, {RuntimeInformation.ProcessArchitecture}, .NET {Environment.Version}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC; run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Load: {settings.Concurrency} concurrent clients on loopback, {settings.Duration.TotalSeconds:F0} s a run; ratios compare figures measured in this same run.");
        text.AppendLine();
        text.AppendLine("| figure | baseline | AgentDispatch | ratio | target |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var row in _rows)
        {
            text.AppendLine(row);
        }

        if (_notes.Count > 0)
        {
            text.AppendLine();
            foreach (var note in _notes)
            {
                text.AppendLine("- " + note);
            }
        }

        return text.ToString();
    }
}
