using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Stories.Data;

namespace Stories.Bench;

/// <summary>
/// Seeds a benchmark database with set-based SQL (generate_series), growing it to the requested
/// size: users with a real bcrypt hash, a fixed number of followees each, and stories of which
/// one in twenty is active (the rest expired and swept, as after weeks of traffic). Ids are derived
/// from sequence numbers (md5), so a later, larger run adds to the same data.
/// </summary>
internal static class Seeder
{
    public const string Password = "benchmark password";
    private const int Chunk = 50_000;

    public static async Task<int> RunAsync(Arguments args)
    {
        var database = args.Get("db");
        var users = args.GetInt("users", 100_000);
        var followees = args.GetInt("followees", 200);
        var stories = args.GetInt("stories", 1_000_000);
        // The API's Passwords:BcryptCost (10 by default), so a seeded user's login costs what a real one does.
        var bcryptCost = args.GetInt("bcrypt-cost", 10);
        await CreateAndMigrateAsync(args, database);

        await using var connection = new NpgsqlConnection(Arguments.ConnectionString(database));
        await connection.OpenAsync();
        // Skip FK triggers while bulk loading: every id below is generated consistently.
        await ExecuteAsync(connection, "set session_replication_role = replica");

        var haveUsers = await CountAsync(connection, "select count(*) from users");
        if (haveUsers < users)
        {
            var hash = BCrypt.Net.BCrypt.HashPassword(Password, bcryptCost);
            await InChunksAsync("users", haveUsers, users, (from, to) => ExecuteAsync(connection, """
                insert into users (id, email, password_hash, handle, created_at)
                select md5('user' || i)::uuid, 'bench' || i || '@bench.example', @hash, 'bench_' || i, now() - interval '90 days'
                from generate_series(@from, @to) i
                """, ("from", from), ("to", to), ("hash", hash)));
            await ExecuteAsync(connection, "truncate follows");
            var perChunk = Math.Max(1, Chunk / Math.Max(1, followees / 20));
            await InChunksAsync("follow lists", 0, users, (from, to) => ExecuteAsync(connection, """
                insert into follows (follower_id, followee_id, created_at)
                select md5('user' || i)::uuid, md5('user' || (((i - 1 + j * 9973) % @users) + 1))::uuid, now() - interval '30 days'
                from generate_series(@from, @to) i, generate_series(1, @followees) j
                on conflict do nothing
                """, ("from", from), ("to", to), ("users", users), ("followees", followees)), perChunk);
        }

        var haveStories = await CountAsync(connection, "select count(*) from stories");
        await InChunksAsync("stories", haveStories, stories, async (from, to) =>
        {
            await ExecuteAsync(connection, """
                insert into stories (id, author_id, text, visibility, has_audience, created_at, expires_at, deleted_at)
                select md5('story' || i)::uuid,
                       md5('user' || (1 + floor(random() * @users)::int))::uuid,
                       (select string_agg('w' || floor(random() * 3000)::int, ' ') from generate_series(1, 8 + i * 0)),
                       case when r < 0.6 then 'public' when r < 0.9 then 'friends' else 'private' end,
                       i % 20 = 7 and r >= 0.6 and r < 0.9,
                       created, created + interval '24 hours',
                       case when active then null else created + interval '24 hours 1 minute' end
                from (select i, random() as r, i % 20 = 0 as active,
                             case when i % 20 = 0 then now() - random() * interval '23 hours'
                                  else now() - interval '25 hours' - random() * interval '29 days' end as created
                      from generate_series(@from, @to) i) s
                """, ("from", from), ("to", to), ("users", users));
            // A close-friends list on one friends story in twenty; ten views on each active story.
            await ExecuteAsync(connection, """
                insert into story_audience (story_id, user_id)
                select s.id, md5('user' || (1 + floor(random() * @users)::int))::uuid
                from stories s, generate_series(1, 5) k
                where s.id in (select md5('story' || i)::uuid from generate_series(@from, @to) i where i % 20 = 7)
                  and s.has_audience
                on conflict do nothing
                """, ("from", from), ("to", to), ("users", users));
            await ExecuteAsync(connection, """
                insert into story_views (story_id, viewer_id, viewed_at)
                select s.id, md5('user' || (1 + floor(random() * @users)::int))::uuid, s.created_at + interval '1 minute'
                from stories s, generate_series(1, 10) k
                where s.id in (select md5('story' || i)::uuid from generate_series(@from, @to) i where i % 20 = 0)
                on conflict do nothing
                """, ("from", from), ("to", to), ("users", users));
        });

        // A database in service has been vacuumed: its visibility map lets the follows and feed probes
        // stay index-only and its rows carry their hint bits. Right after a bulk load neither is true,
        // and the first minutes of a benchmark would pay for it. (It does not explain bench/warmup.sh's
        // slow steady state: docs/benchmarks.md.)
        Console.Error.WriteLine("vacuum (analyze)…");
        await ExecuteAsync(connection, "vacuum (analyze)");
        Console.WriteLine($"seeded {database}: {await CountAsync(connection, "select count(*) from users")} users, " +
            $"{await CountAsync(connection, "select count(*) from follows")} follows, {await CountAsync(connection, "select count(*) from stories")} stories " +
            $"({await CountAsync(connection, "select count(*) from stories where deleted_at is null")} active)");
        return 0;
    }

    private static async Task CreateAndMigrateAsync(Arguments args, string database)
    {
        await using (var admin = new NpgsqlConnection(Arguments.ConnectionString("postgres")))
        {
            await admin.OpenAsync();
            if (await CountAsync(admin, "select count(*) from pg_database where datname = @db", ("db", database)) == 0)
            {
                await ExecuteAsync(admin, $"create database \"{database}\"");
            }
        }

        var options = new DbContextOptionsBuilder<StoriesDbContext>()
            .UseNpgsql(Arguments.ConnectionString(database))
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning))
            .Options;
        await using var db = new StoriesDbContext(options);
        await db.Database.MigrateAsync();
    }

    private static async Task InChunksAsync(string what, long have, long want, Func<long, long, Task> insert, int chunk = Chunk)
    {
        var clock = Stopwatch.StartNew();
        for (var from = have + 1; from <= want; from += chunk)
        {
            var to = Math.Min(want, from + chunk - 1);
            await insert(from, to);
            Console.Error.Write($"\r{what}: {to:N0}/{want:N0} ({clock.Elapsed.TotalSeconds:F0} s)   ");
        }

        if (want > have)
        {
            Console.Error.WriteLine();
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
