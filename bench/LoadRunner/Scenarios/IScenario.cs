namespace LoadRunner.Scenarios;

public interface IScenario
{
    string Name { get; }

    Task RunAsync(BenchContext context);
}
