using Viatique.Api.IntegrationTests.Infrastructure;

// One PostgreSQL cluster and one Redis for the whole assembly; tests that stop or freeze a
// server start their own instance instead.
[assembly: AssemblyFixture(typeof(PostgresServer))]
[assembly: AssemblyFixture(typeof(RedisServer))]
[assembly: AssemblyFixture(typeof(AppProcessReaper))]

// Most tests spend their time waiting on host processes (starting, timing out, polling), not
// computing: four test classes at a time keep two cores busy, where the default (one per core)
// leaves them idle. More than that starves the hosts of CPU on two cores, and the deploy
// checklist's 10 s probes and the migrate retries start to miss their windows.
[assembly: CollectionBehavior(MaxParallelThreads = 4)]
