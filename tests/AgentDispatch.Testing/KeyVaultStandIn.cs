using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace AgentDispatch.Testing;

/// <summary>
/// A Key Vault secrets endpoint on https://127.0.0.1 that the real <see cref="SecretClient"/> talks to:
/// the bearer challenge, <c>GET /secrets/{name}[/{version}]</c>, 404 SecretNotFound, read counters and
/// injected failures. Secret values are never logged (the host has no logging providers at all).
/// </summary>
public sealed class KeyVaultStandIn : IAsyncDisposable
{
    // SecretClient starts with an unauthenticated request and reads the tenant and resource from this
    // challenge before asking its TokenCredential for a token. The resource is checked against the vault
    // host unless DisableChallengeResourceVerification is set, which a loopback vault needs.
    private const string Challenge =
        "Bearer authorization=\"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000\", " +
        "resource=\"https://vault.azure.net\"";

    private readonly WebApplication _app;
    private readonly byte[] _certificateBytes;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<(string Version, string Value)>> _secrets = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _readCounts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<KeyVaultRequest> _requests = [];
    private int _totalReads;
    private int _failuresLeft;
    private int _failureStatusCode;

    private KeyVaultStandIn(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        Certificate = certificate;
        _certificateBytes = certificate.RawData;
        VaultUri = null!;
    }

    /// <summary>The vault base address, ending in a slash, e.g. <c>https://127.0.0.1:54321/</c>.</summary>
    public Uri VaultUri { get; private set; }

    /// <summary>The self-signed server certificate (with its private key), valid for a day either side of start.</summary>
    public X509Certificate2 Certificate { get; }

    public IReadOnlyList<KeyVaultRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public int TotalReads
    {
        get
        {
            lock (_gate)
            {
                return _totalReads;
            }
        }
    }

    public static async Task<KeyVaultStandIn> StartAsync(CancellationToken ct = default)
    {
        var certificate = CreateCertificate();
        // The empty builder reads no appsettings or environment and adds no logging providers.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();

        var standIn = new KeyVaultStandIn(app, certificate);
        app.Run(standIn.HandleAsync);
        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await standIn.DisposeAsync();
            throw;
        }

