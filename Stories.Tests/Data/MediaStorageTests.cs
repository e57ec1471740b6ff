using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Stories.Data.Storage;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Data;

/// <summary>
/// The storage client's own lifetime, below HTTP: the API's host disposes it while the bucket
/// provisioner may still be waiting on storage (a failed start — Kestrel could not bind — does that).
/// </summary>
public sealed class MediaStorageTests
{
    [Fact]
    public async Task DisposedWhileEnsuringTheBucketTheCallEndsAsCancelledNotWithObjectDisposed()
    {
        // A storage endpoint that accepts connections and never answers: the call stays in flight.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}");
        var connection = StorageConnection.Parse(TestStorage.ConnectionStringVia(endpoint));
        using var s3 = TestStorage.CreateClient(endpoint);
        var storage = new MediaStorage(s3, connection, Options.Create(new StorageOptions()), TimeProvider.System, NullLogger<MediaStorage>.Instance);
        using var cancellation = new CancellationTokenSource();

        var ensuring = storage.EnsureBucketAsync(cancellation.Token);
        using var accepted = await silent.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));
        storage.Dispose();
        await cancellation.CancelAsync();
        var exception = await Record.ExceptionAsync(() => ensuring);

        Assert.True(exception is OperationCanceledException, $"expected a cancellation, got {exception}");
    }
}
