using AgentDispatch.Auth;
using Azure;
using Azure.Security.KeyVault.Secrets;
using Moq;

namespace AgentDispatch.Core.Tests.Auth;

/// <summary>The vault boundary mocked: how each failure of <see cref="SecretClient"/> is reported.</summary>
public sealed class KeyVaultSecretReaderTests
{
    private const string SecretValue = "s3cr3t-value-that-must-not-leak";
    private readonly Mock<SecretClient> _client = new(MockBehavior.Strict);

    public KeyVaultSecretReaderTests() => _client.SetupGet(c => c.VaultUri).Returns(new Uri("https://vault.example/"));

    private void Returns(string value)
        => _client.Setup(c => c.GetSecretAsync("name", null, null, It.IsAny<CancellationToken>()))
            .ReturnsAsync(Response.FromValue(SecretModelFactory.KeyVaultSecret(new SecretProperties("name"), value), Mock.Of<Response>()));

    private void Throws(int status, string? code = null)
        => _client.Setup(c => c.GetSecretAsync("name", null, null, It.IsAny<CancellationToken>()))
            .ThrowsAsync(new RequestFailedException(status, "vault said no " + SecretValue, code, null));

    [Fact]
    public async Task ReadAsync_Secret_ReturnsItsValueFromOneCall()
    {
        Returns(SecretValue);

        Assert.Equal(SecretValue, await new KeyVaultSecretReader(_client.Object).ReadAsync("name", CancellationToken.None));
        _client.Verify(c => c.GetSecretAsync("name", null, null, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [InlineData(404, "was not found", false)]
    [InlineData(403, "Key Vault Secrets User", false)]
    [InlineData(401, "Key Vault Secrets User", false)]
    [InlineData(429, "answered 429", true)]
    [InlineData(500, "answered 500", true)]
    [InlineData(0, "did not answer", true)]
    public async Task ReadAsync_VaultFailure_NamesTheSecretAndSaysWhetherToRetry(int status, string says, bool transient)
    {
        Throws(status, status == 404 ? "SecretNotFound" : null);

        var ex = await Assert.ThrowsAsync<TokenUnavailableException>(() => new KeyVaultSecretReader(_client.Object).ReadAsync("name", CancellationToken.None));

        Assert.Contains("'name'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(says, ex.Message, StringComparison.Ordinal);
        Assert.Equal(transient, ex.IsTransient);
        Assert.DoesNotContain(SecretValue, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_EmptySecret_IsAConfigurationError()
    {
        Returns("  ");

        var ex = await Assert.ThrowsAsync<TokenUnavailableException>(() => new KeyVaultSecretReader(_client.Object).ReadAsync("name", CancellationToken.None));

        Assert.False(ex.IsTransient);
        Assert.Equal("Key Vault secret 'name' is empty.", ex.Message);
    }
}
