namespace Viatique.Api.IntegrationTests.Infrastructure;

/// <summary>
/// An accounts database and the hosts running on it, made once for all the tests of a class (an
/// xUnit class fixture) instead of once per test: a migrate run, createsuperuser and a host start
/// cost seconds of CPU each. The tests of such a class stay independent: each logs in as users
/// of its own, from client addresses of its own, and reads only the log lines written after it began.
/// </summary>
public abstract class AccountsHosts(PostgresServer postgres, RedisServer redis) : IAsyncLifetime
{
    readonly List<AppProcess> _hosts = [];

    internal AccountsDatabase Db { get; private set; } = null!;

    /// <summary>The first host (the only one, for most classes).</summary>
    internal AppProcess App => _hosts[0];

    internal IReadOnlyList<AppProcess> Hosts => _hosts;

    /// <summary>The database name's prefix.</summary>
    protected abstract string Prefix { get; }

    /// <summary>Ordinary users (password <see cref="AccountsDatabase.UserPassword"/>), created before the hosts start.</summary>
    protected abstract string[] Users { get; }

    /// <summary>How many hosts run on the database.</summary>
    protected virtual int Replicas => 1;

    /// <summary>SQL run once the users exist, before the hosts start (roles, say).</summary>
    protected virtual string? Seed => null;

    public async ValueTask InitializeAsync()
    {
        Db = await AccountsDatabase.CreateAsync(postgres, redis, Prefix);
        foreach (var user in Users)
        {
            await Db.CreateUserAsync(user);
        }
        if (Seed is { } sql)
        {
            await postgres.ExecuteAsync(Db.Name, sql);
        }
        // One after the other, as a rolling deploy starts them: the first creates the key ring.
        for (var i = 0; i < Replicas; i++)
        {
            var host = Db.Start();
            _hosts.Add(host);
            await host.WaitUntilListeningAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }
}

/// <summary>
/// One Production host without a reachable database, shared by the tests of a class (a class
/// fixture), for what the HTTP edge does before any endpoint runs.
/// </summary>
public sealed class EdgeHost : IAsyncLifetime
{
    internal AppProcess App { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        App = AppProcess.Start(TestEnv.Production(("TRUSTED_PROXIES", "127.0.0.1")));
        await App.WaitUntilListeningAsync();
    }

    public async ValueTask DisposeAsync() => await App.DisposeAsync();
}
