using Viatique.Api.IntegrationTests.Infrastructure;

// One PostgreSQL cluster and one Redis for the whole assembly; tests that stop or freeze a
// server start their own instance instead.
[assembly: AssemblyFixture(typeof(PostgresServer))]
[assembly: AssemblyFixture(typeof(RedisServer))]
[assembly: AssemblyFixture(typeof(AppProcessReaper))]
