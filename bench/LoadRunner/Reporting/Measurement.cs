using LoadRunner.Wrk;

namespace LoadRunner.Reporting;

/// <summary>One measurement of one system in one scenario and round. Rates in req/s, latencies in ms.</summary>
public sealed record Measurement(string Scenario, string System, int Round)
{
    public double RequestsPerSecond { get; init; }

    public double P50Ms { get; init; }

    public double P99Ms { get; init; }

    public double P999Ms { get; init; }

    public long Requests { get; init; }

    public long Errors { get; init; }

    public bool Exhausted { get; init; }

    /// <summary>Scenario-specific figures: source loads, RSS, bytes per entry, start-up time.</summary>
    public Dictionary<string, double> Extra { get; init; } = [];

    public WrkResult? Wrk { get; init; }

    public static Measurement FromWrk(string scenario, string system, int round, WrkResult wrk) => new(scenario, system, round)
    {
        RequestsPerSecond = wrk.RequestsPerSecond,
        P50Ms = wrk.Latency.P50 / 1000.0,
        P99Ms = wrk.Latency.P99 / 1000.0,
        P999Ms = wrk.Latency.P999 / 1000.0,
        Requests = wrk.Requests,
        Errors = wrk.Errors,
        Exhausted = wrk.Exhausted,
        Wrk = wrk,
    };
}
