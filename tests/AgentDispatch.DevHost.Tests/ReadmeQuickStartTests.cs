using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentDispatch.Testing;
using AgentDispatch.Testing.Docs;
using AgentDispatch.VideoSdkEmulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace AgentDispatch.DevHost.Tests;

/// <summary>
/// The README's Quick start, read from README.md and run: its commands name the dev host and the
/// test command, its start-up log is what the dev host logs, and its requests get the answers it
/// shows. If the README stops being true, one of these fails and says which line.
/// </summary>
/// <remarks>
/// The requests are the Quick start's <c>curl</c> commands (in <c>sh</c> blocks and inline code).
/// curl is not run: each command is split the way a POSIX shell splits it, and its method
/// (<c>-X</c>), URL, headers (<c>-H</c>) and body (<c>-d</c>) are sent with HttpClient, in README
/// order, to a dev host built by the same <see cref="DevHostApplication.BuildAsync"/> as
/// <c>dotnet run</c>, with its built-in defaults. The only differences are where things listen:
/// the README's <c>127.0.0.1:7071</c> (the app) and <c>127.0.0.1:7072</c> (the emulator) become free
/// loopback ports, and Storage is the collection's Azurite, so a test never takes a developer's ports.
/// The answer a command is checked against is the <c>json</c> block that follows its block, or the
/// <c># 202 Accepted, Location: ..., "state": "..."</c> comment after it; a command with neither
/// must succeed.
/// </remarks>
[Collection(StorageCollection.Name)]
public sealed partial class ReadmeQuickStartTests(StorageFixture storage)
{
    private const string QuickStart = "Quick start";
    private const string ReadmeEmulatorUrl = "http://127.0.0.1:7072";
    private static readonly Lazy<MarkdownFile> Readme = new(() => MarkdownFile.Read(Path.Combine(RepositoryFiles.Root, "README.md")));

