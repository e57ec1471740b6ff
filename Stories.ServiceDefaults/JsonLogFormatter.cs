using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Stories.ServiceDefaults;

/// <summary>
/// One JSON object per log line, shaped for log pipelines rather than for .NET's own JSON format:
/// <c>{"timestamp":…,"level":"info","msg":"stories expired","event":"story_expired","count":5,
/// "duration_ms":12.3,"trace_id":…}</c>. Every structured field of the message becomes a top-level
/// snake_case key, so messages stay short and stable and the data lives in fields.
/// </summary>
/// <remarks>
/// The console logger formats on the calling thread, so <see cref="Activity.Current"/> is the
/// activity of the code that logged.
/// </remarks>
public sealed class JsonLogFormatter() : ConsoleFormatter(FormatterName)
{
    /// <summary>The name under which the formatter is registered.</summary>
    public const string FormatterName = "stories-json";

    private const string OriginalFormatKey = "{OriginalFormat}";

    /// <summary>
    /// Text as it is: a log line goes to a pipeline, never into HTML, so <c>+</c>, <c>'</c> and
    /// non-ASCII letters need no <c>\u</c> escape (the default encoder's are for embedding in web
    /// pages). Quotes, backslashes and control characters are still escaped, so a line stays one
    /// JSON object.
    /// </summary>
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <inheritdoc />
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", DateTimeOffset.UtcNow);
            json.WriteString("level", LevelName(logEntry.LogLevel));
            json.WriteString("msg", message);
            json.WriteString("category", logEntry.Category);
            if (!string.IsNullOrEmpty(logEntry.EventId.Name))
            {
                json.WriteString("event", logEntry.EventId.Name);
            }

            var written = new HashSet<string>(StringComparer.Ordinal) { "timestamp", "level", "msg", "category", "event" };
            if (Activity.Current is { } activity)
            {
                json.WriteString("trace_id", activity.TraceId.ToHexString());
                json.WriteString("span_id", activity.SpanId.ToHexString());
                written.Add("trace_id");
                written.Add("span_id");
            }

            if (logEntry.State is IEnumerable<KeyValuePair<string, object?>> fields)
            {
                WriteFields(json, fields, written);
            }

            scopeProvider?.ForEachScope(
                (scope, state) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> scopeFields)
                    {
                        WriteFields(state.Json, scopeFields, state.Written);
                    }
                },
                (Json: json, Written: written));

            if (logEntry.Exception is { } exception)
            {
                json.WriteString("error", exception.ToString());
            }

            json.WriteEndObject();
        }

        textWriter.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static void WriteFields(Utf8JsonWriter json, IEnumerable<KeyValuePair<string, object?>> fields, HashSet<string> written)
    {
        foreach (var (key, value) in fields)
        {
            if (key == OriginalFormatKey)
            {
                continue;
            }

            var name = JsonNamingPolicy.SnakeCaseLower.ConvertName(key);
            if (!written.Add(name))
            {
                continue;
            }

            json.WritePropertyName(name);
            WriteValue(json, value);
        }
    }

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case bool b: json.WriteBooleanValue(b); break;
            case int i: json.WriteNumberValue(i); break;
            case long l: json.WriteNumberValue(l); break;
            case double d when double.IsFinite(d): json.WriteNumberValue(Math.Round(d, 3)); break;
            case float f when float.IsFinite(f): json.WriteNumberValue(f); break;
            case decimal m: json.WriteNumberValue(m); break;
            case DateTimeOffset t: json.WriteStringValue(t); break;
            case DateTime t: json.WriteStringValue(t); break;
            case Guid g: json.WriteStringValue(g); break;
            default: json.WriteStringValue(value.ToString()); break;
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "none",
    };
}
