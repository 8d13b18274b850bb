using System.Text.Json.Serialization;

namespace LoadRunner.Wrk;

/// <summary>What the wrk script's done() printed (latencies in microseconds).</summary>
public sealed record WrkResult(
    [property: JsonPropertyName("requests")] long Requests,
    [property: JsonPropertyName("duration_us")] long DurationMicros,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("connect_errors")] long ConnectErrors,
    [property: JsonPropertyName("read_errors")] long ReadErrors,
    [property: JsonPropertyName("write_errors")] long WriteErrors,
    [property: JsonPropertyName("status_errors")] long StatusErrors,
    [property: JsonPropertyName("timeouts")] long Timeouts,
    [property: JsonPropertyName("fresh_sent")] long FreshSent,
    [property: JsonPropertyName("latency_us")] WrkLatency Latency)
{
    public double RequestsPerSecond => DurationMicros == 0 ? 0 : Requests * 1e6 / DurationMicros;

    /// <summary>Socket errors plus non-2xx/3xx answers.</summary>
    public long Errors => ConnectErrors + ReadErrors + WriteErrors + StatusErrors + Timeouts;

    /// <summary>True when a fresh-key run used up its keys before the duration ended.</summary>
    public bool Exhausted { get; init; }

    /// <summary>CPU seconds wrk itself used (read when it printed its result).</summary>
    public double WrkCpuSeconds { get; init; }
}

public sealed record WrkLatency(
    [property: JsonPropertyName("min")] long Min,
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("stdev")] double Stdev,
    [property: JsonPropertyName("max")] long Max,
    [property: JsonPropertyName("p50")] long P50,
    [property: JsonPropertyName("p75")] long P75,
    [property: JsonPropertyName("p90")] long P90,
    [property: JsonPropertyName("p99")] long P99,
    [property: JsonPropertyName("p999")] long P999);
