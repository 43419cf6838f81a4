using Microsoft.Playwright;

namespace AgentDispatch.DevHost.Tests.Status;

/// <summary>
/// Debian's chromium driven by Playwright: the driver ships in the Microsoft.Playwright package, and the
/// browser is the system one, because browsers cannot be downloaded (no <c>playwright install</c>).
/// Each launch gets a fresh temporary profile, and the flags keep Chromium from calling home.
/// </summary>
internal static class HeadlessChromium
{
    public const string DefaultPath = "/usr/bin/chromium";

    /// <summary>Debian's path, or <c>CHROMIUM_PATH</c> for a browser elsewhere.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : DefaultPath;

    private static readonly string[] Flags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    /// <summary>Fails (never skips: the status page is tested in a real browser or not at all) when there is no browser to drive.</summary>
    public static void EnsureInstalled()
    {
        if (!File.Exists(ExecutablePath))
        {
            Assert.Fail($"Chromium is not installed at {ExecutablePath}: run `apt-get install -y chromium` (Debian; as root), or set CHROMIUM_PATH to a Chromium binary.");
        }
    }

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        EnsureInstalled();
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                ChromiumSandbox = false,
                Args = Flags,
                Timeout = 60_000,
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}
