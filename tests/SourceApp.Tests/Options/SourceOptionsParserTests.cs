using SourceApp.Options;

namespace SourceApp.Tests.Options;

public class SourceOptionsParserTests
{
    [Fact]
    public void Parse_NoArguments_UsesTheSeedsDefaults()
    {
        var result = SourceOptionsParser.Parse([]);

        Assert.NotNull(result.Options);
        Assert.Equal("./data/sqlite.db", result.Options.DatabasePath);
        Assert.Equal(new ListenAddress("", 8086), result.Options.Listen);
        Assert.True(result.Options.Listen.IsAnyHost);
        Assert.Equal("sourceapp", result.Options.Name);
        Assert.Equal(1024 * 1024, result.Options.MaxBodyBytes);
        Assert.Empty(result.Options.NotifyUrls);
        Assert.Equal(TimeSpan.FromSeconds(1), result.Options.NotifyTimeout);
        Assert.False(result.Options.NotifyAsync);
        Assert.Null(result.Options.WriteToken);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("1.5s", 1500)]
    [InlineData("2m", 120_000)]
    public void Parse_NotifyTimeout_TakesGoDurations(string value, int milliseconds)
    {
        var result = SourceOptionsParser.Parse(["-notify", "http://127.0.0.1:8080", "-notify-timeout", value]);

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), result.Options?.NotifyTimeout);
    }

    [Theory]
    [InlineData(true, "-notify-async", "-db", "x.db")]
    [InlineData(true, "--notify-async=true")]
    [InlineData(false, "-notify-async=false")]
    public void Parse_NotifyAsync_IsABooleanFlagThatTakesNoSeparateValue(bool expected, params string[] args)
    {
        var result = SourceOptionsParser.Parse(args);

        Assert.NotNull(result.Options);
        Assert.Equal(expected, result.Options.NotifyAsync);
    }

    [Theory]
    [InlineData("-db", "x.db", "-http", "127.0.0.1:9000", "-name", "n1")]
    [InlineData("--db", "x.db", "--http", "127.0.0.1:9000", "--name", "n1")]
    [InlineData("-db=x.db", "-http=127.0.0.1:9000", "-name=n1")]
    [InlineData("--db=x.db", "--http=127.0.0.1:9000", "--name=n1")]
    public void Parse_EveryFlagSpelling_GivesTheSameOptions(params string[] args)
    {
        var result = SourceOptionsParser.Parse(args);

        Assert.NotNull(result.Options);
        Assert.Equal("x.db", result.Options.DatabasePath);
        Assert.Equal(new ListenAddress("127.0.0.1", 9000), result.Options.Listen);
        Assert.Equal("n1", result.Options.Name);
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("-help")]
    [InlineData("--help")]
    [InlineData("--h")]
    public void Parse_Help_AsksForUsage(string flag)
    {
        var result = SourceOptionsParser.Parse(["-db", "x.db", flag]);

        Assert.True(result.ShowHelp);
        Assert.Null(result.Error);
    }

    [Theory]
    [InlineData("flag provided but not defined: -port", "-port", "80")]
    [InlineData("flag provided but not defined: -verbose", "--verbose")]
    [InlineData("flag needs an argument: -db", "-db")]
    [InlineData("flag needs an argument: -http", "-name", "a", "--http")]
    [InlineData("unexpected argument \"extra\"", "-db", "x.db", "extra")]
    [InlineData("unexpected argument \"-\"", "-")]
    [InlineData("invalid value \"\" for flag -db", "-db=")]
    [InlineData("invalid value \"\" for flag -name", "--name=")]
    [InlineData("invalid value \"8086\" for flag -http", "-http", "8086")]
    [InlineData("invalid value \"0\" for flag -max-body", "-max-body", "0")]
    [InlineData("invalid value \"1k\" for flag -max-body", "-max-body", "1k")]
    [InlineData("invalid value \"268435457\" for flag -max-body", "-max-body", "268435457")]
    [InlineData("invalid value \"2147483648\" for flag -max-body", "-max-body", "2147483648")]
    [InlineData("invalid value \"9223372036854775807\" for flag -max-body", "-max-body", "9223372036854775807")]
    [InlineData("invalid value \"99999999999999999999\" for flag -max-body", "-max-body", "99999999999999999999")]
    [InlineData("invalid value \"ftp://h:1\" for flag -notify", "-notify", "ftp://h:1")]
    [InlineData("invalid value \"nonsense\" for flag -notify", "-notify", "nonsense")]
    [InlineData("invalid value \"0s\" for flag -notify-timeout", "-notify-timeout", "0s")]
    [InlineData("invalid value \"5\" for flag -notify-timeout", "-notify-timeout", "5")]
    [InlineData("invalid value \"fast\" for flag -notify-timeout", "-notify-timeout", "fast")]
    [InlineData("invalid value \"-1s\" for flag -notify-timeout", "-notify-timeout=-1s")]
    [InlineData("invalid value \"2h\" for flag -notify-timeout", "-notify-timeout", "2h")]
    [InlineData("flag needs an argument: -notify-timeout", "-notify-timeout")]
    [InlineData("invalid boolean value \"maybe\" for flag -notify-async", "-notify-async=maybe")]
    [InlineData("invalid value for flag -token: the token is empty", "-token=")]
    [InlineData("invalid value for flag -token: the token is empty", "-token", "")]
    [InlineData("invalid value for flag -token: the token is empty", "--token", " \n")]
    public void Parse_BadCommandLine_ReturnsTheError(string expected, params string[] args)
    {
        var result = SourceOptionsParser.Parse(args);

        Assert.Null(result.Options);
        Assert.False(result.ShowHelp);
        Assert.NotNull(result.Error);
        Assert.StartsWith(expected, result.Error);
    }

    [Theory]
    [InlineData("http://user:hunter2@127.0.0.1:8080")]
    [InlineData("http://127.0.0.1:8082,http://hunter2@127.0.0.1:8080")]
    [InlineData("http://admin:hunter2@127.0.0.1:8080,127.0.0.1:8082")] // the other URL is malformed too
    [InlineData("http://admin:hunter2@127.0.0.1:8080/?x")]
    public void Parse_NotifyUrlWithCredentials_IsRefusedWithoutEchoingThem(string notify)
    {
        var result = SourceOptionsParser.Parse(["-notify", notify]);

        Assert.Null(result.Options);
        Assert.StartsWith("invalid value for flag -notify: a node URL may not hold a user name or password", result.Error);
        Assert.DoesNotContain("hunter2", result.Error);
    }

    [Fact]
    public void Parse_ValueStartingWithDash_IsTakenAsTheValue()
    {
        // As Go's flag package does: "-name -x" names the node "-x".
        var result = SourceOptionsParser.Parse(["-name", "-x"]);

        Assert.Equal("-x", result.Options?.Name);
    }

    [Fact]
    public void Parse_HostSettings_GoToTheHostUntouched()
    {
        var result = SourceOptionsParser.Parse(["--environment=Development", "--contentRoot", "/tmp", "-db", "x.db"]);

        Assert.NotNull(result.Options);
        Assert.Equal(["--environment=Development", "--contentRoot=/tmp"], result.HostArgs);
    }

    [Fact]
    public void Parse_MaxBodyAndNotify_AreRead()
    {
        var result = SourceOptionsParser.Parse(["-max-body", "2048", "-notify", "http://127.0.0.1:8080, http://127.0.0.1:8082/"]);

        Assert.NotNull(result.Options);
        Assert.Equal(2048, result.Options.MaxBodyBytes);
        Assert.Equal([new Uri("http://127.0.0.1:8080"), new Uri("http://127.0.0.1:8082/")], result.Options.NotifyUrls);
    }

    [Fact]
    public void Parse_MaxBody_TakesUpTo256MiB()
    {
        var result = SourceOptionsParser.Parse(["-max-body", "268435456"]);

        Assert.Equal(256 * 1024 * 1024, result.Options?.MaxBodyBytes);
    }

    [Fact]
    public void Parse_TokenFromEnvironment_IsUsedWhenNoFlag()
    {
        var result = SourceOptionsParser.Parse([], name => name == "SOURCEAPP_TOKEN" ? "from-env" : null);

        Assert.Equal("from-env", result.Options?.WriteToken);
    }

    [Fact]
    public void Parse_TokenFlag_WinsOverTheEnvironment()
    {
        var result = SourceOptionsParser.Parse(["-token", "from-flag"], _ => "from-env");

        Assert.Equal("from-flag", result.Options?.WriteToken);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \n")]
    public void Parse_BlankTokenInEnvironment_MeansNoToken(string blank)
    {
        var result = SourceOptionsParser.Parse([], _ => blank);

        Assert.NotNull(result.Options);
        Assert.Null(result.Options.WriteToken);
    }

    [Fact]
    public void Parse_EmptyTokenFlag_IsAnErrorEvenWithATokenInTheEnvironment()
    {
        // -token "$T" with T unset: neither "no token" nor a quiet fall-back to the environment.
        var result = SourceOptionsParser.Parse(["-token", ""], name => name == "SOURCEAPP_TOKEN" ? "from-env" : null);

        Assert.Null(result.Options);
        Assert.StartsWith("invalid value for flag -token", result.Error);
    }

    [Theory]
    [InlineData("s3cret\n", null)]
    [InlineData(" s3cret\r\n", null)]
    [InlineData(null, "s3cret\n")]
    public void Parse_Token_IsTrimmedAsThePresentedOneIs(string? environment, string? flag)
    {
        string[] args = flag is null ? [] : ["-token", flag];

        var result = SourceOptionsParser.Parse(args, name => name == "SOURCEAPP_TOKEN" ? environment : null);

        Assert.Equal("s3cret", result.Options?.WriteToken);
    }

    [Fact]
    public void Parse_NotifySecretFromEnvironment_IsUsedWhenNoFlag()
    {
        var result = SourceOptionsParser.Parse([], name => name == "SOURCEAPP_NOTIFY_SECRET" ? "from-env\n" : null);

        Assert.Equal("from-env", result.Options?.NotifySecret);
        Assert.Null(result.Options?.WriteToken);
    }

    [Fact]
    public void Parse_NotifySecretFlag_WinsOverTheEnvironment()
    {
        var result = SourceOptionsParser.Parse(["-notify-secret", "from-flag"], _ => "from-env");

        Assert.Equal("from-flag", result.Options?.NotifySecret);
    }

    [Fact]
    public void Parse_NoNotifySecret_SendsNone()
    {
        var result = SourceOptionsParser.Parse(["-notify-secret="], _ => null);

        Assert.Null(result.Options?.NotifySecret);
    }

    [Fact]
    public void Usage_NamesEveryFlag()
    {
        foreach (var flag in new[] { "-db", "-http", "-name", "-max-body", "-notify", "-notify-secret", "-token", "--help" })
        {
            Assert.Contains(flag, SourceOptionsParser.Usage);
        }
    }
}
