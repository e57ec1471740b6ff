using Stories.Bench;

// bench seed    --db NAME --users N --followees N --stories N
// bench latency --db NAME --api URL --signing-key KEY --requests N --out FILE
// bench demo    --api URL   (make seed: demo users and stories through the public API)
return args switch
{
    ["seed", .. var rest] => await Seeder.RunAsync(Arguments.Parse(rest)),
    ["latency", .. var rest] => await LatencyProbe.RunAsync(Arguments.Parse(rest)),
    ["demo", .. var rest] => await DemoSeeder.RunAsync(Arguments.Parse(rest)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Stories.Bench seed --db NAME --users N --followees N --stories N");
    Console.Error.WriteLine("       Stories.Bench latency --db NAME --api URL --signing-key KEY [--requests N] [--label TEXT]");
    return 2;
}
