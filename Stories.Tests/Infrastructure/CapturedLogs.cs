using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stories.ServiceDefaults;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// A logger provider that formats every entry with the production <see cref="JsonLogFormatter"/> and
/// keeps the parsed JSON, so tests assert the very line an operator's log pipeline receives.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly JsonLogFormatter _formatter = new();
    private readonly ConcurrentQueue<JsonElement> _lines = new();

    public IReadOnlyList<JsonElement> Lines => [.. _lines];

    /// <summary>The lines whose <c>event</c> field is <paramref name="eventName"/>, oldest first.</summary>
    public IReadOnlyList<JsonElement> WithEvent(string eventName) =>
        [.. _lines.Where(line => line.TryGetProperty("event", out var name) && name.GetString() == eventName)];

    /// <summary>Waits for a line with the event (after <paramref name="skip"/> earlier ones) and returns it; fails after a generous bound.</summary>
    public async Task<JsonElement> WaitForEventAsync(string eventName, int skip = 0)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (WithEvent(eventName) is var lines && lines.Count <= skip)
        {
            try
            {
                await Task.Delay(50, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"No '{eventName}' log line (#{skip + 1}) appeared. Lines: {string.Join('\n', Lines)}");
            }
        }

        return WithEvent(eventName)[skip];
    }

    public void Clear() => _lines.Clear();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            using var writer = new StringWriter();
            owner._formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), null, writer);
            if (writer.ToString() is { Length: > 0 } line)
            {
                owner._lines.Enqueue(JsonDocument.Parse(line).RootElement.Clone());
            }
        }
    }
}
