using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Stories.Bench;

/// <summary>
/// Real signed JWTs for seeded users, minted with the key the benchmark gave the API — the same
/// token the API would issue at login, without paying a bcrypt hash per user.
/// </summary>
internal static class BenchTokens
{
    /// <summary>
    /// <c>bench tokens --db NAME --signing-key KEY --count N --out FILE</c>: the first N users by id,
    /// one token a line, for the wrk scripts of bench/throughput.sh. By id, so a run can also tell
    /// which stories these users wrote (<c>order by id limit N</c> in SQL).
    /// </summary>
    public static async Task<int> RunAsync(Arguments args)
    {
        var users = await UsersAsync(args.Get("db"), args.GetInt("count", 1000), shuffled: false);
        await File.WriteAllLinesAsync(args.Get("out"), Mint(args, users));
        Console.Error.WriteLine($"{users.Count} tokens in {args.Get("out")}");
        return 0;
    }

    /// <summary>Up to <paramref name="count"/> users (id and handle): the first by id, or a random sample.</summary>
    public static async Task<List<(Guid Id, string Handle)>> UsersAsync(string database, int count, bool shuffled)
    {
        await using var connection = new NpgsqlConnection(Arguments.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            shuffled ? "select id, handle from users order by random() limit @n" : "select id, handle from users order by id limit @n", connection);
        command.Parameters.AddWithValue("n", count);
        var users = new List<(Guid, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            users.Add((reader.GetGuid(0), reader.GetString(1)));
        }

        return users;
    }

    /// <summary>One token a user, with the claims the API's TokenIssuer puts in: <c>sub</c> and <c>handle</c>.</summary>
    public static List<string> Mint(Arguments args, IEnumerable<(Guid Id, string Handle)> users)
    {
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(args.Get("signing-key")));
        var handler = new JsonWebTokenHandler();
        return [.. users.Select(user => handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = args.Get("issuer", "stories"),
            Audience = args.Get("audience", "stories-clients"),
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, user.Id.ToString()), new Claim("handle", user.Handle)]),
            Expires = DateTime.UtcNow.AddHours(2),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        }))];
    }
}
