using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace AgentDispatch.Status;

/// <summary>
/// The status page as one self-contained HTML document: inline CSS, an inline SVG timeline and a small
/// inline script, nothing fetched from anywhere but the page's own URL, so it works offline and behind a
/// function key. The script refreshes the page's content in place every <see cref="RefreshSeconds"/>
/// seconds by fetching <c>location.href</c> again — the same URL, <c>?code=</c> included. Every value from
/// the ledger is HTML-encoded; the content security policy allows only this page's own script and style.
/// </summary>
public static class StatusPage
{
    public const int RefreshSeconds = 10;

    /// <summary>The timeline's widths: the smallest that holds every upcoming job is used.</summary>
    private static readonly TimeSpan[] Spans = [TimeSpan.FromHours(6), TimeSpan.FromHours(24), TimeSpan.FromDays(3), TimeSpan.FromDays(7)];

    private const double Width = 1000;
    private const double AxisY = 28;
    private const double LaneHeight = 18;
    private const int Lanes = 5;
    private const double CharWidth = 6.6;

    private const string Css = """
        :root { color-scheme: light dark; --fg: #1b1f24; --muted: #59636e; --bg: #fff; --panel: #f6f8fa; --line: #d1d9e0;
          --ok: #1a7f37; --bad: #cf222e; --warn: #bc4c00; --info: #0969da; font: 14px/1.45 system-ui, sans-serif; }
        @media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --panel: #151b23; --line: #3d444d;
          --ok: #3fb950; --bad: #f85149; --warn: #db6d28; --info: #4493f8; } }
        body { margin: 0; color: var(--fg); background: var(--bg); }
        header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 1.5rem; padding: .75rem 1.25rem; border-bottom: 1px solid var(--line); }
        h1 { font-size: 1.25rem; margin: 0; }
        h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
        main { padding: .75rem 1.25rem 2rem; display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); }
        section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; min-width: 0; }
        section.wide { grid-column: 1 / -1; }
        .muted, caption, #refresh { color: var(--muted); }
        #refresh.bad { color: var(--bad); }
        table { border-collapse: collapse; width: 100%; font-size: 13px; }
        caption { text-align: left; padding-bottom: .25rem; }
        th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
        code { font-size: 12px; }
        .scroll { overflow-x: auto; }
        tr.bad td:first-child { box-shadow: inset 4px 0 var(--bad); }
        tr.warn td:first-child { box-shadow: inset 4px 0 var(--warn); }
        .badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; border: 1px solid currentColor; font-size: 12px; white-space: nowrap; }
        .bad { color: var(--bad); } .warn { color: var(--warn); } .ok { color: var(--ok); } .info { color: var(--info); }
        tr.bad, tr.warn { color: inherit; }
        td.bad, td.warn { font-weight: 600; }
        .alert { grid-column: 1 / -1; border-color: var(--bad); color: var(--bad); font-weight: 600; }
        dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
        dt { color: var(--muted); } dd { margin: 0; }
        ul.plain { margin: 0; padding: 0; list-style: none; }
        svg { width: 100%; height: auto; display: block; margin-bottom: .5rem; }
        svg .axis { stroke: var(--muted); } svg .tick { stroke: var(--line); }
        svg text { fill: var(--fg); font-size: 12px; } svg text.tick-label { fill: var(--muted); font-size: 11px; }
        svg .job circle { fill: var(--info); } svg .job.overdue circle, svg .job.dispatching circle { fill: var(--warn); }
        svg .job line { stroke: var(--info); stroke-dasharray: 2 2; } svg .now { stroke: var(--ok); stroke-width: 2; }
        """;

    private static readonly string Script = $$"""
        (() => {
          const every = {{RefreshSeconds * 1000}};
          const status = document.getElementById('refresh');
          let refreshed = 0;
          const refresh = async () => {
            try {
              // The page's own URL again: the function key in ?code= goes with it.
              const response = await fetch(location.href, { cache: 'no-store', headers: { accept: 'text/html' } });
              if (!response.ok) throw new Error('HTTP ' + response.status);
              const next = new DOMParser().parseFromString(await response.text(), 'text/html').querySelector('main');
              if (!next) throw new Error('no content');
              document.querySelector('main').replaceWith(next);
              refreshed++;
              document.documentElement.dataset.refreshes = String(refreshed);
              status.className = '';
              status.textContent = 'Refreshed at ' + new Date().toLocaleTimeString() + '; refreshes itself every {{RefreshSeconds}} s.';
            } catch (error) {
              status.className = 'bad';
              status.textContent = 'Refresh failed (' + error.message + ') at ' + new Date().toLocaleTimeString() + '; showing older content, trying again in {{RefreshSeconds}} s.';
            } finally {
              setTimeout(refresh, every);
            }
          };
          setTimeout(refresh, every);
        })();
        """;

