using System.Text;
using System.Text.Json;
using LoadRunner;

namespace LoadRunner.Tests;

public class KeySpaceTests
{
    [Fact]
    public void SmallValue_HitBody_IsTheCeilingsFortyBytes()
    {
        string key = KeySpace.Hit(1);
        string body = JsonSerializer.Serialize(new { key, value = KeySpace.SmallValue(key) });

        Assert.Equal("""{"key":"h00001","value":"val-h00001xxx"}""", body);
        Assert.Equal(40, Encoding.UTF8.GetByteCount(body));
    }

    [Fact]
    public void FreshValue_Always_HundredBytes()
    {
        Assert.Equal(KeySpace.FreshValueBytes, KeySpace.FreshValue(KeySpace.Fresh(1234567)).Length);
        Assert.Equal(8, KeySpace.Fresh(0).Length);
    }

    [Fact]
    public void Rows_FreshCount_AllKeysDistinct()
    {
        var rows = KeySpace.Rows(1000).ToList();

        Assert.Equal(KeySpace.HitKeys + KeySpace.PeerCandidates + KeySpace.StormKeys + 1000, rows.Count);
        Assert.Equal(rows.Count, rows.Select(r => r.Item1).Distinct().Count());
    }
}
