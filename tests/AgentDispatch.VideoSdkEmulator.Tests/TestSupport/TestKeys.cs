using System.Security.Cryptography;

namespace AgentDispatch.VideoSdkEmulator.Tests.TestSupport;

internal static class TestKeys
{
    // One key for the whole run: generating a 2048-bit key per test would be most of the tests' time.
    private static readonly Lazy<string> Pem = new(() =>
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportPkcs8PrivateKeyPem();
    });

    public static string PrivateKeyPem => Pem.Value;

    /// <summary>Checks a <c>videosdk-signature</c> the way a receiver should: over the raw bytes, with the served key.</summary>
    public static bool Verifies(string publicKeyPem, byte[] body, string signature)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(publicKeyPem);
        return rsa.VerifyData(body, Convert.FromBase64String(signature), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }
}
