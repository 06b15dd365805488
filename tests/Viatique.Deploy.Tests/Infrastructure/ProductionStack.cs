namespace Viatique.Deploy.Tests.Infrastructure;

/// <summary>
/// One production stack shared by the tests of <see cref="ProductionStackCollection"/>: every
/// service of docker/docker-compose.prod.yml, three backend replicas started at once, pebble
/// as the ACME server and an SMTP sink. Tests in the collection run one after another, so a test that stops a
/// service restores it before the next one runs.
/// </summary>
public sealed class ProductionStack(DockerImages images) : IAsyncLifetime
{
    public const int BackendReplicas = 3;

    /// <summary>Every service of the production file.</summary>
    public static readonly string[] Services = ["db", "redis", "backend", "worker", "scheduler", "certbot", "nginx"];

    public ComposeStack Stack { get; private set; } = null!;
    public DockerImages Images => images;

    public async ValueTask InitializeAsync() =>
        Stack = await ComposeStack.StartAsync(images, new ComposeStackOptions
        {
            Services = Services,
            BackendReplicas = BackendReplicas,
            Pebble = true,
            Smtp = true,
        });

    public async ValueTask DisposeAsync()
    {
        if (Stack is not null)
        {
            await Stack.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ProductionStackCollection : ICollectionFixture<ProductionStack>
{
    public const string Name = "production stack";
}
