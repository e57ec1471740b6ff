using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Stories.Api.Infrastructure.Metrics;

namespace Stories.Api.Auth;

public sealed class PasswordOptions
{
    public const string SectionName = "Passwords";

    /// <summary>bcrypt's cost factor (log2 of the rounds): 10 ≈ 70 ms, 12 ≈ 270 ms a hash on the build machine.</summary>
    [Range(4, 16)]
    public int BcryptCost { get; set; } = 10;

    /// <summary>
    /// How many hashes may run at once; the rest wait. Each runs on a thread of its own, so the other
    /// routes keep every thread-pool worker and share the cores with the hashes.
    /// </summary>
    [Range(1, 256)]
    public int MaxConcurrentHashes { get; set; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>
    /// How many hashes may wait for one of those places. One more answers 503 with <c>Retry-After</c> at
    /// once: a flood of logins must not queue without bound, holding connections and memory while each
    /// waits longer than any client would.
    /// </summary>
    [Range(0, 10_000)]
    public int MaxQueuedHashes { get; set; } = 8 * Math.Max(1, Environment.ProcessorCount);
}

/// <summary>Every place for a bcrypt hash, running or waiting, is taken: the request answers 503 and may be retried.</summary>
public sealed class PasswordHasherBusyException() : Exception("Too many password hashes are running or waiting.");

/// <summary>
/// bcrypt through BCrypt.Net-Next, over UTF-8. bcrypt reads at most 72 bytes; callers reject longer
/// passwords before they get here, since the library would silently ignore the rest. Hashes written
/// before it (BouncyCastle's <c>$2y$</c>, same UTF-8 bytes) verify unchanged.
/// </summary>
public sealed class PasswordHasher : IDisposable
{
    public const int MaxPasswordBytes = 72;

    private readonly int _cost;
    private readonly SemaphoreSlim _gate;
    private readonly int _places;
    private readonly ApiMetrics _metrics;
    private int _admitted;
    private readonly Lazy<string> _dummyHash;

    public PasswordHasher(IOptions<PasswordOptions> options, ApiMetrics metrics)
    {
        _cost = options.Value.BcryptCost;
        _gate = new SemaphoreSlim(options.Value.MaxConcurrentHashes);
        _places = options.Value.MaxConcurrentHashes + options.Value.MaxQueuedHashes;
        _metrics = metrics;
        // Made by this process at the cost it is configured with, so raising the cost raises it too.
        _dummyHash = new(() => Generate(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))));
    }

    public Task<string> HashAsync(string password, CancellationToken cancellationToken) =>
        RunGatedAsync(() => Generate(password), cancellationToken);

    public Task<bool> VerifyAsync(string hash, string password, CancellationToken cancellationToken) =>
        RunGatedAsync(
            () =>
            {
                _metrics.PasswordVerified(CostOf(hash));
                return BCrypt.Net.BCrypt.Verify(password, hash);
            },
            cancellationToken);

    /// <summary>Pays the same cost as a real check, so an unknown email cannot be told apart by timing.</summary>
    public Task VerifyAgainstNothingAsync(string password, CancellationToken cancellationToken) =>
        VerifyAsync(_dummyHash.Value, password, cancellationToken);

    /// <summary>
    /// A hash of a lower cost than configured verifies faster than the dummy hash of an unknown email,
    /// which would tell them apart by timing: such a hash is replaced at the next successful login.
    /// </summary>
    public bool NeedsRehash(string hash) => CostOf(hash) < _cost;

    /// <summary>The cost in a modular-crypt bcrypt hash, <c>$2b$10$…</c>.</summary>
    private static int CostOf(string hash) =>
        hash.Length > 6 && int.TryParse(hash.AsSpan(4, 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var cost) ? cost : 0;

    public void Dispose() => _gate.Dispose();

    private string Generate(string password) => BCrypt.Net.BCrypt.HashPassword(password, _cost);

    private async Task<T> RunGatedAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _admitted) > _places)
        {
            Interlocked.Decrement(ref _admitted);
            throw new PasswordHasherBusyException();
        }

        try
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                // On a thread of its own, not a thread-pool worker: a hash holds its thread for tens of
                // milliseconds, and on a small machine the pool has as few workers as cores — with them all
                // hashing, every other request would queue behind the logins until the pool grew.
                return await Task.Factory.StartNew(() => Measured(work), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            finally
            {
                _gate.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _admitted);
        }
    }

    private T Measured<T>(Func<T> work)
    {
        _metrics.PasswordHashStarted();
        try
        {
            return work();
        }
        finally
        {
            _metrics.PasswordHashEnded();
        }
    }
}
