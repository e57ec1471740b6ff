using Stories.Bench;

// bench seed    --db NAME --users N --followees N --stories N
// bench latency --db NAME --api URL --signing-key KEY --requests N --out FILE
// bench tokens  --db NAME --signing-key KEY --count N --out FILE   (bench/throughput.sh)
// bench demo    --api URL   (make seed: demo users and stories through the public API)
return args switch
{
    ["seed", .. var rest] => await Seeder.RunAsync(Arguments.Parse(rest)),
    ["latency", .. var rest] => await LatencyProbe.RunAsync(Arguments.Parse(rest)),
    ["tokens", .. var rest] => await BenchTokens.RunAsync(Arguments.Parse(rest)),
    ["demo", .. var rest] => await DemoSeeder.RunAsync(Arguments.Parse(rest)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Stories.Bench seed --db NAME --users N --followees N --stories N [--bcrypt-cost N]");
    Console.Error.WriteLine("       Stories.Bench latency --db NAME --api URL --signing-key KEY [--requests N] [--label TEXT]");
    Console.Error.WriteLine("       Stories.Bench tokens --db NAME --signing-key KEY --count N --out FILE");
    return 2;
}
