namespace AgentDispatch.VideoSdkEmulator;

/// <summary>Settings of the emulator, bound from the <c>Emulator</c> configuration section when standalone.</summary>
public sealed class EmulatorOptions
{
    public const string Section = "Emulator";

    /// <summary>With <see cref="ApiSecret"/>, switches on token checking: the token's <c>apikey</c> claim must equal this.</summary>
    public string? ApiKey { get; set; }

    /// <summary>HS256 signing secret of the tokens (its UTF-8 bytes are the key).</summary>
    public string? ApiSecret { get; set; }

    /// <summary>How long an assigned job holds its worker slot; zero frees the slot at once.</summary>
    public TimeSpan JobDuration { get; set; } = TimeSpan.Zero;

    /// <summary>Fixed delay before every dispatch answer, standing in for the upstream round trip.</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.Zero;

    /// <summary>Seeds the fault-injection randomness so a test sees the same faults on every run.</summary>
    public int? Seed { get; set; }

    /// <summary>Registers worker <c>default</c> that accepts any agent, so a demo works with no set-up.</summary>
    public bool RegisterDefaultWorker { get; set; } = true;

    /// <summary>Oldest dispatch records are dropped past this many, bounding memory under a long benchmark.</summary>
    public int MaxDispatchRecords { get; set; } = 200_000;

    /// <summary>How long after an assigned dispatch the agent joins the room's session.</summary>
    public TimeSpan JoinDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an agent stays in the room after joining; null keeps it there until the room ends.</summary>
    public TimeSpan? AgentStay { get; set; }

    /// <summary>Where the webhooks of every room go, unless the room was created with its own webhook; null sends none.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>
    /// PEM of the RSA private key that signs webhooks (<c>videosdk-signature</c>). When null a 2048-bit key
    /// is made on first use, not at start-up: generating one takes long, and most emulators never sign anything.
    /// </summary>
    public string? WebhookPrivateKeyPem { get; set; }

    internal bool RequiresToken => !string.IsNullOrEmpty(ApiKey) && !string.IsNullOrEmpty(ApiSecret);
}