        // Port 0 lets Kestrel pick the port itself, so nothing can take it between choosing and binding.
        var address = app.Urls.Single();
        standIn.VaultUri = new Uri($"https://127.0.0.1:{new Uri(address).Port}/");
        return standIn;
    }

    /// <summary>Adds a new version of <paramref name="name"/>; reads without a version get the newest.</summary>
    /// <returns>The new version id.</returns>
    public string SetSecret(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        var version = Guid.NewGuid().ToString("N");
        lock (_gate)
        {
            if (!_secrets.TryGetValue(name, out var versions))
            {
                _secrets[name] = versions = [];
            }
            versions.Add((version, value));
        }
        return version;
    }

    /// <summary>Removes every version of <paramref name="name"/>; later reads get 404 SecretNotFound.</summary>
    public bool RemoveSecret(string name)
    {
        lock (_gate)
        {
            return _secrets.Remove(name);
        }
    }

    /// <summary>Successful (200) reads of <paramref name="name"/> since start or the last <see cref="ResetCounts"/>.</summary>
    public int ReadCount(string name)
    {
        lock (_gate)
        {
            return _readCounts.GetValueOrDefault(name);
        }
    }

    /// <summary>Zeroes the read counters and clears <see cref="Requests"/>; secrets and pending failures stay.</summary>
    public void ResetCounts()
    {
        lock (_gate)
        {
            _readCounts.Clear();
            _totalReads = 0;
            _requests.Clear();
        }
    }

    /// <summary>
    /// The next <paramref name="count"/> authenticated secret reads answer <paramref name="statusCode"/> with
    /// error code <c>InjectedFailure</c>. The unauthenticated challenge round trip is not affected.
    /// </summary>
    public void FailNextReads(int count, int statusCode = StatusCodes.Status500InternalServerError)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            _failuresLeft = count;
            _failureStatusCode = statusCode;
        }
    }

    /// <summary>A handler that trusts this vault's certificate (byte for byte) and nothing else self-signed.</summary>
    public HttpMessageHandler CreateTrustingHandler()
    {
        var trusted = _certificateBytes;
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // Chain errors are expected for a self-signed certificate; a name mismatch still fails.
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    errors == SslPolicyErrors.None ||
                    (errors == SslPolicyErrors.RemoteCertificateChainErrors &&
                     certificate is not null &&
                     certificate.GetRawCertData().AsSpan().SequenceEqual(trusted)),
            },
        };
    }

    /// <summary>Options for a <see cref="SecretClient"/> against this vault: trusted transport, no retries.</summary>
    public SecretClientOptions CreateClientOptions()
    {
        var options = new SecretClientOptions
        {
            Transport = new HttpClientTransport(CreateTrustingHandler()),
            DisableChallengeResourceVerification = true,
        };
        // Failure tests should see one request per call and fail fast.
        options.Retry.MaxRetries = 0;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(50);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return options;
    }

    public SecretClient CreateSecretClient(TokenCredential? credential = null) =>
        new(VaultUri, credential ?? new StaticTokenCredential(), CreateClientOptions());

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync();
        }
        catch (InvalidOperationException)
        {
            // Not started (StartAsync failed before the server ran).
        }
        await _app.DisposeAsync();
        Certificate.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var hasBearer = request.Headers.Authorization.ToString() is { Length: > 7 } auth &&
            auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

        byte[]? body;
        if (!hasBearer)
        {
            response.StatusCode = StatusCodes.Status401Unauthorized;
            response.Headers.WWWAuthenticate = Challenge;
            body = null;
        }
        else if (!HttpMethods.IsGet(request.Method) || !TryParseSecretPath(request.Path, out var name, out var version))
        {
            response.StatusCode = StatusCodes.Status400BadRequest;
            body = Error("BadParameter", "The Key Vault stand-in serves only GET /secrets/{name}[/{version}].");
        }
        else
        {
            body = Read(name, version, out var status);
            response.StatusCode = status;
        }

        lock (_gate)
        {
            _requests.Add(new KeyVaultRequest(request.Method, request.Path.Value ?? "", hasBearer, response.StatusCode));
        }

        if (body is not null)
        {
            response.ContentType = "application/json; charset=utf-8";
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    private byte[] Read(string name, string? version, out int status)
    {
        string? value = null;
        lock (_gate)
        {
            if (_failuresLeft > 0)
            {
                _failuresLeft--;
                status = _failureStatusCode;
                return Error("InjectedFailure", "The Key Vault stand-in was told to fail this read.");
            }

            if (_secrets.TryGetValue(name, out var versions))
            {
                var match = version is null ? versions[^1] : versions.Find(v => v.Version.Equals(version, StringComparison.OrdinalIgnoreCase));
                if (match.Version is not null)
                {
                    (version, value) = match;
                    _readCounts[name] = _readCounts.GetValueOrDefault(name) + 1;
                    _totalReads++;
                }
            }
        }

        if (value is null)
        {
            status = StatusCodes.Status404NotFound;
            var id = version is null ? name : $"{name}/{version}";
            return Error("SecretNotFound", $"A secret with (name/id) {id} was not found in this key vault.");
        }

        status = StatusCodes.Status200OK;
        return Json(writer =>
        {
            writer.WriteString("value", value);
            writer.WriteString("id", $"{VaultUri}secrets/{name}/{version}");
            writer.WriteStartObject("attributes");
            writer.WriteBoolean("enabled", true);
            writer.WriteEndObject();
        });
    }

    // A trailing slash (empty version segment) means the latest version, as in the Key Vault REST API.
    private static bool TryParseSecretPath(PathString path, out string name, out string? version)
    {
        var segments = (path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var ok = segments.Length is 2 or 3 && segments[0].Equals("secrets", StringComparison.OrdinalIgnoreCase);
        name = ok ? segments[1] : "";
        version = ok && segments.Length == 3 ? segments[2] : null;
        return ok;
    }

    private static byte[] Error(string code, string message) => Json(writer =>
    {
        writer.WriteStartObject("error");
        writer.WriteString("code", code);
        writer.WriteString("message", message);
        writer.WriteEndObject();
    });

    private static byte[] Json(Action<Utf8JsonWriter> writeProperties)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writeProperties(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));

        var now = TimeProvider.System.GetUtcNow();
        using var ephemeral = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        // A certificate fresh from CreateSelfSigned holds an ephemeral key that SslStream cannot always use
        // (notably on Windows); a PFX round trip gives Kestrel a certificate with a usable private key.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), password: null);
    }
}
