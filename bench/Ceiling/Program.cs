// One GET / answering a small JSON body: HTTP/1.1 keep-alive, routing and serialization on Kestrel,
// with no middleware. bench/throughput.sh runs it on a port of its own next to the API.
var builder = WebApplication.CreateSlimBuilder(args);
var app = builder.Build();

app.MapGet("/", () => TypedResults.Ok(new Pong("ok")));

app.Run();

internal sealed record Pong(string Status);
