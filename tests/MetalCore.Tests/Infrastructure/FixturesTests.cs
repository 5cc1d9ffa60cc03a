namespace MetalCore.Tests.Infrastructure;

[TestFixture]
public class FixturesTests
{
    [Test]
    public void RepositoryRootHoldsTheSolutionAndTheHeader()
    {
        Assert.That(File.Exists(Path.Combine(Fixtures.RepositoryRoot, "native", "metal_core", "include", "metal_core.h")));
    }
}
