using Npgsql;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Operations;

/// <summary>docker/backup.sh and docker/restore.sh against the real PostgreSQL, through DATABASE_URL.</summary>
public sealed class DatabaseBackupTests(PostgresServer postgres, RedisServer redis) : IDisposable
{
    readonly string _backups = Directory.CreateTempSubdirectory("viatique-backups-").FullName;

    public void Dispose() => Directory.Delete(_backups, recursive: true);

    string DbFolder => Path.Combine(_backups, "db");

    Dictionary<string, string> Env(string database) => new() { ["DATABASE_URL"] = postgres.Url(database), ["BACKUP_DIR"] = _backups };

    /// <summary>The application's schema (through its own migrate verb) plus rows that are hard to dump: newlines, tabs, quotes, backslashes, non-ASCII, NULLs.</summary>
    async Task<string> DatabaseWithRowsAsync(string prefix)
    {
        var name = await postgres.CreateDatabaseAsync(prefix);
        var migrate = await AppProcess.RunAsync(TestEnv.Production(postgres, name, redis), "migrate");
        Assert.True(migrate.ExitCode == 0, migrate.Stdout + migrate.Stderr);
        await postgres.ExecuteAsync(name, """
            CREATE TABLE notes (id int PRIMARY KEY, body text, extra jsonb);
            INSERT INTO notes SELECT g, format(E'line %s\nsecond\tcolumn ''quoted'' \\ back é %s', g, md5(g::text)),
                CASE WHEN g % 7 = 0 THEN NULL ELSE jsonb_build_object('n', g) END FROM generate_series(1, 4000) g;
            CREATE SCHEMA archive;
            CREATE TABLE archive."Old Notes" (id int, body text);
            INSERT INTO archive."Old Notes" SELECT g, repeat('x', g) FROM generate_series(1, 50) g;
            """);
        return name;
    }

