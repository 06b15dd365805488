using Npgsql;
using Viatique.Api.Data;
using Viatique.Api.Settings;

namespace Viatique.Api.Tests.Data;

public class DatabaseConnectionsTests
{
    static DatabaseUrl Url(string text)
    {
        Assert.True(DatabaseUrl.TryParse(text, out var url, out _));
        return url!;
    }

    [Fact]
    public void BuildsAPooledNpgsqlConnectionStringWithTheTenMinuteLifetime()
    {
        var builder = new NpgsqlConnectionStringBuilder(DatabaseConnections.Postgres(Url("postgres://u:p%40ss%3Aw0rd@[::1]:5433/viatique?sslmode=require&application_name=web")));

        Assert.Equal(("::1", 5433, "viatique", "u", "p@ss:w0rd"), (builder.Host, builder.Port, builder.Database, builder.Username, builder.Password));
        Assert.Equal(SslMode.Require, builder.SslMode);
        Assert.Equal("web", builder.ApplicationName);
        Assert.True(builder.Pooling);
        Assert.Equal(600, builder.ConnectionLifetime);
    }

    [Fact]
    public void NeverTriesKerberosEncryptionUnlessTheUrlAsks()
    {
        Assert.Equal(GssEncryptionMode.Disable, new NpgsqlConnectionStringBuilder(DatabaseConnections.Postgres(Url("postgres://u:p@db/viatique"))).GssEncryptionMode);
        Assert.Equal(GssEncryptionMode.Prefer, new NpgsqlConnectionStringBuilder(DatabaseConnections.Postgres(Url("postgres://u:p@db/viatique?gssencmode=prefer"))).GssEncryptionMode);
    }

    [Fact]
    public void DefaultsToPort5432() =>
        Assert.Equal(5432, new NpgsqlConnectionStringBuilder(DatabaseConnections.Postgres(Url("postgres://u:p@db/viatique"))).Port);

    [Theory]
    [InlineData("postgres://u:p@db/viatique?sslmode=sometimes", "invalid value for option 'sslmode'")]
    [InlineData("postgres://u:p@db/viatique?gssencmode=maybe", "invalid value for option 'gssencmode'")]
    [InlineData("postgres://u:p@db/viatique?pool=yes", "unsupported option 'pool'")]
    public void RejectsOptionsItCannotHonour(string text, string problem) =>
        Assert.Contains(problem, DatabaseConnections.OptionProblem(Url(text)));

    [Fact]
    public void UnknownOptionIsReportedByTheRulebook() =>
        Assert.Contains("VIQ-E031", Env.Ids(Env.With(("DATABASE_URL", "postgres://u:p@db/viatique?pool=yes"))));
}
