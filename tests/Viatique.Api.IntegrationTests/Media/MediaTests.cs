using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Media;

public class MediaTests(PostgresServer postgres, RedisServer redis) : IAsyncLifetime
{
    readonly string _mediaRoot = Directory.CreateTempSubdirectory("viatique-media-").FullName;
    AccountsDatabase _db = null!;
    AppProcess _app = null!;

    static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _db = await AccountsDatabase.CreateAsync(postgres, redis, "media", ("MEDIA_ROOT", _mediaRoot));
        await _db.CreateUserAsync("owner");
        await _db.CreateUserAsync("stranger");
        _app = _db.Start();
        await _app.WaitUntilListeningAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_mediaRoot, recursive: true);
    }

    async Task<BrowserClient> SignedInAsync(string user)
    {
        var browser = new BrowserClient(_app);
        Assert.Equal(HttpStatusCode.OK, await browser.LoginAsync(user, AccountsDatabase.UserPassword));
        return browser;
    }

    static MultipartFormDataContent Form(string fileName, byte[] content, string contentType = "application/octet-stream")
    {
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return new MultipartFormDataContent { { file, "file", fileName } };
    }

    /// <summary>Every file under MEDIA_ROOT (fresh for each test), the temporary upload folder included.</summary>
    string[] FilesOnDisk() => Directory.GetFiles(_mediaRoot, "*", SearchOption.AllDirectories);

    async Task<long> RowsAsync() => (long)(await postgres.ScalarAsync(_db.Name, "SELECT count(*) FROM media_files"))!;

    [Fact]
    public async Task UploadStoresUnderARandomNameAndOnlyTheOwnerSeesIt()
    {
        using var owner = await SignedInAsync("owner");
        using var stranger = await SignedInAsync("stranger");
        var content = Encoding.UTF8.GetBytes("a holiday picture, honestly");

        using var upload = await owner.SendAsync(HttpMethod.Post, "/api/media/", Form("../../etc/Holiday Photo.JPG", content, "image/jpeg"));

        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var body = await upload.Content.ReadFromJsonAsync<JsonElement>(Token);
        var id = body.GetProperty("id").GetString()!;
        var url = body.GetProperty("url").GetString()!;
        Assert.Equal("Holiday Photo.JPG", body.GetProperty("name").GetString());
        Assert.Equal(content.Length, body.GetProperty("size").GetInt64());
        Assert.Matches("^/media/[0-9a-f]{32}\\.jpg$", url);
        var stored = Path.Combine(_mediaRoot, url["/media/".Length..]);
        Assert.Equal(content, await File.ReadAllBytesAsync(stored, Token));
        Assert.Equal(upload.Headers.Location?.ToString(), url);

        using (var list = await owner.GetAsync("/api/media/"))
        {
            Assert.Single((await list.Content.ReadFromJsonAsync<JsonElement>(Token)).EnumerateArray());
        }
        using (var other = await stranger.GetAsync($"/api/media/{id}"))
        using (var otherDelete = await stranger.SendAsync(HttpMethod.Delete, $"/api/media/{id}"))
        using (var otherList = await stranger.GetAsync("/api/media/"))
        {
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, otherDelete.StatusCode);
            Assert.Empty((await otherList.Content.ReadFromJsonAsync<JsonElement>(Token)).EnumerateArray());
        }
        Assert.True(File.Exists(stored));

        using (var mine = await owner.GetAsync($"/api/media/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        }
        using (var delete = await owner.SendAsync(HttpMethod.Delete, $"/api/media/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }
        Assert.False(File.Exists(stored));
    }

    [Theory]
    [InlineData("shell.php", "text/plain", "<?php echo 1;")]
    [InlineData("page.html", "text/html", "<html></html>")]
    [InlineData("logo.svg", "image/svg+xml", "<svg/>")]
    [InlineData("run.sh", "application/octet-stream", "#!/bin/sh")]
    [InlineData("photo.php.jpg", "image/jpeg", "not really")]
    [InlineData("innocent.jpg", "image/jpeg", "<?php system($_GET['c']);")]
    [InlineData("notes.txt", "text/html", "hello")]
    public async Task ScriptsExecutablesAndMarkupAre415AndLeaveNothing(string name, string type, string content)
    {
        using var owner = await SignedInAsync("owner");
        var rowsBefore = await RowsAsync();

        using var upload = await owner.SendAsync(HttpMethod.Post, "/api/media/", Form(name, Encoding.UTF8.GetBytes(content), type));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, upload.StatusCode);
        Assert.Empty(FilesOnDisk());
        Assert.Equal(rowsBefore, await RowsAsync());
    }

    [Fact]
    public async Task DeclaredBodyOver50MegabytesIs413WithNothingOnDisk()
    {
        using var owner = await SignedInAsync("owner");
        var rowsBefore = await RowsAsync();
        const long size = 51L * 1024 * 1024;

        var status = await RawHttp.SendAsync(_app.Port, UploadHead(owner, $"Content-Length: {size}"), size);

        Assert.Equal(413, status);
        Assert.Empty(FilesOnDisk());
        Assert.Equal(rowsBefore, await RowsAsync());
    }

    [Fact]
    public async Task ChunkedUploadOver50MegabytesIs413AndThePartialFileIsRemoved()
    {
        using var owner = await SignedInAsync("owner");
        var rowsBefore = await RowsAsync();

        var status = await ChunkedUploadAsync(owner, 51L * 1024 * 1024, abortAfter: null);

        Assert.Equal(413, status);
        await AssertNothingLeftAsync(rowsBefore);
    }

    [Fact]
    public async Task AnAbortedUploadLeavesNoPartialFileOrRow()
    {
        using var owner = await SignedInAsync("owner");
        var rowsBefore = await RowsAsync();

        await ChunkedUploadAsync(owner, 20L * 1024 * 1024, abortAfter: 5L * 1024 * 1024);

        await AssertNothingLeftAsync(rowsBefore);
    }

    [Fact]
    public async Task AnUploadStillRunningAfterThirtySecondsIsCutWith504AndLeavesNothing()
    {
        using var owner = await SignedInAsync("owner");
        var rowsBefore = await RowsAsync();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _app.Port, Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(UploadHead(owner, "Content-Length: 10000000")), Token);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.dat\"\r\n\r\n"), Token);
        var started = DateTime.UtcNow;

        // 2 KB/s: fast enough for Kestrel's minimum data rate, far too slow to finish in 30 s.
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[512];
            var read = await stream.ReadAsync(buffer, Token);
            return Encoding.ASCII.GetString(buffer, 0, read);
        }, Token);
        var chunk = new byte[1024];
        while (!reading.IsCompleted && DateTime.UtcNow - started < TimeSpan.FromSeconds(60))
        {
            try
            {
                await stream.WriteAsync(chunk, Token);
            }
            catch (IOException)
            {
                break;
            }
            await Task.Delay(500, Token);
        }
        var response = await reading.WaitAsync(TimeSpan.FromSeconds(10), Token);

        Assert.StartsWith("HTTP/1.1 504", response);
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 25, 45);
        await AssertNothingLeftAsync(rowsBefore);
    }

    [Fact]
    public async Task AnonymousUploadIs401()
    {
        using var anonymous = new BrowserClient(_app);
        await anonymous.FetchCsrfAsync();
        using var upload = await anonymous.SendAsync(HttpMethod.Post, "/api/media/", Form("a.txt", [1, 2, 3]));
        Assert.Equal(HttpStatusCode.Unauthorized, upload.StatusCode);
    }

    static (string Name, string ContentType, string Body)[] MalformedUploads =>
    [
        // name, Content-Type header, body
        ("truncated", "multipart/form-data; boundary=XyZ",
            "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\nhalf a file and no closing boundary"),
        ("no boundary", "multipart/form-data", "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\nx\r\n--XyZ--\r\n"),
        ("oversized part header", "multipart/form-data; boundary=XyZ",
            "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nX-Pad: " + new string('p', 20_000) + "\r\n\r\nx\r\n--XyZ--\r\n"),
        ("too many part headers", "multipart/form-data; boundary=XyZ",
            "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
            + string.Concat(Enumerable.Range(0, 200).Select(i => $"X-H{i}: v\r\n")) + "\r\nx\r\n--XyZ--\r\n"),
        ("overlong file name", "multipart/form-data; boundary=XyZ",
            $"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{new string('n', 300)}.jpg\"\r\n\r\nx\r\n--XyZ--\r\n"),
        ("overlong part content type", "multipart/form-data; boundary=XyZ",
            $"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/{new string('t', 300)}\r\n\r\nx\r\n--XyZ--\r\n"),
    ];

    // One test (one host) for all the cases: each test of this class starts its own host.
    [Fact]
    public async Task MalformedMultipartIs4xxWithoutAnErrorInTheLog()
    {
        using var owner = await SignedInAsync("owner");
        var rowsBefore = await RowsAsync();
        foreach (var (name, contentType, body) in MalformedUploads)
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);

            using var upload = await owner.SendAsync(HttpMethod.Post, "/api/media/", content);

            Assert.True((int)upload.StatusCode is >= 400 and < 500, $"{name}: {(int)upload.StatusCode}");
        }
        Assert.DoesNotContain(_app.StdoutLines, l => l.Contains("\"levelname\":\"ERROR\"", StringComparison.Ordinal));
        await AssertNothingLeftAsync(rowsBefore);
    }

    [Fact]
    public async Task ActiveContentUnderAnyDisguiseIs415AndDisplayNamesAreCleaned()
    {
        using var owner = await SignedInAsync("owner");
        (string Name, string Type, byte[] Content)[] disguises =
        [
            ("page.mhtml", "application/octet-stream", "MIME-Version: 1.0"u8.ToArray()),
            ("app.hta", "application/octet-stream", "hello"u8.ToArray()),
            ("feed.rss", "application/octet-stream", "hello"u8.ToArray()),
            ("module.wasm", "application/octet-stream", "hello"u8.ToArray()),
            ("note.txt", "text/plain", "<!-- a comment first --><script>alert(1)</script>"u8.ToArray()),
            ("note.txt", "text/plain", "<body onload=alert(1)>"u8.ToArray()),
            ("note.txt", "text/plain", Encoding.UTF8.GetBytes("\uFEFF<html><script>alert(1)</script>")),
            ("note.txt", "text/plain", Encoding.Unicode.GetBytes("<html><script>alert(1)</script>")),
        ];
        foreach (var (name, type, content) in disguises)
        {
            using var refused = await owner.SendAsync(HttpMethod.Post, "/api/media/", Form(name, content, type));
            Assert.True(refused.StatusCode == HttpStatusCode.UnsupportedMediaType, $"{name} ({type}): {(int)refused.StatusCode}");
        }

        using var upload = await owner.SendAsync(HttpMethod.Post, "/api/media/", Form("photo\u202Egpj.bin", [1, 2, 3]));
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var body = await upload.Content.ReadFromJsonAsync<JsonElement>(Token);
        Assert.Equal("photogpj.bin", body.GetProperty("name").GetString());
    }

    async Task AssertNothingLeftAsync(long rowsBefore)
    {
        // The server notices the end of the upload asynchronously; give it a moment.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (FilesOnDisk().Length > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Token);
        }
        Assert.Empty(FilesOnDisk());
        Assert.Equal(rowsBefore, await RowsAsync());
    }

    static string UploadHead(BrowserClient browser, string lengthHeader) =>
        "POST /api/media/ HTTP/1.1\r\n" +
        $"Host: {BrowserClient.Site}\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: {browser.ClientIp}\r\nOrigin: {BrowserClient.Origin}\r\n" +
        $"X-CSRFToken: {browser.Cookie("csrftoken")}\r\nCookie: {string.Join("; ", browser.Cookies.Select(c => $"{c.Key}={c.Value}"))}\r\n" +
        $"Content-Type: multipart/form-data; boundary=XyZ\r\n{lengthHeader}\r\n\r\n";

    /// <summary>A multipart upload with chunked transfer encoding; stops (closes the socket) after <paramref name="abortAfter"/> bytes.</summary>
    async Task<int?> ChunkedUploadAsync(BrowserClient browser, long fileBytes, long? abortAfter)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _app.Port, Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(UploadHead(browser, "Transfer-Encoding: chunked")), Token);
        async Task Chunk(ReadOnlyMemory<byte> data)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"), Token);
            await stream.WriteAsync(data, Token);
            await stream.WriteAsync("\r\n"u8.ToArray(), Token);
        }
        var status = Task.Run(async () =>
        {
            var buffer = new byte[512];
            var read = await stream.ReadAsync(buffer, Token);
            return read == 0 ? (int?)null : int.Parse(Encoding.ASCII.GetString(buffer, 0, read).Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }, Token);
        try
        {
            await Chunk(Encoding.ASCII.GetBytes("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"));
            var block = new byte[64 * 1024];
            for (long sent = 0; sent < fileBytes && !status.IsCompleted; sent += block.Length)
            {
                if (abortAfter is { } limit && sent >= limit)
                {
                    client.Client.Close();
                    return null;
                }
                await Chunk(block);
            }
            await Chunk(Encoding.ASCII.GetBytes("\r\n--XyZ--\r\n"));
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), Token);
        }
        catch (IOException)
        {
            // The server answered and closed while we were sending.
        }
        return await status.WaitAsync(TimeSpan.FromSeconds(30), Token);
    }
}
