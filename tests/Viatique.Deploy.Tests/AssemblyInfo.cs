using Viatique.Deploy.Tests.Infrastructure;

// The images are built (or found in the cache) once per run, before any container test.
[assembly: AssemblyFixture(typeof(DockerImages))]
