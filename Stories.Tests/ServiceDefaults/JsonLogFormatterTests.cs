using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stories.ServiceDefaults;

namespace Stories.Tests.ServiceDefaults;

public sealed class JsonLogFormatterTests
{
    [Fact]
    public void OrdinaryCharactersAreWrittenAsTheyAreAndTheLineStaysOneJsonObject()
    {
        const string text = "o'brien+tag é 日本 \"quoted\" back\\slash\nsecond line";
        List<KeyValuePair<string, object?>> state = [new("Handle", text), new("{OriginalFormat}", "user {Handle}")];
        using var writer = new StringWriter();

        new JsonLogFormatter().Write(
            new LogEntry<List<KeyValuePair<string, object?>>>(LogLevel.Information, "test", new EventId(1, "user_named"), state, null, (_, _) => "user " + text),
            scopeProvider: null,
            writer);

        var line = writer.ToString().TrimEnd('\n', '\r');
        Assert.DoesNotContain('\n', line);
        Assert.Contains("o'brien+tag é 日本 \\\"quoted\\\" back\\\\slash\\nsecond line", line, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", line, StringComparison.Ordinal);
        var entry = JsonDocument.Parse(line).RootElement;
        Assert.Equal("user " + text, entry.GetProperty("msg").GetString());
        Assert.Equal(text, entry.GetProperty("handle").GetString());
    }
}
