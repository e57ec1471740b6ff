namespace Stories.Web;

// An explicit entry point rather than top-level statements: those generate a global `Program`, which
// would collide with the API's in the tests, which host both.
internal static class Program
{
    private static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddWebClient();

        var app = builder.Build();
        app.MapWebClient();
        app.MapDefaultEndpoints();

        app.Run();
    }
}