    async Task<SortedDictionary<string, long>> RowCountsAsync(string database)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        foreach (var table in tables)
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
            counts[table] = (long)(await count.ExecuteScalarAsync())!;
        }
        return counts;
    }

    string[] Backups() => Directory.Exists(DbFolder) ? [.. Directory.GetFiles(DbFolder, "viatique-*.sql.gz").Order(StringComparer.Ordinal)] : [];

    /// <summary>Every entry of the backup directory, dot files included, with each file's size and date.</summary>
    string[] Listing() =>
        [.. new DirectoryInfo(_backups).EnumerateFileSystemInfos("*", SearchOption.AllDirectories)
            .Select(e => e is FileInfo f ? $"{Path.GetRelativePath(_backups, f.FullName)} {f.Length} {f.LastWriteTimeUtc:O}" : Path.GetRelativePath(_backups, e.FullName) + "/")
            .Order(StringComparer.Ordinal)];

    async Task DropDatabaseAsync(string name) => await postgres.ExecuteAsync("postgres", $"DROP DATABASE \"{name}\" WITH (FORCE)");

    [Fact]
    public async Task BackupThenDropThenRestoreGivesIdenticalRowCounts()
    {
        var name = await DatabaseWithRowsAsync("backup_roundtrip");
        var before = await RowCountsAsync(name);
        var tricky = await postgres.ScalarAsync(name, "SELECT body FROM notes WHERE id = 3");

        var backup = await Script.RunAsync("docker/backup.sh", Env(name));
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var file = Assert.Single(Backups());
        Assert.Matches(@"/viatique-\d{8}T\d{6}Z\.sql\.gz$", file);

        await DropDatabaseAsync(name);
        var restore = await Script.RunAsync("docker/restore.sh", Env(name), file);

        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal(before, await RowCountsAsync(name));
        Assert.Equal(4000L, before["public.notes"]);
        Assert.Contains(before.Keys, k => k.Contains("AspNetUsers", StringComparison.Ordinal));
        Assert.Equal(50L, before["archive.\"Old Notes\""]);
        Assert.Equal(tricky, await postgres.ScalarAsync(name, "SELECT body FROM notes WHERE id = 3"));
    }

    [Fact]
    public async Task VerifyPassesOnAGoodBackupAndFailsOnADumpCutAt60Percent()
    {
        var name = await DatabaseWithRowsAsync("backup_verify");

        var backup = await Script.RunAsync("docker/backup.sh", Env(name), "--verify");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.Contains("the same counts in the dump and in", backup.Stderr);
        Assert.Equal(0L, await postgres.ScalarAsync("postgres", $"SELECT count(*) FROM pg_database WHERE datname LIKE '{name}\\_verify\\_%'"));
        var good = Assert.Single(Backups());
        Assert.True(new FileInfo(good).Length > 20_000, "the dump should be big enough for a cut to fall inside the data");

        var cut = Path.Combine(_backups, "cut.sql.gz");
        var bytes = await File.ReadAllBytesAsync(good, TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(cut, bytes[..(bytes.Length * 60 / 100)], TestContext.Current.CancellationToken);
        var drill = await Script.RunAsync("docker/restore.sh", Env(name), "--verify", cut);
        Assert.NotEqual(0, drill.ExitCode);
        Assert.Contains("truncated or corrupt", drill.Stderr);

        // The same cut dump restored for real changes nothing: the empty database stays empty.
        var empty = await postgres.CreateDatabaseAsync("backup_verify_target");
        var restore = await Script.RunAsync("docker/restore.sh", Env(empty), cut);
        Assert.NotEqual(0, restore.ExitCode);
        Assert.Empty(await RowCountsAsync(empty));
        var drillOfGood = await Script.RunAsync("docker/restore.sh", Env(name), "--verify", good);
        Assert.True(drillOfGood.ExitCode == 0, drillOfGood.ToString());
    }

    [Fact]
    public async Task AFailingDumpExitsNonZeroAndLeavesTheDirectoryAsItWas()
    {
        var name = await DatabaseWithRowsAsync("backup_failing");
        var first = await Script.RunAsync("docker/backup.sh", Env(name));
        Assert.True(first.ExitCode == 0, first.ToString());
        var old = Path.Combine(DbFolder, "viatique-20200101T000000Z.sql.gz");
        File.Copy(Backups()[0], old);
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddDays(-45));
        var before = Listing();

        var unreachable = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = $"postgresql://postgres:wrong@127.0.0.1:{Ports.Free()}/{name}",
            ["BACKUP_DIR"] = _backups,
        };
        var failed = await Script.RunAsync("docker/backup.sh", unreachable);

        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("pg_dump", failed.Stderr);
        Assert.Contains("no backup was written and none was deleted", failed.Stderr);
        Assert.Equal(before, Listing());
    }

    [Fact]
    public async Task RetentionRemovesOnlyBackupsOlderThan30Days()
    {
        var name = await DatabaseWithRowsAsync("backup_retention");
        Directory.CreateDirectory(DbFolder);
        string Aged(string fileName, int days)
        {
            var path = Path.Combine(DbFolder, fileName);
            File.WriteAllText(path, "an old backup");
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddDays(-days));
            return path;
        }
        var expired = Aged("viatique-20250101T000000Z.sql.gz", 31);
        var kept = Aged("viatique-20250201T000000Z.sql.gz", 29);
        var notOurs = Aged("notes.sql.gz", 60);

        var backup = await Script.RunAsync("docker/backup.sh", Env(name));

        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.False(File.Exists(expired));
        Assert.True(File.Exists(kept));
        Assert.True(File.Exists(notOurs));
        Assert.Equal(2, Backups().Length);
        Assert.Contains("removed viatique-20250101T000000Z.sql.gz", backup.Stderr);
    }

    [Fact]
    public async Task RestoreRefusesANonEmptyDatabaseUnlessToldToReplaceIt()
    {
        var name = await DatabaseWithRowsAsync("restore_nonempty");
        var backup = await Script.RunAsync("docker/backup.sh", Env(name));
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var before = await RowCountsAsync(name);
        await postgres.ExecuteAsync(name, "DELETE FROM notes WHERE id > 100; CREATE TABLE added_later (id int)");

        var refused = await Script.RunAsync("docker/restore.sh", Env(name), "latest");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("is not empty; nothing was changed", refused.Stderr);
        Assert.Equal(100L, await postgres.ScalarAsync(name, "SELECT count(*) FROM notes"));

        var replaced = await Script.RunAsync("docker/restore.sh", Env(name), "--replace", "latest");
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        Assert.Equal(before, await RowCountsAsync(name));
    }
}
