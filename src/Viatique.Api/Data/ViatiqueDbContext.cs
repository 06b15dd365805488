using Microsoft.EntityFrameworkCore;
using Viatique.Api.Settings;

namespace Viatique.Api.Data;

/// <summary>
/// The model, shared by both providers. Each provider has its own subclass so that it keeps
/// its own migration set (Data/Migrations/Postgres, Data/Migrations/Sqlite), generated from this
/// one model and checked for drift by a test.
/// </summary>
public abstract class ViatiqueDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<SecretKeySighting> SecretKeySightings => Set<SecretKeySighting>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<SecretKeySighting>(key =>
        {
            key.ToTable("secret_key_sightings");
            key.HasKey(k => k.Fingerprint);
            key.Property(k => k.Fingerprint).HasColumnName("fingerprint").HasMaxLength(64);
            key.Property(k => k.FirstSeen).HasColumnName("first_seen");
            key.Property(k => k.LastSeen).HasColumnName("last_seen");
        });
    }
}

public sealed class PostgresDbContext(DbContextOptions<PostgresDbContext> options) : ViatiqueDbContext(options);

public sealed class SqliteDbContext(DbContextOptions<SqliteDbContext> options) : ViatiqueDbContext(options);
