using Viatique.Api.Settings;

namespace Viatique.Api.Tests.Settings;

public class DatabaseUrlTests
{
    static DatabaseUrl Parse(string url)
    {
        Assert.True(DatabaseUrl.TryParse(url, out var parsed, out var error), error);
        return parsed!;
    }

    [Fact]
    public void ParsesPercentEscapedPasswordIpv6HostPortNameAndOptions()
    {
        var url = Parse("postgres://u:p%40ss%3Aw0rd@[::1]:5433/viatique_prod?sslmode=require");

        Assert.Equal(DatabaseEngine.PostgreSql, url.Engine);
        Assert.Equal("u", url.User);
        Assert.Equal("p@ss:w0rd", url.Password);
        Assert.Equal("::1", url.Host);
        Assert.Equal(5433, url.Port);
        Assert.Equal("viatique_prod", url.Name);
        Assert.Equal("require", url.Options["sslmode"]);
    }

    [Theory]
    [InlineData("postgres://viatique:pw@db:5432/viatique", "db", 5432)]
    [InlineData("postgresql://viatique:pw@db/viatique", "db", null)]
    [InlineData("pgsql://viatique@10.0.0.5:6432/viatique", "10.0.0.5", 6432)]
    [InlineData("postgres://u:pw@%2Fvar%2Frun%2Fpostgresql/viatique", "/var/run/postgresql", null)]
    public void ReadsHostAndPortLikeDjDatabaseUrl(string text, string host, int? port)
    {
        var url = Parse(text);
        Assert.Equal(DatabaseEngine.PostgreSql, url.Engine);
        Assert.Equal((host, port, "viatique"), (url.Host, url.Port, url.Name));
    }

    [Fact]
    public void PasswordMayContainAnAtSignBeforeTheLastOne()
    {
        var url = Parse("postgres://user:a@b@db:5432/viatique");
        Assert.Equal(("user", "a@b", "db"), (url.User, url.Password, url.Host));
    }

    [Theory]
    [InlineData("sqlite:///viatique.db", "viatique.db")]
    [InlineData("sqlite:////var/lib/viatique/viatique.db", "/var/lib/viatique/viatique.db")]
    public void ReadsSqliteFilePaths(string text, string path)
    {
        var url = Parse(text);
        Assert.Equal((DatabaseEngine.Sqlite, path), (url.Engine, url.Name));
    }

    [Fact]
    public void RecognisesOtherEnginesWithoutCallingThemPostgres() =>
        Assert.Equal(DatabaseEngine.Other, Parse("mysql://u:p@db:3306/viatique").Engine);

    [Theory]
    [InlineData("not a url at all with s3cretpw")]
    [InlineData("postgres://u:s3cretpw@db:notaport/viatique")]
    [InlineData("postgres://u:s3cretpw@[::1:5432/viatique")]
    [InlineData("postgres://u:s3cretpw@db:5432/")]
    [InlineData("postgres://u:s3cretpw@:5432/viatique")]
    [InlineData("postgres://u:s3cretpw@db:70000/viatique")]
    public void MalformedUrlsGiveAnErrorThatNeverQuotesThePassword(string text)
    {
        Assert.False(DatabaseUrl.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
        Assert.DoesNotContain("s3cretpw", error);
    }

    [Fact]
    public void RedactedFormHidesThePasswordOnly()
    {
        var url = Parse("postgres://u:p%40ss%3Aw0rd@[::1]:5433/viatique_prod?sslmode=require");
        Assert.Equal("postgres://u:***@[::1]:5433/viatique_prod?sslmode=require", url.Redacted);
        Assert.DoesNotContain("w0rd", url.ToString());
    }
}
