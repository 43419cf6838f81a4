using System.Security.Cryptography;

namespace AgentDispatch.VideoSdkEmulator.Webhooks;

/// <summary>
/// Signs webhook bodies as VideoSDK does: base64 of RSA-SHA256 (PKCS#1 v1.5) over the raw body bytes.
/// The key is imported or generated on first use: a 2048-bit generation takes a noticeable time,
/// and most emulators (every dispatch-only test) never sign anything.
/// </summary>
internal sealed class WebhookSigner(string? privateKeyPem) : IDisposable
{
    private readonly Lazy<KeyPair> _key = new(() => KeyPair.Create(privateKeyPem), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly Lock _signGate = new();

    /// <summary>The public key as <c>-----BEGIN PUBLIC KEY-----</c> PEM (SubjectPublicKeyInfo).</summary>
    public string PublicKeyPem => _key.Value.PublicKeyPem;

    public string Sign(byte[] body)
    {
        var key = _key.Value.Rsa;

        // An RSA instance is not documented as safe for concurrent use.
        lock (_signGate)
        {
            return Convert.ToBase64String(key.SignData(body, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
    }

    public void Dispose()
    {
        if (_key.IsValueCreated)
        {
            _key.Value.Rsa.Dispose();
        }
    }

    private sealed record KeyPair(RSA Rsa, string PublicKeyPem)
    {
        public static KeyPair Create(string? privateKeyPem)
        {
            RSA rsa;
            if (privateKeyPem is null)
            {
                rsa = RSA.Create(2048);
            }
            else
            {
                rsa = RSA.Create();
                rsa.ImportFromPem(privateKeyPem);
            }

            return new KeyPair(rsa, rsa.ExportSubjectPublicKeyInfoPem());
        }
    }
}
