using System.Text;
using System.Text.RegularExpressions;

namespace AgentDispatch.Testing.Docs;

/// <summary>A heading: its level (1 for <c>#</c>), its text, and the anchor GitHub gives it.</summary>
public sealed record MarkdownHeading(int Level, string Text, string Anchor, int Line);

/// <summary>
/// A fenced code block: its info string (<c>sh</c>, <c>json</c>, empty), its text without the fences,
/// the text of the nearest heading above it, and the line of its opening fence.
/// </summary>
public sealed record MarkdownCodeBlock(string Info, string Text, string Heading, int Line);

/// <summary>An inline code span outside fenced blocks, with the nearest heading above it.</summary>
public sealed record MarkdownCodeSpan(string Text, string Heading, int Line);

/// <summary>A link or image target as written (<c>docs/jobs.md#one-agent-per-request</c>), outside code.</summary>
public sealed record MarkdownLink(string Target, int Line);

/// <summary>
/// A Markdown file read the way this repository's docs are written: ATX headings, <c>```</c> fences,
/// inline links. Enough for tests that hold the docs to the code and to each other; not a CommonMark
/// parser (no setext headings, no indented code blocks, no nested fences).
/// </summary>
public sealed partial class MarkdownFile
{
    private MarkdownFile(string path) => FilePath = path;

    public string FilePath { get; }

    public IReadOnlyList<MarkdownHeading> Headings { get; private set; } = [];

    public IReadOnlyList<MarkdownCodeBlock> CodeBlocks { get; private set; } = [];

    public IReadOnlyList<MarkdownCodeSpan> CodeSpans { get; private set; } = [];

    public IReadOnlyList<MarkdownLink> Links { get; private set; } = [];

    public static MarkdownFile Read(string path) => Parse(path, File.ReadAllText(path));

    public static MarkdownFile Parse(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var file = new MarkdownFile(path);
        var headings = new List<MarkdownHeading>();
        var blocks = new List<MarkdownCodeBlock>();
        var spans = new List<MarkdownCodeSpan>();
        var links = new List<MarkdownLink>();
        var anchorsSeen = new Dictionary<string, int>(StringComparer.Ordinal);
        var heading = string.Empty;
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        StringBuilder? fence = null;
        var fenceInfo = string.Empty;
        var fenceLine = 0;

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var number = i + 1;
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                if (fence is null)
                {
                    fence = new StringBuilder();
                    fenceInfo = line.TrimStart()[3..].Trim();
                    fenceLine = number;
                }
                else
                {
                    blocks.Add(new MarkdownCodeBlock(fenceInfo, fence.ToString(), heading, fenceLine));
                    fence = null;
                }

                continue;
            }

            if (fence is not null)
            {
                fence.Append(line).Append('\n');
                continue;
            }

            if (HeadingLine().Match(line) is { Success: true } h)
            {
                heading = h.Groups["text"].Value.Trim();
                var anchor = Anchor(heading);
                // GitHub numbers repeated anchors: the second "Setup" is "setup-1".
                if (anchorsSeen.TryGetValue(anchor, out var count))
                {
                    anchorsSeen[anchor] = count + 1;
                    anchor = $"{anchor}-{count}";
                }
                else
                {
                    anchorsSeen[anchor] = 1;
                }

                headings.Add(new MarkdownHeading(h.Groups["hashes"].Length, heading, anchor, number));
            }

            foreach (Match span in CodeSpan().Matches(line))
            {
                spans.Add(new MarkdownCodeSpan(span.Groups["code"].Value, heading, number));
            }

            // Links inside code spans are text, not links: blank the spans out before looking.
            var prose = CodeSpan().Replace(line, m => new string(' ', m.Length));
            foreach (Match link in InlineLink().Matches(prose))
            {
                links.Add(new MarkdownLink(link.Groups["target"].Value, number));
            }

            if (ReferenceDefinition().Match(prose) is { Success: true } definition)
            {
                links.Add(new MarkdownLink(definition.Groups["target"].Value, number));
            }
        }

        if (fence is not null)
        {
            throw new FormatException($"{path}:{fenceLine}: a code fence is opened and never closed.");
        }

        file.Headings = headings;
        file.CodeBlocks = blocks;
        file.CodeSpans = spans;
        file.Links = links;
        return file;
    }

    /// <summary>
    /// The anchor GitHub makes of a heading: lower case, punctuation (backticks, colons, commas,
    /// dots, ...) dropped, each space a hyphen. "Routing rules: which agent, when" is
    /// <c>routing-rules-which-agent-when</c>.
    /// </summary>
    public static string Anchor(string heading)
    {
        ArgumentNullException.ThrowIfNull(heading);
        var slug = new StringBuilder(heading.Length);
        foreach (var c in heading.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }

        return slug.ToString();
    }

    /// <summary>The code blocks and spans under the heading <paramref name="heading"/> (not under its subheadings).</summary>
    public IEnumerable<MarkdownCodeBlock> CodeBlocksUnder(string heading) => CodeBlocks.Where(b => b.Heading == heading);

    [GeneratedRegex(@"^(?<hashes>#{1,6})\s+(?<text>.+?)\s*#*\s*$")]
    private static partial Regex HeadingLine();

    [GeneratedRegex(@"`(?<code>[^`]+)`")]
    private static partial Regex CodeSpan();

    // [text](target) or ![alt](target), with an optional "title"; the text may hold one level of brackets.
    [GeneratedRegex(@"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?(?<target>[^)\s>]+)>?(?:\s+""[^""]*"")?\s*\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"^\s{0,3}\[[^\]]+\]:\s*<?(?<target>[^\s>]+)>?")]
    private static partial Regex ReferenceDefinition();
}
