using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Media;

/// <summary>
/// MEDIA_ROOT on a real, tiny file system (a 256 KiB tmpfs) that really fills up (SPEC §7): an
/// upload that does not fit is 507 with a problem body, leaves nothing behind and logs no ERROR;
/// once space is freed, uploads work again. Mounting needs root, as CI runs.
/// </summary>
public class FullDiskTests(PostgresServer postgres, RedisServer redis)
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnUploadOnAFullDiskIs507LeavesNothingAndTheNextOneFitsOnceSpaceIsFreed()
    {
        Assert.True(Environment.UserName == "root",
            $"this test mounts a tmpfs as MEDIA_ROOT and needs root (CI runs as root); running as '{Environment.UserName}'");
        var mediaRoot = Directory.CreateTempSubdirectory("viatique-full-disk-").FullName;
        await ServerProcess.RunAsync("mount", ["-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", mediaRoot]);
        try
        {
            var db = await AccountsDatabase.CreateAsync(postgres, redis, "fulldisk", ("MEDIA_ROOT", mediaRoot));
            await db.CreateUserAsync("filler");
            await using var app = db.Start();
            await app.WaitUntilListeningAsync();
            using var browser = new BrowserClient(app);
            Assert.Equal(HttpStatusCode.OK, await browser.LoginAsync("filler", AccountsDatabase.UserPassword));

            // The host's temporary folder exists before the disk fills, as it would in service.
            Directory.CreateDirectory(Path.Combine(mediaRoot, ".incoming"));
            var ballast = Path.Combine(mediaRoot, "ballast");
            FillUp(ballast);
            byte[] content = [.. "%PDF-1.7\n"u8, .. RandomNumberGenerator.GetBytes(64 * 1024)];

            using (var full = await browser.SendAsync(HttpMethod.Post, "/api/media/", Form("scan.pdf", content)))
            {
                Assert.Equal(HttpStatusCode.InsufficientStorage, full.StatusCode);
                Assert.Equal("application/problem+json", full.Content.Headers.ContentType?.MediaType);
                var problem = await full.Content.ReadFromJsonAsync<JsonElement>(Token);
                Assert.Equal(507, problem.GetProperty("status").GetInt32());
            }
            Assert.Equal([ballast], Directory.GetFiles(mediaRoot, "*", SearchOption.AllDirectories));
            Assert.Equal(0L, await postgres.ScalarAsync(db.Name, "SELECT count(*) FROM media_files"));
            Assert.DoesNotContain(app.StdoutLines, l => l.Contains("\"levelname\":\"ERROR\"", StringComparison.Ordinal)
                || l.Contains("   at ", StringComparison.Ordinal));

            File.Delete(ballast);
            using var fits = await browser.SendAsync(HttpMethod.Post, "/api/media/", Form("scan.pdf", content));
            Assert.Equal(HttpStatusCode.Created, fits.StatusCode);
            var url = (await fits.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("url").GetString()!;
            Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(mediaRoot, url["/media/".Length..]), Token));
        }
        finally
        {
            // Even when an assertion failed: no tmpfs outlives the test.
            await ServerProcess.RunAsync("umount", [mediaRoot]);
            Directory.Delete(mediaRoot);
        }
    }

    /// <summary>Writes <paramref name="path"/> until the file system refuses another byte.</summary>
    static void FillUp(string path)
    {
        using var ballast = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        var page = new byte[4096];
        try
        {
            while (true)
            {
                ballast.Write(page);
            }
        }
        catch (IOException)
        {
            // ENOSPC: the disk is full, which is the point.
        }
    }

    static MultipartFormDataContent Form(string fileName, byte[] content)
    {
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        return new MultipartFormDataContent { { file, "file", fileName } };
    }
}
