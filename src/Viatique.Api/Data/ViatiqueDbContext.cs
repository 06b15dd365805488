using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Viatique.Api.Auth;
using Viatique.Api.Media;
using Viatique.Api.Settings;

namespace Viatique.Api.Data;

/// <summary>
/// The model, shared by both providers. Each provider has its own subclass so that it keeps
/// its own migration set (Data/Migrations/Postgres, Data/Migrations/Sqlite), generated from this
/// one model and checked for drift by a test.
/// </summary>
public abstract class ViatiqueDbContext(DbContextOptions options) : IdentityDbContext<IdentityUser>(options), IDataProtectionKeyContext
{
    public DbSet<SecretKeySighting> SecretKeySightings => Set<SecretKeySighting>();

    /// <summary>The data-protection key ring (cookies, CSRF and reset tokens), itself encrypted with SECRET_KEY.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<UserSession> Sessions => Set<UserSession>();

    public DbSet<MediaFile> MediaFiles => Set<MediaFile>();

    public DbSet<PasswordResetMail> PasswordResetMails => Set<PasswordResetMail>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);

        modelBuilder.Entity<SecretKeySighting>(key =>
        {
            key.ToTable("secret_key_sightings");
            key.HasKey(k => k.Fingerprint);
            key.Property(k => k.Fingerprint).HasColumnName("fingerprint").HasMaxLength(64);
            key.Property(k => k.FirstSeen).HasColumnName("first_seen");
            key.Property(k => k.LastSeen).HasColumnName("last_seen");
        });

        modelBuilder.Entity<DataProtectionKey>().ToTable("data_protection_keys");

        modelBuilder.Entity<UserSession>(session =>
        {
            session.ToTable("user_sessions");
            session.HasKey(s => s.Key);
            session.Property(s => s.Key).HasMaxLength(64);
            session.Property(s => s.UserId).HasMaxLength(450);
            session.HasIndex(s => s.UserId);
            session.HasIndex(s => s.ExpiresAt);
        });

        modelBuilder.Entity<PasswordResetMail>(mail =>
        {
            mail.ToTable("password_reset_mails");
            mail.HasKey(m => m.UserId);
            mail.Property(m => m.UserId).HasMaxLength(450);
            mail.Property(m => m.SecurityStamp).HasMaxLength(256);
            mail.HasIndex(m => m.SentAt);
        });

        modelBuilder.Entity<MediaFile>(file =>
        {
            file.ToTable("media_files");
            file.HasKey(f => f.Id);
            file.Property(f => f.OwnerId).HasMaxLength(450);
            file.Property(f => f.StoredName).HasMaxLength(80);
            file.Property(f => f.Name).HasMaxLength(255);
            file.Property(f => f.ContentType).HasMaxLength(255);
            file.HasIndex(f => f.OwnerId);
            file.HasIndex(f => f.StoredName).IsUnique();
        });
    }
}

public sealed class PostgresDbContext(DbContextOptions<PostgresDbContext> options) : ViatiqueDbContext(options);

public sealed class SqliteDbContext(DbContextOptions<SqliteDbContext> options) : ViatiqueDbContext(options);
