using System.Text;

namespace AgentDispatch.Reliability.Tests.Hostile;

/// <summary>
/// The secrets the hostile-input dev host is configured with: distinctive strings that appear nowhere
/// else, so finding one in a log line or a response means it leaked.
/// </summary>
public static class Canaries
{
    public const string Token = "CANARY-TOKEN-7f3a9c2e4b1d8f60a5e7c3b9d1f2a4e6";

    public const string FunctionKey = "CANARY-FKEY-2b8e6d4c1a9f7e3b5d0c8a6f4e2b1d9c";

    public const string Calendly = "CANARY-CALENDLY-9d4f1e7a3c6b8d2e0f5a7c9e1b3d5f7a";

    public const string CalCom = "CANARY-CALCOM-4e8a2c6f0b9d7e5a3c1f8b6d4e2a0c9f";

    /// <summary>The Standard Webhooks key bytes (ASCII, so a key written out as text is found too).</summary>
    public static readonly byte[] StandardKey = Encoding.ASCII.GetBytes("CANARY-STANDARD-6c1f9e3a7d5b2c8e0a4f");

    /// <summary>A key no endpoint is configured with: what a forger signs with.</summary>
    public const string Wrong = "WRONG-SIGNING-KEY-0123456789abcdef";

    public static string Standard => "whsec_" + Convert.ToBase64String(StandardKey);

    /// <summary>Every canary in every form it could leak in: as configured, as base64 and as hex of its bytes.</summary>
    public static IReadOnlyList<(string Name, string Value)> Forms()
    {
        var forms = new List<(string, string)>();
        void Add(string name, byte[] bytes)
        {
            forms.Add((name, Encoding.ASCII.GetString(bytes)));
            forms.Add((name + " (base64)", Convert.ToBase64String(bytes)));
            forms.Add((name + " (hex)", Convert.ToHexStringLower(bytes)));
            forms.Add((name + " (HEX)", Convert.ToHexString(bytes)));
        }

        Add("VideoSdk:AuthToken", Encoding.ASCII.GetBytes(Token));
        Add("DevHost:FunctionKey", Encoding.ASCII.GetBytes(FunctionKey));
        Add("Webhooks:Calendly:Secret", Encoding.ASCII.GetBytes(Calendly));
        Add("Webhooks:CalCom:Secret", Encoding.ASCII.GetBytes(CalCom));
        Add("Webhooks:Standard:Secret key bytes", StandardKey);
        forms.Add(("Webhooks:Standard:Secret", Standard));
        return forms;
    }
}
