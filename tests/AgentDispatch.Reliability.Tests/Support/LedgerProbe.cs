using System.Diagnostics;
using AgentDispatch.Jobs;
using AgentDispatch.Storage;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Reliability.Tests.Support;

/// <summary>Reads one test's ledger table from outside the app: cheap counts while waiting, whole jobs at the end.</summary>
public sealed class LedgerProbe
{
    private static readonly string[] Final = [nameof(JobState.Joined), nameof(JobState.NotJoined), nameof(JobState.Failed), nameof(JobState.Cancelled), nameof(JobState.Expired)];
    private readonly TableClient _table;
    private readonly DispatchLedger _ledger;

    public LedgerProbe(string connectionString, string ledgerTable)
    {
        _table = new TableClient(connectionString, ledgerTable);
        // The app's own ledger type reads the rows, so the audit sees jobs exactly as the API would show them.
        _ledger = new DispatchLedger(
            new StorageClients(new QueueServiceClient(connectionString), new TableServiceClient(connectionString)),
            Options.Create(new JobsOptions { LedgerTable = ledgerTable }),
            NullLogger<DispatchLedger>.Instance);
    }

    /// <summary>How many jobs the ledger holds and how many of them are final.</summary>
    public async Task<(int Jobs, int Final)> CountAsync(CancellationToken cancellationToken = default)
    {
        var jobs = 0;
        var final = 0;
        var rows = _table.QueryAsync<TableEntity>(DispatchJobEntity.RowFilter, maxPerPage: 1000, select: ["State", "ConfirmBy"], cancellationToken: cancellationToken);
        await foreach (var row in rows)
        {
            jobs++;
            // Assigned is final only when nobody is still looking for the agent (confirmation off).
            var state = row.GetString("State");
            if (Final.Contains(state) || (state == nameof(JobState.Assigned) && row.GetDateTimeOffset("ConfirmBy") is null))
            {
                final++;
            }
        }

        return (jobs, final);
    }

    /// <summary>
    /// Polls until <paramref name="expected"/> jobs are final or <paramref name="timeout"/> has passed
    /// (then returns; the audit says what is missing). Storage errors while polling (Azurite stopped on
    /// purpose) count as "not yet".
    /// </summary>
    public async Task<(int Jobs, int Final)> WaitUntilFinalAsync(int expected, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = Stopwatch.StartNew();
        (int Jobs, int Final) last = (0, 0);
        while (true)
        {
            try
            {
                last = await CountAsync(cancellationToken);
            }
            catch (Azure.RequestFailedException)
            {
            }

            if (last.Final >= expected || deadline.Elapsed > timeout)
            {
                return last;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    /// <summary>Every job in the ledger.</summary>
    public async Task<IReadOnlyList<DispatchJob>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        var jobs = new List<DispatchJob>();
        string? cursor = null;
        do
        {
            var page = await _ledger.ListAsync(null, null, 1000, cursor, cancellationToken)
                ?? throw new InvalidOperationException("a cursor the ledger gave out was refused");
            jobs.AddRange(page.Items);
            cursor = page.Next;
        }
        while (cursor is not null);

        return jobs;
    }
}
