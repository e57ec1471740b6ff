using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stories.ServiceDefaults;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// A logger provider that writes each entry through the API's own <see cref="JsonLogFormatter"/> — the
/// same line the console would print — and keeps the lines, so tests assert what operators would read.
/// </summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly JsonLogFormatter _formatter = new();
    private IExternalScopeProvider? _scopes;

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>Every captured line, parsed.</summary>
    public IReadOnlyList<JsonElement> Entries => [.. _lines.Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    /// <summary>The captured entries of one named event (<c>"event": name</c>).</summary>
    public IReadOnlyList<JsonElement> Events(string name) =>
        [.. Entries.Where(entry => entry.TryGetProperty("event", out var e) && e.GetString() == name)];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => capture._scopes?.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            using var writer = new StringWriter();
            capture._formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), capture._scopes, writer);
            var line = writer.ToString().TrimEnd('\n', '\r');
            if (line.Length > 0)
            {
                capture._lines.Enqueue(line);
            }
        }
    }
}
