using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace Viatique.Api.IntegrationTests.Infrastructure;

/// <summary>
/// One user's browser behind nginx: its own client IP (X-Forwarded-For), HTTPS as nginx reports
/// it (X-Forwarded-Proto), the front end's Origin, a cookie jar that keeps Secure cookies, and the
/// CSRF header on unsafe methods — the way the Vue front end calls the API.
/// </summary>
sealed class BrowserClient : IDisposable
{
    public const string Site = "viatique.example.com";
    public const string Origin = "https://viatique.example.com";

    readonly HttpClient _http;
    readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);

    public BrowserClient(AppProcess app, bool https = true)
    {
        _http = Clients.For(app);
        Https = https;
        // A /64 of its own: IPv6 clients are rate limited and locked out per /64.
        ClientIp = $"2001:db8:{RandomNumberGenerator.GetInt32(1, 0xffff):x}:{RandomNumberGenerator.GetInt32(1, 0xffff):x}::1";
    }

    public bool Https { get; }
    public string ClientIp { get; set; }
    public string? OriginHeader { get; set; } = Origin;
    public bool SendCsrfHeader { get; set; } = true;
    public IReadOnlyDictionary<string, string> Cookies => _cookies;
    public string? Cookie(string name) => _cookies.GetValueOrDefault(name);
    public void SetCookie(string name, string value) => _cookies[name] = value;

    static CancellationToken Token => TestContext.Current.CancellationToken;

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Host = Site;
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", ClientIp);
        if (Https)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
        }
        if (method != HttpMethod.Get && method != HttpMethod.Head)
        {
            if (OriginHeader is not null)
            {
                request.Headers.TryAddWithoutValidation("Origin", OriginHeader);
            }
            if (SendCsrfHeader && Cookie("csrftoken") is { } csrf)
            {
                request.Headers.TryAddWithoutValidation("X-CSRFToken", csrf);
            }
        }
        if (_cookies.Count > 0)
        {
            request.Headers.TryAddWithoutValidation("Cookie", string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}")));
        }
        var response = await _http.SendAsync(request, Token);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var header in setCookies)
            {
                var pair = header.Split(';')[0];
                var eq = pair.IndexOf('=');
                var (name, value) = (pair[..eq].Trim(), pair[(eq + 1)..].Trim());
                var expired = header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase) || value.Length == 0;
                if (expired)
                {
                    _cookies.Remove(name);
                }
                else
                {
                    _cookies[name] = value;
                }
            }
        }
        return response;
    }

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<HttpResponseMessage> PostJsonAsync(string path, object body) => SendAsync(HttpMethod.Post, path, JsonContent.Create(body));

    /// <summary>GET /api/auth/csrf/: the cookie the front end reads before any unsafe call.</summary>
    public async Task<string> FetchCsrfAsync()
    {
        using var response = await GetAsync("/api/auth/csrf/");
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(Token);
        return json.GetProperty("csrfToken").GetString()!;
    }

    public async Task<HttpStatusCode> LoginAsync(string username, string password)
    {
        if (Cookie("csrftoken") is null)
        {
            await FetchCsrfAsync();
        }
        using var response = await PostJsonAsync("/api/auth/login/", new { username, password });
        return response.StatusCode;
    }

    public async Task<HttpStatusCode> MeStatusAsync()
    {
        using var response = await GetAsync("/api/auth/me/");
        return response.StatusCode;
    }

    public void Dispose() => _http.Dispose();
}
