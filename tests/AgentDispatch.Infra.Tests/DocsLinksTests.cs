using System.Text.RegularExpressions;
using AgentDispatch.Testing;
using AgentDispatch.Testing.Docs;

namespace AgentDispatch.Infra.Tests;

/// <summary>
/// The README and the pages under docs/ link to each other and into the repository by relative
/// paths: every one of them must lead to a file that exists, and an anchor to a heading that exists.
/// </summary>
public sealed partial class DocsLinksTests
{
    public static TheoryData<string> DocsPages() => new(Pages());

    /// <summary>README.md and docs/*.md, as paths from the repository root.</summary>
    private static List<string> Pages() =>
    [
        "README.md",
        .. Directory.GetFiles(Path.Combine(RepositoryFiles.Root, "docs"), "*.md")
            .Select(page => Path.GetRelativePath(RepositoryFiles.Root, page).Replace('\\', '/'))
            .Order(StringComparer.Ordinal),
    ];

    [Theory]
    [MemberData(nameof(DocsPages))]
    public void Page_RelativeLinks_LeadToFilesAndHeadingsThatExist(string page)
    {
        var broken = BrokenLinks(Path.Combine(RepositoryFiles.Root, page), RepositoryFiles.Root);

        Assert.True(broken.Count == 0, $"{page} has broken links:{Environment.NewLine}{string.Join(Environment.NewLine, broken)}");
    }

    [Fact]
    public void Readme_MapsEveryDocsPage()
    {
        var linked = MarkdownFile.Read(Path.Combine(RepositoryFiles.Root, "README.md")).Links
            .Select(l => l.Target.Split('#')[0])
            .ToHashSet(StringComparer.Ordinal);

        Assert.All(Pages().Where(p => p != "README.md"), page => Assert.Contains(page, linked));
    }

    [Fact]
    public void BrokenLinks_NameAMissingFileAMissingHeadingAndALinkOutOfTheRepository()
    {
        var root = Directory.CreateTempSubdirectory("docs-links-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "docs"));
            File.WriteAllText(Path.Combine(root, "docs", "jobs.md"), "# Durable dispatch jobs\n\n## One agent per request\n\n## Setup\n\n## Setup\n");
            File.WriteAllText(Path.Combine(root, "README.md"), """
                # Title

                [fine](docs/jobs.md) [fine too](docs/jobs.md#one-agent-per-request) [second Setup](docs/jobs.md#setup-1)
                [here](#title) [web](https://example.com/missing.md) ![image](docs/jobs.md)
                [gone](docs/gone.md) [no such heading](docs/jobs.md#no-such-heading) [not here](#nowhere)
                [outside](../elsewhere.md) `[in code](docs/not-a-link.md)`

                ```sh
                echo "[in a fence](docs/not-a-link-either.md)"
                ```
                """);

            var broken = BrokenLinks(Path.Combine(root, "README.md"), root);

            Assert.Equal(4, broken.Count);
            Assert.Contains(broken, b => b.Contains("docs/gone.md", StringComparison.Ordinal) && b.Contains("no such file", StringComparison.Ordinal));
            Assert.Contains(broken, b => b.Contains("docs/jobs.md#no-such-heading", StringComparison.Ordinal) && b.Contains("no heading", StringComparison.Ordinal));
            Assert.Contains(broken, b => b.Contains("#nowhere", StringComparison.Ordinal) && b.Contains("no heading", StringComparison.Ordinal));
            Assert.Contains(broken, b => b.Contains("../elsewhere.md", StringComparison.Ordinal) && b.Contains("outside the repository", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("Durable dispatch jobs", "durable-dispatch-jobs")]
    [InlineData("Routing rules: which agent, when, with what", "routing-rules-which-agent-when-with-what")]
    [InlineData("Point Calendly, Cal.com and Standard Webhooks senders at the app", "point-calendly-calcom-and-standard-webhooks-senders-at-the-app")]
    [InlineData("`azd up`", "azd-up")]
    [InlineData("Without azd: `az deployment sub create`", "without-azd-az-deployment-sub-create")]
    [InlineData("Retries: why a dispatch is never blindly repeated", "retries-why-a-dispatch-is-never-blindly-repeated")]
    public void Anchor_IsTheOneGitHubMakes(string heading, string anchor) => Assert.Equal(anchor, MarkdownFile.Anchor(heading));

    /// <summary>Each relative link of <paramref name="page"/> that leads nowhere, with its line and why.</summary>
    private static List<string> BrokenLinks(string page, string root)
    {
        var file = MarkdownFile.Read(page);
        var folder = Path.GetDirectoryName(page)!;
        var fullRoot = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var broken = new List<string>();
        foreach (var link in file.Links)
        {
            if (Scheme().IsMatch(link.Target))
            {
                continue; // https:, mailto: ... are not the repository's to check (and the network is not ours to use).
            }

            var hash = link.Target.IndexOf('#', StringComparison.Ordinal);
            var path = Uri.UnescapeDataString(hash < 0 ? link.Target : link.Target[..hash]);
            var anchor = hash < 0 ? null : Uri.UnescapeDataString(link.Target[(hash + 1)..]);
            var target = path.Length == 0 ? Path.GetFullPath(page) : Path.GetFullPath(Path.Combine(folder, path));
            var where = $"line {link.Line}: ({link.Target})";

            if (!target.StartsWith(fullRoot, StringComparison.Ordinal))
            {
                broken.Add($"{where} leads outside the repository");
            }
            else if (!File.Exists(target) && !Directory.Exists(target))
            {
                broken.Add($"{where} leads to no such file");
            }
            else if (anchor is { Length: > 0 } && target.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
                     && !MarkdownFile.Read(target).Headings.Any(h => h.Anchor == anchor))
            {
                broken.Add($"{where} names no heading of {Path.GetRelativePath(root, target).Replace('\\', '/')}");
            }
        }

        return broken;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]*:")]
    private static partial Regex Scheme();
}
