using System.Text.Json;
using Google.Protobuf;
using GroupCache.Http.Protocol;
using GroupCache.Peers;

namespace GroupCache.Http.Tests;

public class GetResponseCodecTests
{
    public static TheoryData<string, double, string> Vectors()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "vectors", "getresponse.json")));
        var data = new TheoryData<string, double, string>();
        foreach (var v in doc.RootElement.EnumerateArray())
        {
            data.Add(v.GetProperty("value").GetString()!, v.GetProperty("minute_qps").GetDouble(), v.GetProperty("hex").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void ToMessage_GoldenVector_EncodesTheSameBytesAsGo(string valueBase64, double minuteQps, string hex)
    {
        var response = new PeerResponse(new ByteView(Convert.FromBase64String(valueBase64)), 0, minuteQps);
        Assert.Equal(hex, Convert.ToHexStringLower(GetResponseCodec.ToMessage(response).ToByteArray()));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Decode_GoldenVector_ReturnsValueAndQps(string valueBase64, double minuteQps, string hex)
    {
        var decoded = GetResponseCodec.Decode(Convert.FromHexString(hex));
        Assert.Equal(Convert.FromBase64String(valueBase64), decoded.Value.ToArray());
        Assert.Equal(minuteQps, decoded.MinuteQps);
        Assert.Equal(0, decoded.ExpiresAtUnixNanos);
    }

    [Fact]
    public void ToMessage_WithExpiry_SendsFieldThreeAndDecodesBack()
    {
        var response = new PeerResponse(ByteView.FromString("hello"), 1_700_000_000_123_456_789);
        byte[] bytes = GetResponseCodec.ToMessage(response).ToByteArray();

        // "hello" as field 1, then field 3 as a varint (tag 0x18).
        Assert.Equal("0a0568656c6c6f18", Convert.ToHexStringLower(bytes)[..16]);
        var decoded = GetResponseCodec.Decode(bytes);
        Assert.Equal("hello", decoded.Value.ToString());
        Assert.Equal(1_700_000_000_123_456_789, decoded.ExpiresAtUnixNanos);
    }

    [Fact]
    public void Decode_UnknownFields_AreIgnored()
    {
        // value "hi", then field 15 varint 7, then field 9 length-delimited "xyz".
        byte[] bytes = Convert.FromHexString("0a02686978074a0378797a");
        var decoded = GetResponseCodec.Decode(bytes);
        Assert.Equal("hi", decoded.Value.ToString());
    }

    [Fact]
    public void Decode_EmptyBody_IsAnEmptyValue() =>
        Assert.Equal(0, GetResponseCodec.Decode([]).Value.Length);

    [Theory]
    [InlineData("ffffffff")]
    [InlineData("0a0568656c")]
    [InlineData("3c68746d6c3e")]
    public void Decode_Garbage_Throws(string hex) =>
        Assert.Throws<InvalidProtocolBufferException>(() => GetResponseCodec.Decode(Convert.FromHexString(hex)));

    [Fact]
    public void Decode_Value_IsACopyOfTheBuffer()
    {
        byte[] buffer = Convert.FromHexString("0a03616263");
        var decoded = GetResponseCodec.Decode(buffer);
        buffer[2] = (byte)'X';
        Assert.Equal("abc", decoded.Value.ToString());
    }
}