    /// <summary>
    /// The page's content security policy: its own script and style by hash, requests only to its own
    /// origin, nothing else — a page that tried to load anything from outside would be stopped by the browser.
    /// </summary>
    public static string ContentSecurityPolicy { get; } =
        $"default-src 'none'; script-src '{Hash(Script)}'; style-src '{Hash(Css)}'; connect-src 'self'; img-src data:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static string Render(StatusReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder(32 * 1024);
        html.Append(CultureInfo.InvariantCulture, $"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <noscript><meta http-equiv="refresh" content="{RefreshSeconds}"></noscript>
            <link rel="icon" href="data:,">
            <title>AgentDispatch status</title>
            <style>{Css}</style>
            </head>
            <body>
            <header><h1>AgentDispatch status</h1><p id="refresh" role="status">Refreshes itself every {RefreshSeconds} s.</p></header>

            """);
        html.Append(CultureInfo.InvariantCulture, $"<main data-generated=\"{report.GeneratedAt.UtcDateTime:O}\">\n");
        Summary(html, report);
        Timeline(html, report);
        Outcomes(html, report);
        Counts(html, report);
        Backlog(html, report.Backlog);
        Mailboxes(html, report);
        Configuration(html, report.Configuration);
        html.Append("</main>\n<script>").Append(Script).Append("</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void Summary(StringBuilder html, StatusReport report)
    {
        var s = report.Sample;
        html.Append("<section class=\"wide\" id=\"summary\"><p>As of ").Append(Time(report.GeneratedAt)).Append(". ");
        html.Append(CultureInfo.InvariantCulture,
            $"Counts and outcomes are of the <strong>{s.JobsRead:N0} jobs read</strong> from the ledger (at most {s.Limit:N0} per page load, in the ledger's storage order: a sample, not the newest)");
        html.Append(s.MoreInLedger ? "; <strong>the ledger holds more jobs than these</strong>. " : ". ");
        html.Append(CultureInfo.InvariantCulture, $"The timeline reads the next {StatusReader.MaxScheduledRead:N0} jobs by dispatch time, from an hour ago");
        html.Append(s.MoreScheduled ? " and there are more." : ".");
        html.Append("</p></section>\n");

        var failed = report.Latest.Count(j => j.State == "failed");
        var notJoined = report.Latest.Count(j => j.State == "not-joined");
        if (failed + notJoined > 0)
        {
            html.Append("<section class=\"alert\" id=\"alerts\" role=\"alert\">");
            html.Append(CultureInfo.InvariantCulture, $"Among the latest outcomes: {failed} failed, {notJoined} not joined.");
            html.Append("</section>\n");
        }
    }

    private static void Timeline(StringBuilder html, StatusReport report)
    {
        var now = report.GeneratedAt;
        var upcoming = report.Upcoming;
        html.Append("<section class=\"wide\" id=\"timeline\"><h2>Upcoming</h2>\n");
        if (upcoming.Count == 0)
        {
            html.Append("<p class=\"muted\">No scheduled jobs.</p></section>\n");
            return;
        }

        var last = upcoming.Max(j => j.DueAt) - now;
        var span = Spans.FirstOrDefault(s => s >= last, Spans[^1]);
        var inSpan = upcoming.Where(j => j.DueAt - now <= span).ToList();
        // Labels go in the first lane where they do not overlap the one before; a job with no free lane is a dot with a tooltip.
        var lanes = new double[Lanes];
        Array.Fill(lanes, double.NegativeInfinity);
        var marks = new List<(StatusJob Job, double X, string Label, bool RightAligned, int Lane)>();
        foreach (var job in inSpan)
        {
            var x = Math.Max(4, X(job.DueAt, now, span));
            var label = Truncate(job.MeetingId, 24);
            var width = (label.Length * CharWidth) + 10;
            var rightAligned = x + width > Width;
            var (from, to) = rightAligned ? (x - width, x) : (x, x + width);
            var lane = Array.FindIndex(lanes, end => end < from);
            if (lane >= 0)
            {
                lanes[lane] = to;
            }

            marks.Add((job, x, label, rightAligned, lane));
        }

        var height = AxisY + 12 + (Math.Max(1, marks.Select(m => m.Lane + 1).DefaultIfEmpty(1).Max()) * LaneHeight);
        html.Append(CultureInfo.InvariantCulture, $"<svg viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-label=\"Upcoming jobs over the next {Span(span)}\">\n");
        html.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"0\" y1=\"{AxisY}\" x2=\"{Width}\" y2=\"{AxisY}\"/>\n");
        var step = span.TotalHours switch { <= 6 => TimeSpan.FromHours(1), <= 24 => TimeSpan.FromHours(3), <= 72 => TimeSpan.FromHours(12), _ => TimeSpan.FromDays(1) };
        var first = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        for (var tick = first; tick <= now + span; tick += step)
        {
            if (tick <= now)
            {
                continue;
            }

            var x = X(tick, now, span);
            var label = step >= TimeSpan.FromHours(12) || tick.UtcDateTime.TimeOfDay == TimeSpan.Zero
                ? tick.UtcDateTime.ToString("ddd HH:mm", CultureInfo.InvariantCulture)
                : tick.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture);
            html.Append(CultureInfo.InvariantCulture, $"<line class=\"tick\" x1=\"{x:0.#}\" y1=\"{AxisY - 6}\" x2=\"{x:0.#}\" y2=\"{height}\"/>");
            html.Append(CultureInfo.InvariantCulture, $"<text class=\"tick-label\" x=\"{x:0.#}\" y=\"{AxisY - 10}\" text-anchor=\"middle\">{label}</text>\n");
        }

        html.Append(CultureInfo.InvariantCulture, $"<line class=\"now\" x1=\"1\" y1=\"{AxisY - 14}\" x2=\"1\" y2=\"{height}\"/><text class=\"tick-label\" x=\"4\" y=\"{AxisY - 18}\">now</text>\n");
        foreach (var (job, x, label, rightAligned, lane) in marks)
        {
            var classes = "job " + job.State + (job.DueAt < now ? " overdue" : string.Empty);
            html.Append(CultureInfo.InvariantCulture, $"<g class=\"{classes}\"><title>{E(job.MeetingId)} · {E(job.AgentId)} · {E(job.Source)} · {job.State} · due {Stamp(job.DueAt)} ({Relative(job.DueAt, now)})</title>");
            html.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{x:0.#}\" cy=\"{AxisY}\" r=\"4\"/>");
            if (lane >= 0)
            {
                var y = AxisY + 14 + (lane * LaneHeight);
                html.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:0.#}\" y1=\"{AxisY + 4}\" x2=\"{x:0.#}\" y2=\"{y - 4}\"/>");
                html.Append(CultureInfo.InvariantCulture, $"<text x=\"{(rightAligned ? x - 3 : x + 3):0.#}\" y=\"{y + 5}\"{(rightAligned ? " text-anchor=\"end\"" : string.Empty)}>{E(label)}</text>");
            }

            html.Append("</g>\n");
        }

        html.Append("</svg>\n");
        var later = upcoming.Count - inSpan.Count;
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"scroll\"><table><caption>The next {Span(span)}, times in UTC");
        html.Append(later > 0 ? $"; {later} later (in the table, not on the axis)" : null);
        html.Append(upcoming.Count == StatusReader.MaxUpcoming ? $"; the first {StatusReader.MaxUpcoming} shown" : null);
        html.Append(".</caption>\n<thead><tr><th>Due</th><th>In</th><th>Meeting</th><th>Agent</th><th>Source</th><th>State</th><th class=\"n\">Attempts</th><th>Job</th></tr></thead><tbody>\n");
        foreach (var job in upcoming)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr data-job=\"{E(job.Id)}\"><td>{Time(job.DueAt)}</td><td>{Relative(job.DueAt, now)}</td><td>{E(job.MeetingId)}</td><td>{E(job.AgentId)}</td><td>{Source(job)}</td><td>{Badge(job.State)}</td><td class=\"n\">{job.Attempts}</td><td><code>{E(job.Id)}</code></td></tr>\n");
        }

        html.Append("</tbody></table></div></section>\n");
    }

    private static void Outcomes(StringBuilder html, StatusReport report)
    {
        html.Append("<section class=\"wide\" id=\"outcomes\"><h2>Latest outcomes</h2>\n");
        if (report.Latest.Count == 0)
        {
            html.Append("<p class=\"muted\">No job has been dispatched yet.</p></section>\n");
            return;
        }

        html.Append(CultureInfo.InvariantCulture, $"<div class=\"scroll\"><table><caption>The {report.Latest.Count} most recently changed of the jobs read, times in UTC.</caption>\n");
        html.Append("<thead><tr><th>Changed</th><th>State</th><th>Meeting</th><th>Agent</th><th>Source</th><th class=\"n\">Attempts</th><th>Outcome</th><th>Reason</th><th>Job</th></tr></thead><tbody>\n");
        foreach (var job in report.Latest)
        {
            var row = job.State switch { "failed" => " class=\"bad\"", "not-joined" => " class=\"warn\"", _ => string.Empty };
            var reason = job.LastMessage is null ? string.Empty : E(job.LastMessage);
            if (job.LastUpstreamStatus is { } status)
            {
                reason += string.Create(CultureInfo.InvariantCulture, $" <span class=\"muted\">(HTTP {status})</span>");
            }

            if (job.Redispatches > 0)
            {
                reason += string.Create(CultureInfo.InvariantCulture, $" <span class=\"muted\">({job.Redispatches} redispatched)</span>");
            }

            html.Append(CultureInfo.InvariantCulture,
                $"<tr{row} data-job=\"{E(job.Id)}\" data-state=\"{job.State}\"><td>{Time(job.UpdatedAt)}</td><td>{Badge(job.State)}</td><td>{E(job.MeetingId)}</td><td>{E(job.AgentId)}</td><td>{Source(job)}</td><td class=\"n\">{job.Attempts}</td><td>{E(job.LastOutcome ?? string.Empty)}</td><td>{reason}</td><td><code>{E(job.Id)}</code></td></tr>\n");
        }

        html.Append("</tbody></table></div></section>\n");
    }

    private static void Counts(StringBuilder html, StatusReport report)
    {
        html.Append("<section id=\"counts\"><h2>Counts</h2>\n");
        if (report.Counts.Count == 0)
        {
            html.Append("<p class=\"muted\">No jobs in the ledger yet.</p></section>\n");
            return;
        }

        // States in their life's order, only those that occur; one row per source.
        var states = report.Counts.Select(c => c.State).Distinct().OrderBy(StateOrder).ToList();
        var sources = report.Counts.Select(c => c.Source).Distinct().Order(StringComparer.Ordinal).ToList();
        var cells = report.Counts.ToDictionary(c => (c.Source, c.State), c => c.Count);
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"scroll\"><table><caption>Per source and state, of the {report.Sample.JobsRead:N0} jobs read{(report.Sample.MoreInLedger ? " (the ledger holds more)" : string.Empty)}.</caption>\n<thead><tr><th>Source</th>");
        foreach (var state in states)
        {
            html.Append("<th class=\"n\">").Append(state).Append("</th>");
        }

        html.Append("<th class=\"n\">total</th></tr></thead><tbody>\n");
        foreach (var source in sources)
        {
            html.Append("<tr data-source=\"").Append(E(source)).Append("\"><th>").Append(E(source)).Append("</th>");
            foreach (var state in states)
            {
                var n = cells.GetValueOrDefault((source, state));
                var mark = n > 0 ? state switch { "failed" => " bad", "not-joined" => " warn", _ => string.Empty } : string.Empty;
                html.Append(CultureInfo.InvariantCulture, $"<td class=\"n{mark}\" data-state=\"{state}\">{n}</td>");
            }

            html.Append(CultureInfo.InvariantCulture, $"<td class=\"n\">{states.Sum(s => cells.GetValueOrDefault((source, s)))}</td></tr>\n");
        }

        html.Append("<tr><th>total</th>");
        foreach (var state in states)
        {
            html.Append(CultureInfo.InvariantCulture, $"<td class=\"n\" data-state=\"{state}\">{sources.Sum(s => cells.GetValueOrDefault((s, state)))}</td>");
        }

        html.Append(CultureInfo.InvariantCulture, $"<td class=\"n\">{report.Sample.JobsRead}</td></tr>\n</tbody></table></div></section>\n");
    }

    private static void Backlog(StringBuilder html, StatusBacklog? backlog)
    {
        html.Append("<section id=\"backlog\"><h2>Notification backlog</h2>\n");
        if (backlog is null)
        {
            html.Append("<p class=\"muted\">Notifications are not configured.</p></section>\n");
            return;
        }

        if (backlog.Backlog is not { } b)
        {
            html.Append("<p class=\"bad\">The backlog ").Append(E(backlog.Problem ?? "could not be read")).Append(".</p></section>\n");
            return;
        }

        var failed = b.Failed >= b.FailedCountLimit ? $"at least {b.FailedCountLimit:N0}" : b.Failed.ToString("N0", CultureInfo.InvariantCulture);
        html.Append("<dl>");
        html.Append(CultureInfo.InvariantCulture, $"<dt>Queued</dt><dd data-backlog=\"queued\">{(b.Queued is { } q ? q.ToString("N0", CultureInfo.InvariantCulture) : "unknown (the queue could not be read)")}</dd>");
        html.Append(CultureInfo.InvariantCulture, $"<dt>Failed (dead-lettered)</dt><dd data-backlog=\"failed\"{(b.Failed > 0 ? " class=\"bad\"" : string.Empty)}>{failed}</dd>");
        html.Append("</dl></section>\n");
    }

    private static void Mailboxes(StringBuilder html, StatusReport report)
    {
        if (report.Mailboxes.Count == 0 && report.MailboxesProblem is null)
        {
            return;
        }

        html.Append("<section class=\"wide\" id=\"mailboxes\"><h2>Microsoft 365 mailboxes</h2>\n");
        if (report.MailboxesProblem is { } problem)
        {
            html.Append("<p class=\"bad\">The mailbox states ").Append(E(problem)).Append(".</p></section>\n");
            return;
        }

        html.Append("<div class=\"scroll\"><table><thead><tr><th>Name</th><th>Mailbox</th><th>Subscription</th><th>Last sync</th><th>Next sync</th><th>Last error</th></tr></thead><tbody>\n");
        foreach (var m in report.Mailboxes)
        {
            var subscription = m.Subscribed
                ? $"<span class=\"ok\">until {Time(m.SubscriptionExpiresAt!.Value)}</span>"
                : $"<span class=\"{(m.SubscriptionError is null ? "muted" : "bad")}\">{E(m.SubscriptionError ?? "none yet")}</span>";
            html.Append("<tr data-mailbox=\"").Append(E(m.Name)).Append("\"><td>").Append(E(m.Name)).Append("</td><td>").Append(E(m.Mailbox)).Append("</td><td>")
                .Append(subscription).Append("</td><td>").Append(m.LastSyncAt is { } last ? Time(last) : "<span class=\"muted\">never</span>")
                .Append("</td><td>").Append(m.NextSyncAt is { } next ? Time(next) : "<span class=\"muted\">at the next timer run</span>")
                .Append("</td><td data-last-error").Append(m.LastError is null ? "><span class=\"muted\">none</span>" : " class=\"bad\">" + E(m.LastError))
                .Append("</td></tr>\n");
        }

        html.Append("</tbody></table></div></section>\n");
    }

    private static void Configuration(StringBuilder html, StatusConfiguration c)
    {
        html.Append("<section id=\"configuration\"><h2>Configuration</h2>\n<dl>");
        html.Append("<dt>Always on</dt><dd>HTTP API, requests queue</dd>");
        html.Append("<dt>Webhooks</dt><dd><ul class=\"plain\">");
        foreach (var provider in c.WebhookProviders)
        {
            var kind = provider.Kind switch
            {
                "setting" => "<span class=\"ok\">on</span> (secret in settings)",
                "key-vault" => "<span class=\"ok\">on</span> (secret from Key Vault)",
                _ => "<span class=\"muted\">off</span>",
            };
            html.Append("<li data-webhook=\"").Append(E(provider.Name)).Append("\">").Append(E(provider.Name)).Append(": ").Append(kind).Append("</li>");
        }

        html.Append("</ul></dd><dt>Calendar feeds</dt><dd>");
        List(html, c.CalendarFeeds.Select(f =>
            $"<li data-feed=\"{E(f.Name)}\">{E(f.Name)} <span class=\"muted\">({f.Kind switch { "key-vault" => "URL from Key Vault", "api" => "added through the API", _ => "URL in settings" }})</span>"
            + (f.LastError is { } error ? $" <span class=\"bad\" data-feed-error>last poll: {E(error)}</span>" : "")
            + "</li>"));
        html.Append("</dd><dt>Schedules</dt><dd>");
        List(html, c.Schedules.Select(s => $"<li data-schedule=\"{E(s.Name)}\">{E(s.Name)} <span class=\"muted\"><code>{E(s.Cron)}</code> {E(s.TimeZone)}</span></li>"));
        html.Append("</dd><dt>Status events</dt><dd>");
        List(html, c.Subscribers.Select(s => $"<li data-subscriber=\"{E(s.Name)}\">{E(s.Name)} <span class=\"muted\">({(s.Events.Count == 0 ? "every event" : E(string.Join(", ", s.Events)))})</span></li>"));
        html.Append("</dd><dt>VideoSDK token</dt><dd data-config=\"token-source\">").Append(E(c.TokenSource)).Append("</dd>");
        html.Append("<dt>Join confirmation</dt><dd data-config=\"confirmation\">").Append(E(c.ConfirmationMode));
        if (c.ConfirmationMode != "Off")
        {
            html.Append(CultureInfo.InvariantCulture, $" <span class=\"muted\">(timeout {Span(c.ConfirmationTimeout)}, then {E(c.OnNotJoined).ToLowerInvariant()})</span>");
        }

        html.Append("</dd></dl></section>\n");
    }

    private static void List(StringBuilder html, IEnumerable<string> items)
    {
        var all = items.ToList();
        html.Append(all.Count == 0 ? "<span class=\"muted\">none</span>" : "<ul class=\"plain\">" + string.Concat(all) + "</ul>");
    }

    private static string Badge(string state) => state switch
    {
        "failed" => "<span class=\"badge bad\">✗ failed</span>",
        "not-joined" => "<span class=\"badge warn\">⚠ not joined</span>",
        "joined" => "<span class=\"badge ok\">✓ joined</span>",
        "assigned" => "<span class=\"badge ok\">assigned</span>",
        "dispatching" => "<span class=\"badge warn\">dispatching</span>",
        "scheduled" => "<span class=\"badge info\">scheduled</span>",
        _ => $"<span class=\"badge muted\">{E(state)}</span>",
    };

    private static string Source(StatusJob job)
        => job.Origin is { } origin && origin != job.Source ? $"{E(job.Source)} <span class=\"muted\">{E(origin)}</span>" : E(job.Source);

    private static int StateOrder(string state)
        => Array.IndexOf(["scheduled", "dispatching", "assigned", "joined", "not-joined", "failed", "expired", "cancelled"], state) is var i and >= 0 ? i : 99;

    private static double X(DateTimeOffset at, DateTimeOffset now, TimeSpan span)
        => Math.Clamp((at - now) / span, 0, 1) * (Width - 2);

    private static string Time(DateTimeOffset at)
        => $"<time datetime=\"{at.UtcDateTime:O}\">{Stamp(at)}</time>";

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    private static string Relative(DateTimeOffset at, DateTimeOffset now)
    {
        var d = at - now;
        return d < TimeSpan.Zero ? $"overdue by {Span(-d)}" : $"in {Span(d)}";
    }

    private static string Span(TimeSpan d) => d switch
    {
        { TotalSeconds: < 60 } => $"{(int)d.TotalSeconds} s",
        { TotalMinutes: < 60 } => $"{(int)d.TotalMinutes} min",
        { TotalHours: < 48 } => d.Minutes == 0 ? $"{(int)d.TotalHours} h" : $"{(int)d.TotalHours} h {d.Minutes} min",
        _ => d.Hours == 0 ? $"{(int)d.TotalDays} days" : $"{(int)d.TotalDays} days {d.Hours} h",
    };

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string Hash(string text) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