    [Fact]
    public void Commands_RunTheDevHostOnItsDefaultUrl_AndEveryTest()
    {
        var commands = QuickStartBlocks().First(b => b.Info is "sh" or "bash").Text.Split('\n');

        var run = Assert.Single(commands, c => c.StartsWith("dotnet run ", StringComparison.Ordinal));
        var runMatch = DotnetRun().Match(run);
        Assert.True(runMatch.Success, $"The Quick start's run command is not 'dotnet run --project <folder>  # runs the app on <url>': {run}");
        Assert.Equal("src/AgentDispatch.DevHost", runMatch.Groups["project"].Value);
        Assert.True(File.Exists(Path.Combine(RepositoryFiles.Root, runMatch.Groups["project"].Value, "AgentDispatch.DevHost.csproj")));
        Assert.Equal(DevHostApplication.DefaultUrl, runMatch.Groups["url"].Value);

        var test = Assert.Single(commands, c => c.StartsWith("dotnet test ", StringComparison.Ordinal));
        Assert.StartsWith("dotnet test Functions.sln ", test + " ", StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(RepositoryFiles.Root, "Functions.sln")));
    }

    [Fact]
    public async Task StartUpLog_IsWhatTheDevHostLogs()
    {
        var shown = QuickStartBlocks().Single(b => b.Info.Length == 0 && b.Text.Contains("info: AgentDispatch.DevHost[", StringComparison.Ordinal));
        var app = await DevHostApplication.BuildAsync(RunningDevHost.BaseArgs(storage), builder => builder.Logging.AddFakeLogging());
        await using var disposeApp = app;
        await app.StartAsync();
        try
        {
            var emulator = app.Services.GetRequiredService<RunningEmulator>();
            var logged = app.Services.GetFakeLogCollector().GetSnapshot()
                .Where(r => r.Level == LogLevel.Information)
                .Select(r => (r.Category, Id: r.Id.Id, r.Message))
                .ToList();
            var checkedLines = 0;

            foreach (var line in shown.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l != "..."))
            {
                var entry = LogLine().Match(line);
                Assert.True(entry.Success, $"Not a log line the dev host writes: {line}");
                var category = entry.Groups["category"].Value;
                var id = int.Parse(entry.Groups["id"].Value, CultureInfo.InvariantCulture);
                var message = entry.Groups["message"].Value
                    .Replace(DevHostApplication.DefaultUrl, app.Urls.First(), StringComparison.Ordinal)
                    .Replace(ReadmeEmulatorUrl + "/", emulator.BaseAddress.AbsoluteUri, StringComparison.Ordinal);

                if (message.StartsWith("AzureWebJobsStorage is UseDevelopmentStorage=true and nothing listened", StringComparison.Ordinal))
                {
                    // Logged only when the dev host starts Azurite on 10000-10002 itself, which a test
                    // never does (those ports are the developer's); the dev host tests use their own Azurite.
                    continue;
                }

                if (NextRun().Match(message) is { Success: true } timer)
                {
                    // The next run is a time: the README shows one, the dev host logs today's.
                    var prefix = timer.Groups["prefix"].Value;
                    Assert.True(
                        logged.Any(l => l.Category == category && l.Id == id && l.Message.StartsWith(prefix, StringComparison.Ordinal)
                                        && DateTime.TryParseExact(l.Message[prefix.Length..], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)),
                        $"The dev host logged no '{prefix}<time>'; it logged:{Environment.NewLine}{string.Join(Environment.NewLine, logged)}");
                }
                else
                {
                    Assert.True(
                        logged.Contains((category, id, message)),
                        $"The README shows '{line}'; the dev host logged:{Environment.NewLine}{string.Join(Environment.NewLine, logged)}");
                }

                checkedLines++;
            }

            Assert.True(checkedLines >= 3, "The Quick start's start-up log shows fewer lines than expected: is it still there?");
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Requests_GetTheAnswersTheReadmeShows()
    {
        var steps = QuickStartRequests();
        Assert.True(steps.Count >= 2, $"The Quick start has {steps.Count} curl commands; the test expects its requests there.");
        Assert.Contains(steps, s => s.Expected is not null || s.ExpectedJson is not null);

        // Fresh queue and table names: the scheduled job stays in the ledger, so it must not meet
        // another test's jobs in the collection's Azurite. They are storage names, not behaviour.
        await using var host = await RunningDevHost.StartAsync(
            storage,
            $"--DISPATCH_REQUESTS_QUEUE={AzuriteFixture.UniqueName("qsrequests")}",
            $"--DISPATCH_WAKE_QUEUE={AzuriteFixture.UniqueName("qswake")}",
            $"--Jobs:LedgerTable={AzuriteFixture.UniqueName("qsledger")}");
        using var handler = new SocketsHttpHandler { UseProxy = false };
        using var http = new HttpClient(handler);
        CurlRequest? lastDispatch = null;
        string? lastJobId = null;

        foreach (var step in steps)
        {
            var request = step.Request;
            using var message = request.ToHttpRequest(host.BaseAddress, host.Emulator!.BaseAddress);
            using var response = await http.SendAsync(message);
            var body = await response.Content.ReadAsStringAsync();
            var said = $"README line {step.Line}: {request.Method} {request.Url} answered {(int)response.StatusCode} {body}";

            if (step.ExpectedJson is { } expectedJson)
            {
                Assert.True(response.IsSuccessStatusCode, said);
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expectedJson), JsonNode.Parse(body)), $"{said}; the README shows {expectedJson}");
            }
            else if (step.Expected is { } expected)
            {
                Assert.True(expected.Status == (int)response.StatusCode, WindowHint($"{said}; the README says {expected.Status}", request));
                if (expected.LocationPattern is { } location)
                {
                    Assert.Matches(location, response.Headers.Location?.OriginalString ?? "(no Location)");
                }

                var job = JsonNode.Parse(body)!;
                if (expected.State is { } state)
                {
                    Assert.True(state == (string?)job["state"], $"{said}; the README says \"state\": \"{state}\"");
                }

                lastJobId = (string?)job["id"];
            }
            else
            {
                Assert.True(response.IsSuccessStatusCode, said);
            }

            // What the prose around two of the commands promises, checked against the requests before them.
            if (request.Path == "/api/dispatch")
            {
                lastDispatch = request;
            }
            else if (request.Path == "/_emulator/dispatches")
            {
                // "shows what the emulator received: the exact Authorization header and body"
                Assert.NotNull(lastDispatch);
                var received = Assert.Single(JsonNode.Parse(body)!.AsArray());
                Assert.Equal(DevHostApplication.EmulatorToken, (string?)received!["authorization"]);
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse(lastDispatch.Body!), JsonNode.Parse((string)received["body"]!)), said);
            }
            else if (request.Method == "GET" && request.Path == "/api/dispatches" && lastJobId is not null)
            {
                // "and look at it": the job just scheduled is in the list.
                var items = JsonNode.Parse(body)!["items"]!.AsArray();
                Assert.Contains(items, j => (string?)j!["id"] == lastJobId && (string?)j["state"] == "scheduled");
            }
        }
    }

    [Theory]
    [InlineData("""curl -X POST "http://127.0.0.1:7071/api/dispatch" -H "Content-Type: application/json" -d '{"a": "b c"}'""", "POST", "/api/dispatch", """{"a": "b c"}""")]
    [InlineData("""curl -i "http://127.0.0.1:7071/api/dispatches?meetingId=x" -H 'Idempotency-Key: k'""", "GET", "/api/dispatches", null)]
    [InlineData("""curl http://127.0.0.1:7072/_emulator/dispatches""", "GET", "/_emulator/dispatches", null)]
    [InlineData("""curl --data-binary 'x' http://127.0.0.1:7071/api/dispatch  # a comment""", "POST", "/api/dispatch", "x")]
    public void Curl_IsSplitLikeAShellWould(string command, string method, string path, string? body)
    {
        var request = CurlRequest.Parse(ShellScript.Parse(command).Single());

        Assert.Equal(method, request.Method);
        Assert.Equal(path, request.Path);
        Assert.Equal(body, request.Body);
    }

    [Fact]
    public void ShellScript_JoinsContinuationsAndQuotedNewlines_AndKeepsWholeLineComments()
    {
        var items = ShellScript.Parse("""
            curl -X POST "http://127.0.0.1:7071/api/dispatches" \
              -H "Idempotency-Key: k" -d '{
                "meetingId": "m"
              }'
            # 202 Accepted
            curl "http://127.0.0.1:7071/api/dispatches?meetingId=m"   # trailing, not a comment line
            """);

        Assert.Collection(
            items,
            first =>
            {
                Assert.Equal(0, first.Line);
                Assert.Equal(["curl", "-X", "POST", "http://127.0.0.1:7071/api/dispatches", "-H", "Idempotency-Key: k", "-d", "{\n    \"meetingId\": \"m\"\n  }"], first.Words);
            },
            comment =>
            {
                Assert.Equal(4, comment.Line);
                Assert.Equal("# 202 Accepted", comment.Comment);
            },
            last =>
            {
                Assert.Equal(5, last.Line);
                Assert.Equal(["curl", "http://127.0.0.1:7071/api/dispatches?meetingId=m"], last.Words);
            });
    }

    [Theory]
    [InlineData("curl -F file=@x http://127.0.0.1:7071/api/dispatch")]
    [InlineData("curl \"http://127.0.0.1:7071/api/dispatches/$ID\"")]
    [InlineData("curl http://example.com/api/dispatch")]
    public void Curl_ThatTheTestCannotSendFaithfully_IsRefused(string command)
        => Assert.Throws<FormatException>(() => CurlRequest.ToHttpRequestUnchecked(CurlRequest.Parse(ShellScript.Parse(command).Single())));

    private static List<MarkdownCodeBlock> QuickStartBlocks()
    {
        var blocks = Readme.Value.CodeBlocksUnder(QuickStart).ToList();
        Assert.True(blocks.Count > 0, $"README.md has no code blocks under '## {QuickStart}'.");
        return blocks;
    }

    /// <summary>Every curl command of the Quick start, in README order, with the answer the README shows for it.</summary>
    private static List<QuickStartStep> QuickStartRequests()
    {
        var steps = new List<QuickStartStep>();
        var blocks = QuickStartBlocks();
        for (var b = 0; b < blocks.Count; b++)
        {
            if (blocks[b].Info is not ("sh" or "bash" or "shell"))
            {
                continue;
            }

            var items = ShellScript.Parse(blocks[b].Text);
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i].Words is not ["curl", ..])
                {
                    continue;
                }

                var line = blocks[b].Line + 1 + items[i].Line;
                ExpectedAnswer? expected = null;
                string? json = null;
                if (i + 1 < items.Count && items[i + 1].Comment is { } comment)
                {
                    expected = ExpectedAnswer.Parse(comment, line);
                }
                else if (!items.Skip(i + 1).Any(x => x.Words is ["curl", ..]) && b + 1 < blocks.Count && blocks[b + 1].Info == "json")
                {
                    json = blocks[b + 1].Text;
                }

                steps.Add(new QuickStartStep(line, CurlRequest.Parse(items[i]), expected, json));
            }
        }

        foreach (var span in Readme.Value.CodeSpans.Where(s => s.Heading == QuickStart && s.Text.StartsWith("curl ", StringComparison.Ordinal)))
        {
            steps.Add(new QuickStartStep(span.Line, CurlRequest.Parse(ShellScript.Parse(span.Text).Single()), null, null));
        }

        return [.. steps.OrderBy(s => s.Line)];
    }

    private static string WindowHint(string said, CurlRequest request)
        => said.Contains("urn:agentdispatch:problem:window", StringComparison.Ordinal)
            ? $"{said}. The Quick start's dispatchAt in {request.Body} has left the window a job may be scheduled in (after now, at most Jobs:MaxScheduleAhead ahead): move it, and its Idempotency-Key, to a date within the coming year."
            : said;

    private sealed record QuickStartStep(int Line, CurlRequest Request, ExpectedAnswer? Expected, string? ExpectedJson);

    /// <summary>The answer a shell comment after a command promises: <c># 202 Accepted, Location: /api/dispatches/&lt;id&gt;, and the job with "state": "scheduled"</c>.</summary>
    private sealed partial record ExpectedAnswer(int Status, string? LocationPattern, string? State)
    {
        public static ExpectedAnswer Parse(string comment, int line)
        {
            var status = StatusComment().Match(comment);
            if (!status.Success)
            {
                throw new FormatException($"README line {line}: the comment after a curl command does not start with the status it answers ('# 202 ...'): {comment}");
            }

            var location = LocationComment().Match(comment) is { Success: true } l
                ? "^" + Regex.Escape(l.Groups["location"].Value).Replace("<id>", "[A-Za-z0-9_-]{22}", StringComparison.Ordinal) + "$"
                : null;
            var state = StateComment().Match(comment) is { Success: true } s ? s.Groups["state"].Value : null;
            return new ExpectedAnswer(int.Parse(status.Groups["status"].Value, CultureInfo.InvariantCulture), location, state);
        }

        [GeneratedRegex(@"^#\s*(?<status>[1-5]\d\d)\b")]
        private static partial Regex StatusComment();

        [GeneratedRegex(@"Location:\s*(?<location>[^\s,]+)")]
        private static partial Regex LocationComment();

        [GeneratedRegex(@"""state"":\s*""(?<state>[a-z]+)""")]
        private static partial Regex StateComment();
    }

    /// <summary>
    /// A curl command line as the shell would hand it to curl: single quotes literal, double quotes
    /// with <c>\"</c> and <c>\\</c>, an unquoted <c>#</c> starting a comment. Anything the test cannot
    /// send as curl would (a shell variable, an option it does not know) is refused, not guessed at.
    /// </summary>
    private sealed record CurlRequest(string Method, string Url, IReadOnlyList<(string Name, string Value)> Headers, string? Body)
    {
        public string Path => new Uri(Url).AbsolutePath;

        public static CurlRequest Parse(ShellItem item)
        {
            var command = item.Text;
            if (item.Words is not ["curl", ..] words)
            {
                throw new FormatException($"Not a curl command: {command}");
            }

            if (item.Unsupported is { } unsupported)
            {
                throw new FormatException($"The command {unsupported}, which the test cannot follow: {command}");
            }

            string? method = null;
            string? url = null;
            string? body = null;
            var headers = new List<(string, string)>();
            for (var i = 1; i < words.Count; i++)
            {
                var word = words[i];
                switch (word)
                {
                    case "-X" or "--request":
                        method = Next(words, ref i, command);
                        break;
                    case "-H" or "--header":
                        var header = Next(words, ref i, command);
                        var colon = header.IndexOf(':', StringComparison.Ordinal);
                        if (colon <= 0)
                        {
                            throw new FormatException($"Not a header: '{header}' in {command}");
                        }

                        headers.Add((header[..colon].Trim(), header[(colon + 1)..].Trim()));
                        break;
                    case "-d" or "--data" or "--data-raw" or "--data-binary":
                        body = Next(words, ref i, command);
                        if (word != "--data-raw" && body.StartsWith('@'))
                        {
                            throw new FormatException($"curl would read the body from a file: {command}");
                        }

                        break;
                    case "-i" or "--include" or "-s" or "--silent" or "-S" or "--show-error" or "-sS" or "-v" or "--verbose":
                        break; // what curl prints, not what it sends
                    default:
                        if (word.StartsWith('-'))
                        {
                            throw new FormatException($"The test does not know curl's {word} (in {command}): teach it, or keep the Quick start to -X, -H, -d and -i.");
                        }

                        if (url is not null)
                        {
                            throw new FormatException($"Two URLs in {command}");
                        }

                        url = word;
                        break;
                }
            }

            if (url is null)
            {
                throw new FormatException($"No URL in {command}");
            }

            return new CurlRequest(method ?? (body is null ? "GET" : "POST"), url, headers, body);
        }

        /// <summary>The request curl would send, with the README's loopback addresses moved to <paramref name="app"/> and <paramref name="emulator"/>.</summary>
        public HttpRequestMessage ToHttpRequest(Uri app, Uri emulator)
        {
            var message = ToHttpRequestUnchecked(this);
            var readmeUri = message.RequestUri!;
            var target = readmeUri.GetLeftPart(UriPartial.Authority) == DevHostApplication.DefaultUrl ? app : emulator;
            message.RequestUri = new Uri(target, readmeUri.PathAndQuery);
            return message;
        }

        public static HttpRequestMessage ToHttpRequestUnchecked(CurlRequest request)
        {
            if (request.Url.Contains('$', StringComparison.Ordinal) || (request.Body?.Contains("$(", StringComparison.Ordinal) ?? false))
            {
                throw new FormatException($"The command uses a shell variable the test cannot expand: {request.Url}");
            }

            var uri = new Uri(request.Url);
            var authority = uri.GetLeftPart(UriPartial.Authority);
            if (authority != DevHostApplication.DefaultUrl && authority != ReadmeEmulatorUrl)
            {
                throw new FormatException($"The Quick start sends to {authority}; the test knows only the dev host ({DevHostApplication.DefaultUrl}) and its emulator ({ReadmeEmulatorUrl}).");
            }

            var message = new HttpRequestMessage(new HttpMethod(request.Method), uri);
            if (request.Body is { } body)
            {
                message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
                // curl's -d sends this type unless a Content-Type header says otherwise.
                message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded");
            }

            foreach (var (name, value) in request.Headers)
            {
                if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) && message.Content is not null)
                {
                    message.Content.Headers.Remove("Content-Type");
                    message.Content.Headers.TryAddWithoutValidation(name, value);
                }
                else if (!message.Headers.TryAddWithoutValidation(name, value))
                {
                    throw new FormatException($"The test cannot send the header '{name}: {value}'.");
                }
            }

            return message;
        }

        private static string Next(IReadOnlyList<string> words, ref int i, string command)
            => ++i < words.Count ? words[i] : throw new FormatException($"{words[i - 1]} without a value in {command}");
    }

    /// <summary>
    /// One command of a shell script (its words as the shell splits them, its text, and why the test
    /// could not run it faithfully, if so) or one whole-line comment; <see cref="Line"/> counts from 0.
    /// </summary>
    private sealed record ShellItem(int Line, string Text, IReadOnlyList<string>? Words, string? Comment, string? Unsupported);

    /// <summary>
    /// A POSIX shell's word splitting, enough for copy-paste commands: single quotes literal, double
    /// quotes with <c>\"</c>, <c>\\</c>, <c>\$</c>; backslash-newline continues a line; a newline outside
    /// quotes ends a command; an unquoted <c>#</c> starts a comment. Expansions (<c>$</c>) and
    /// pipes, lists and redirections are noted as unsupported rather than guessed at.
    /// </summary>
    private static class ShellScript
    {
        public static List<ShellItem> Parse(string script)
        {
            var items = new List<ShellItem>();
            var words = new List<string>();
            var word = new StringBuilder();
            var inWord = false;
            string? unsupported = null;
            var line = 0;
            var start = 0;
            var startIndex = 0;

            void EndWord()
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }

            void EndCommand(int endIndex)
            {
                EndWord();
                if (words.Count > 0)
                {
                    items.Add(new ShellItem(start, script[startIndex..endIndex].Trim(), [.. words], null, unsupported));
                    words.Clear();
                }

                unsupported = null;
            }

            for (var i = 0; i < script.Length; i++)
            {
                var c = script[i];
                if (words.Count == 0 && !inWord && !char.IsWhiteSpace(c) && c != '#')
                {
                    start = line;
                    startIndex = i;
                }

                if (c == '\n')
                {
                    EndCommand(i);
                    line++;
                }
                else if (c == '\'')
                {
                    var end = script.IndexOf('\'', i + 1);
                    if (end < 0)
                    {
                        throw new FormatException($"Unclosed ' in: {script}");
                    }

                    word.Append(script, i + 1, end - i - 1);
                    line += script.AsSpan(i, end - i).Count('\n');
                    i = end;
                    inWord = true;
                }
                else if (c == '"')
                {
                    for (i++; i < script.Length && script[i] != '"'; i++)
                    {
                        if (script[i] == '\\' && i + 1 < script.Length && script[i + 1] is '"' or '\\' or '$' or '`' or '\n')
                        {
                            i++;
                            if (script[i] == '\n')
                            {
                                line++;
                                continue;
                            }
                        }
                        else if (script[i] is '$' or '`')
                        {
                            unsupported ??= $"expands '{script[i]}'";
                        }

                        line += script[i] == '\n' ? 1 : 0;
                        word.Append(script[i]);
                    }

                    if (i >= script.Length)
                    {
                        throw new FormatException($"Unclosed \" in: {script}");
                    }

                    inWord = true;
                }
                else if (c == '\\' && i + 1 < script.Length)
                {
                    if (script[++i] == '\n')
                    {
                        line++; // a continuation: the command goes on on the next line
                    }
                    else
                    {
                        word.Append(script[i]);
                        inWord = true;
                    }
                }
                else if (char.IsWhiteSpace(c))
                {
                    EndWord();
                }
                else if (c == '#' && !inWord)
                {
                    var eol = script.IndexOf('\n', i);
                    eol = eol < 0 ? script.Length : eol;
                    if (words.Count == 0)
                    {
                        items.Add(new ShellItem(line, script[i..eol].Trim(), null, script[i..eol].Trim(), null));
                    }

                    i = eol - 1;
                }
                else
                {
                    if (c is '$' or '`' or '|' or ';' or '&' or '<' or '>' or '(' or ')')
                    {
                        unsupported ??= $"uses '{c}'";
                    }

                    word.Append(c);
                    inWord = true;
                }
            }

            EndCommand(script.Length);
            return items;
        }
    }

    [GeneratedRegex(@"^dotnet run --project (?<project>\S+)\s+#\s*runs the app on (?<url>http://\S+)$")]
    private static partial Regex DotnetRun();

    [GeneratedRegex(@"^info: (?<category>\S+)\[(?<id>\d+)\] (?<message>.*)$")]
    private static partial Regex LogLine();

    [GeneratedRegex(@"^(?<prefix>.+, next run )\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")]
    private static partial Regex NextRun();
}
