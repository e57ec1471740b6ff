using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Stories.Worker.Expiry;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// The built worker run as an OS process of its own, as in production — for faults a host inside
/// the test process cannot show, such as the process dying by SIGKILL. Its stdout is kept as parsed
/// JSON log lines.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<JsonElement> _lines = new();
    private readonly ConcurrentQueue<string> _otherOutput = new();

    private WorkerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, line) => Keep(line.Data);
        _process.ErrorDataReceived += (_, line) => Keep(line.Data);
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The JSON log lines written so far.</summary>
    public IReadOnlyList<JsonElement> Lines => [.. _lines];

    /// <summary>Everything the process wrote, for failure messages.</summary>
    public string Output => string.Join('\n', _lines.Select(line => line.GetRawText()).Concat(_otherOutput));

    /// <summary>
    /// Starts <c>Stories.Worker --sweep-once</c> with the given settings (environment variables such as
    /// <c>Expiry__BatchSize</c>). The test project references the worker, so the build puts its dll,
    /// runtimeconfig and deps file next to the test assembly; it runs from there.
    /// </summary>
    public static WorkerProcess StartSweepOnce(IReadOnlyDictionary<string, string> settings)
    {
        var dll = typeof(ExpirySweeper).Assembly.Location;
        var runtimeConfig = Path.ChangeExtension(dll, ".runtimeconfig.json");
        Assert.True(File.Exists(runtimeConfig), $"{runtimeConfig} is missing: build the test project so the worker is built with it.");
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--sweep-once");
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var worker = new WorkerProcess(Process.Start(start)!);
        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>The lines whose <c>msg</c> is <paramref name="message"/>.</summary>
    public IReadOnlyList<JsonElement> WithMessage(string message) =>
        [.. _lines.Where(line => line.TryGetProperty("msg", out var msg) && msg.GetString() == message)];

    /// <summary>SIGKILL: no shutdown hook, no flush, no rollback by the process itself.</summary>
    public void Kill() => _process.Kill();

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            // Also waits for the redirected output to be read to its end.
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The worker did not exit within {timeout.TotalSeconds} s. Output:\n{Output}");
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    /// <summary>The <c>dotnet</c> that runs the tests (the SDK exports its path), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private void Keep(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        try
        {
            _lines.Enqueue(JsonDocument.Parse(line).RootElement.Clone());
        }
        catch (JsonException)
        {
            _otherOutput.Enqueue(line);
        }
    }
}
