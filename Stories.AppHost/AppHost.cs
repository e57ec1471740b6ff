using Stories.ServiceDefaults;

// The whole of Stories on one page. Resource names come from ResourceNames, the same constants the
// services read their connection strings by (ConnectionStrings__storiesdb, __cache, __minio).
var builder = DistributedApplication.CreateBuilder(args);

// Secrets are parameters: `dotnet user-secrets set Parameters:jwt-signing-key …` here, azd inputs
// when deployed. Nothing secret is written in this repository.
var jwtSigningKey = builder.AddParameter("jwt-signing-key", secret: true);
var minioUser = builder.AddParameter("minio-user");
var minioPassword = builder.AddParameter("minio-password", secret: true);

var postgres = builder.AddPostgres("postgres").WithDataVolume();
var database = postgres.AddDatabase(ResourceNames.Database);

var cache = builder.AddRedis(ResourceNames.Cache);

var storage = builder.AddMinioContainer(ResourceNames.Storage, minioUser, minioPassword).WithDataVolume();

// The API owns the schema: each replica applies pending migrations at startup under EF Core's
// migration lock. Two replicas so that the Redis fan-out of real-time events is exercised in dev.
var api = builder.AddProject<Projects.Stories_Api>(ResourceNames.Api)
    .WithReference(database).WaitFor(database)
    .WithReference(cache).WaitFor(cache)
    .WithReference(storage).WaitFor(storage)
    .WithEnvironment("Jwt__SigningKey", jwtSigningKey)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health")
    .WithReplicas(2);

// Deployed, Container Apps' ingress is a reverse proxy in front of every replica: the client IP, by
// which login and sign-up are rate-limited, is the one it appends to X-Forwarded-For.
if (builder.ExecutionContext.IsPublishMode)
{
    api.WithEnvironment("ASPNETCORE_FORWARDEDHEADERS_ENABLED", "true");
}

// The worker waits for the API because the API migrates the schema the worker sweeps.
builder.AddProject<Projects.Stories_Worker>(ResourceNames.Worker)
    .WithReference(database).WaitFor(database)
    .WithReference(storage).WaitFor(storage)
    .WaitFor(api)
    .WithHttpHealthCheck("/health");

builder.Build().Run();
