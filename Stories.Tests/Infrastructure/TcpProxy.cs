using System.Net;
using System.Net.Sockets;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// A TCP forwarder in front of a real server, for outage tests: <see cref="Stop"/> closes the
/// listener and every open connection (clients then get "connection refused", as when the server
/// is down), <see cref="BlackHole"/> keeps every connection open and accepts new ones but passes no
/// byte either way (a server that hangs with its socket open), <see cref="Start"/> brings back a
/// working server on the same port. The shared servers keep running for every other test class.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly Lock _lock = new();
    private readonly List<TcpClient> _connections = [];
    private TcpListener? _listener;
    private CancellationTokenSource _stopping = new();
    private volatile bool _blackHole;

    public TcpProxy(string targetHost, int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Parse(targetHost == "localhost" ? "127.0.0.1" : targetHost), targetPort);
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Start();
    }

    public int Port { get; }

    public bool IsRunning => _listener is not null;

    /// <summary>From now on, bytes read from either side are dropped; connections stay open and new ones are accepted.</summary>
    public void BlackHole() => _blackHole = true;

    /// <summary>Listens again, or ends a black hole by closing its connections (their streams are cut mid-reply), so clients reconnect to a working server.</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_blackHole)
            {
                _blackHole = false;
                CloseConnections();
            }

            if (_listener is not null)
            {
                return;
            }

            _stopping = new CancellationTokenSource();
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start();
            _ = AcceptLoopAsync(_listener, _stopping.Token);
        }
    }

    public void Stop()
    {
        lock (_lock)
        {
            _stopping.Cancel();
            _listener?.Stop();
            _listener = null;
            _blackHole = false;
            CloseConnections();
        }
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private void CloseConnections()
    {
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }

        _connections.Clear();
    }

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping);
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }

            _ = ForwardAsync(client, stopping);
        }
    }

    private async Task ForwardAsync(TcpClient client, CancellationToken stopping)
    {
        var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_target, stopping);
            lock (_lock)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                _connections.Add(client);
                _connections.Add(upstream);
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var toServer = PumpAsync(client.GetStream(), upstream.GetStream(), linked.Token);
            var toClient = PumpAsync(upstream.GetStream(), client.GetStream(), linked.Token);
            await Task.WhenAny(toServer, toClient);
            await linked.CancelAsync();
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer or Stop() closed the connection; that is the point of the proxy.
        }
        finally
        {
            lock (_lock)
            {
                _connections.Remove(client);
                _connections.Remove(upstream);
            }

            client.Dispose();
            upstream.Dispose();
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (!_blackHole)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
    }
}
