using Microsoft.EntityFrameworkCore;
using Viatique.Api.Data;

namespace Viatique.Api.Tests.Data;

/// <summary>Both migration sets capture the one model: a model change without a migration fails here.</summary>
public class MigrationsInSyncTests
{
    [Fact]
    public void PostgresMigrationsCaptureTheModel()
    {
        using var db = new PostgresDbContext(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql("Host=unused").Options);
        Assert.False(db.Database.HasPendingModelChanges(), "run: dotnet ef migrations add <Name> --context PostgresDbContext --output-dir Data/Migrations/Postgres");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public void SqliteMigrationsCaptureTheModel()
    {
        using var db = new SqliteDbContext(new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite("Data Source=:memory:").Options);
        Assert.False(db.Database.HasPendingModelChanges(), "run: dotnet ef migrations add <Name> --context SqliteDbContext --output-dir Data/Migrations/Sqlite");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public void BothSetsHaveTheSameMigrationNames()
    {
        using var pg = new PostgresDbContext(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql("Host=unused").Options);
        using var lite = new SqliteDbContext(new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite("Data Source=:memory:").Options);
        static IEnumerable<string> Names(DbContext db) => db.Database.GetMigrations().Select(m => m[(m.IndexOf('_') + 1)..]);
        Assert.Equal(Names(pg), Names(lite));
    }
}
