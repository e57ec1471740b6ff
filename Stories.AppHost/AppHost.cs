using Microsoft.Extensions.Configuration;
using Stories.Resources;

// The whole of Stories on one page. Resource names come from ResourceNames, the same constants the
// services read their connection strings by (ConnectionStrings__storiesdb, __cache, __minio).
var builder = DistributedApplication.CreateBuilder(args);

// Secrets are parameters: `dotnet user-secrets set Parameters:jwt-signing-key …` here, azd inputs
// when deployed. Nothing secret is written in this repository.
var jwtSigningKey = builder.AddParameter("jwt-signing-key", secret: true);

var postgres = builder.AddPostgres("postgres").WithDataVolume();
var database = postgres.AddDatabase(ResourceNames.Database);

// Redis in a container, or any Redis by its connection string: set ConnectionStrings:cache to a
// clustered one (Azure Managed Redis, a Redis Cluster: "node1:6379,node2:6379,password=…,ssl=true")
// and the client finds the cluster's topology itself; every key a command touches together shares a
// hash tag, so multi-key commands stay in one slot (README, "Redis Cluster").
IResourceBuilder<IResourceWithConnectionString> cache = builder.Configuration.GetConnectionString(ResourceNames.Cache) is { Length: > 0 }
    ? builder.AddConnectionString(ResourceNames.Cache)
    : builder.AddRedis(ResourceNames.Cache);

// MinIO is a resource of our own (MinioResource.cs, ADR 0008). Any other S3 server (AWS S3, R2, Ceph,
// Garage, RustFS) takes its place by its connection string alone: set ConnectionStrings:minio
// (`dotnet user-secrets set ConnectionStrings:minio "Endpoint=https://…;AccessKey=…;SecretKey=…"`).
IResourceBuilder<IResourceWithConnectionString> storage = builder.Configuration.GetConnectionString(ResourceNames.Storage) is { Length: > 0 }
    ? builder.AddConnectionString(ResourceNames.Storage)
    : builder.AddMinio(
        ResourceNames.Storage,
        builder.AddParameter("minio-user"),
        builder.AddParameter("minio-password", secret: true)).WithDataVolume();

// Every service serves /health, /healthz and /metrics on a `management` endpoint of its own, which is
// never external and is what the health checks probe; the public endpoints answer only /alive of
// them (ManagementEndpointExtensions.cs, ADR 0014).

// The API owns the schema: each replica applies pending migrations at startup, serialised by a
// PostgreSQL advisory lock (Stories.Data/DataExtensions.cs says why not EF Core's own lock). Two
// replicas, so that the Redis fan-out of real-time events is exercised in development too.
// Aspire sets ASPNETCORE_FORWARDEDHEADERS_ENABLED on every project with endpoints: deployed behind
// Container Apps' ingress, the client IP that login and sign-up are rate-limited by is the forwarded one.
var api = builder.AddProject<Projects.Stories_Api>(ResourceNames.Api)
    .WithReference(database).WaitFor(database)
    .WithReference(cache).WaitFor(cache)
    .WithReference(storage).WaitFor(storage)
    .WithEnvironment("Jwt__SigningKey", jwtSigningKey)
    .WithExternalHttpEndpoints()
    .WithManagementEndpoint()
    .WithReplicas(2);

// The worker waits for the API because the API migrates the schema the worker sweeps.
builder.AddProject<Projects.Stories_Worker>(ResourceNames.Worker)
    .WithReference(database).WaitFor(database)
    .WithReference(storage).WaitFor(storage)
    .WaitFor(api)
    .WithManagementEndpoint();

// The reference web client: static files that find the API through service discovery (WithReference
// sets services__api__http__0, served to the browser as /config.json). The browser calls the API and
// PUTs media to storage from the web's origin, so both allow exactly that origin (ADR 0010). Only the
// API's public endpoints: the web has no business with its management one.
var web = builder.AddProject<Projects.Stories_Web>(ResourceNames.Web)
    .WithReference(api.GetEndpoint("http"))
    .WithReference(api.GetEndpoint("https"))
    .WithExternalHttpEndpoints()
    .WithManagementEndpoint();
var webOrigin = web.GetEndpoint("http");
api.WithEnvironment("Cors__Origins__0", webOrigin)
    .WithEnvironment("Storage__CorsOrigins", webOrigin);

builder.Build().Run();
