using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GroupCache.Http.Tests.Hosting;

/// <summary>Groups registered with <c>AddGroupCache</c> report through their host's meter factory, not the process-wide meter.</summary>
public class HostMetricsTests
{
    private static IHost NewHost()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["GroupCache:Self"] = "http://127.0.0.1:5001" });
        builder.Services.AddMetrics();
        builder.Services.AddGroupCache().AddGroup("products", 1 << 20, (key, _) => ValueTask.FromResult(ByteView.FromString(key)));
        return builder.Build();
    }

    /// <summary>Reads the <c>groupcache.group.gets</c> counter of the meters one factory made, and of no other meter.</summary>
    private sealed class GetsOfFactory : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _gets;

        public GetsOfFactory(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "groupcache.group.gets")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => _gets += value);
            _listener.Start();
        }

        public long Observe()
        {
            _gets = 0;
            _listener.RecordObservableInstruments();
            return _gets;
        }

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task AddGroupCache_TwoHostsInOneProcess_EachHostsMeterFactorySeesOnlyItsOwnGets()
    {
        using var first = NewHost();
        using var second = NewHost();
        await first.StartAsync();
        await second.StartAsync();
        try
        {
            using var firstGets = new GetsOfFactory(first.Services.GetRequiredService<IMeterFactory>());
            using var secondGets = new GetsOfFactory(second.Services.GetRequiredService<IMeterFactory>());

            await first.Services.GetRequiredKeyedService<Group>("products").GetAsync("a");
            await first.Services.GetRequiredKeyedService<Group>("products").GetAsync("b");
            await second.Services.GetRequiredKeyedService<Group>("products").GetAsync("c");

            Assert.Equal(2, firstGets.Observe());
            Assert.Equal(1, secondGets.Observe());
        }
        finally
        {
            await first.StopAsync();
            await second.StopAsync();
        }
    }
}
