"""Compares two SOS `dumpheap -stat` listings: what the second heap holds more of, per held connection.

Usage: heapdiff.py BEFORE.stat AFTER.stat [TOP]. The connection count is the growth in Kestrel's
Http1Connection objects (one per held stream). Prints Markdown: the kinds, then the TOP types.
"""
import re
import sys

CONNECTION = "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.Http1Connection"
# First match wins; a type's kind is decided by its name, or, for an async method's pending state
# (AsyncStateMachineBox<…>), by the method it belongs to.
KINDS = [
    ("the event stream (Stories, channels, timers)", r"Stories\.Api\.Features\.Events|System\.Threading\.Channels|TimerQueueTimer|TimerCallback"),
    ("authentication and authorization", r"System\.Security\.Claims|Microsoft\.IdentityModel|Microsoft\.AspNetCore\.Authentication|Microsoft\.AspNetCore\.Authorization|JwtBearer"),
    ("tracing and metrics", r"System\.Diagnostics\.Activity|OpenTelemetry|HttpMetrics"),
    ("the middleware's and endpoint's pending calls", r"AsyncStateMachineBox<.*(Middleware|RequestDelegateFactory|StartupFilter|Stories\.Api)"),
    ("the HTTP connection (Kestrel, sockets, pipes, HttpContext)", r"Microsoft\.AspNetCore\.Server\.Kestrel|System\.Net\.Sockets|System\.IO\.Pipelines|Microsoft\.AspNetCore\.Http\.|Microsoft\.AspNetCore\.Hosting"),
    ("general-purpose types (strings, dictionaries, arrays, locks, cancellation)", r".*"),
]


def load(path):
    types = {}
    with open(path, encoding="utf-8") as listing:
        for line in listing:
            match = re.match(r"^\s*[0-9a-f]{8,}\s+([\d,]+)\s+([\d,]+)\s+(.+?)\s*$", line)
            # "Free" is the gaps between objects, not objects.
            if match and match[3] != "Free":
                count, size, name = int(match[1].replace(",", "")), int(match[2].replace(",", "")), match[3]
                entry = types.setdefault(name, [0, 0])
                entry[0] += size
                entry[1] += count
    return types


def main():
    before, after = load(sys.argv[1]), load(sys.argv[2])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    connections = sum(after[name][1] for name in after if name.startswith(CONNECTION)) - sum(
        before[name][1] for name in before if name.startswith(CONNECTION))
    if connections <= 0:
        sys.exit("no more Kestrel connections in the second heap than in the first")
    grown = sorted(
        ((after.get(name, [0, 0])[0] - before.get(name, [0, 0])[0], after.get(name, [0, 0])[1] - before.get(name, [0, 0])[1], name)
         for name in set(before) | set(after)),
        reverse=True)
    total = sum(size for size, _, _ in grown)
    kinds = {label: [0, 0] for label, _ in KINDS}
    for size, count, name in grown:
        label = next(label for label, pattern in KINDS if re.search(pattern, name))
        kinds[label][0] += size
        kinds[label][1] += count
    print(f"{connections:,} connections held; managed heap {sum(v[0] for v in before.values()) / 2**20:,.1f} → "
          f"{sum(v[0] for v in after.values()) / 2**20:,.1f} MB: **{total / connections:,.0f} bytes a stream**.")
    print()
    print("| kind | bytes a stream | objects a stream |")
    print("|---|---|---|")
    for label, (size, count) in kinds.items():
        print(f"| {label} | {size / connections:,.0f} | {count / connections:,.1f} |")
    print()
    print(f"The {top} types that grew most:")
    print()
    print("| type | bytes a stream | objects a stream |")
    print("|---|---|---|")
    for size, count, name in grown[:top]:
        print(f"| `{name}` | {size / connections:,.0f} | {count / connections:,.2f} |")


if __name__ == "__main__":
    main()
