using Npgsql;
using StackExchange.Redis;
using Viatique.Api.Data;
using Viatique.Api.Hosting;

namespace Viatique.Api.Tests.Hosting;

public class FailuresTests
{
    [Fact]
    public void DependencyOutagesAre503() => Assert.All(new Exception[]
    {
        new NpgsqlException("Exception while connecting", new System.Net.Sockets.SocketException(111)),
        new NpgsqlException("The connection pool has been exhausted", new TimeoutException()),
        new RedisConnectionException(ConnectionFailureType.UnableToConnect, "down"),
        new RedisTimeoutException("slow", CommandStatus.Sent),
        new DatabaseCircuitOpenException(),
        new InvalidOperationException("wrapped", new TimeoutException()),
    }, e => Assert.Equal(503, Failures.StatusOf(e)));

    [Fact]
    public void MalformedInputIs4xx()
    {
        Assert.Equal(400, Failures.StatusOf(new InvalidDataException("Multipart header length limit 16384 exceeded.")));
        Assert.Equal(413, Failures.StatusOf(new Microsoft.AspNetCore.Http.BadHttpRequestException("too large", 413)));
    }

    [Fact]
    public void AFullDiskIs507() => Assert.Equal(507, Failures.StatusOf(new IOException("No space left on device", 28)));

    [Fact]
    public void BugsStay500() => Assert.Null(Failures.StatusOf(new NullReferenceException()));

    [Fact]
    public void OnlyAnUnreachableDatabaseTripsTheCircuit()
    {
        Assert.True(DatabaseCircuit.IsOutage(new NpgsqlException("Exception while reading from stream", new TimeoutException())));
        Assert.False(DatabaseCircuit.IsOutage(new NpgsqlException("The connection pool has been exhausted, either raise 'Max Pool Size'", new TimeoutException())));
        Assert.False(DatabaseCircuit.IsOutage(new InvalidOperationException()));
    }
}
