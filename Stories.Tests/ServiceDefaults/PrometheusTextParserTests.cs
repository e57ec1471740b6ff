using Stories.Tests.Infrastructure;

namespace Stories.Tests.ServiceDefaults;

/// <summary>The parser that judges the exporter must itself refuse what Prometheus would refuse, or its approval means nothing.</summary>
public sealed class PrometheusTextParserTests
{
    [Theory]
    [InlineData("a_total 1\n", "no TYPE line")]
    [InlineData("# TYPE a_total counter\n# TYPE a_total counter\na_total 1\n", "a second TYPE")]
    [InlineData("# TYPE a_total counter\na_total 1", "does not end with a line feed")]
    [InlineData("# TYPE a_total counter\na_total{x=\"1\"} 1\n# TYPE b gauge\nb 2\na_total{x=\"2\"} 1\n", "not together")]
    [InlineData("# TYPE a_total counter\na_total{x=\"a\\tb\"} 1\n", "invalid escape")]
    [InlineData("# TYPE a_total counter\na_total{x=\"unclosed} 1\n", "never closes")]
    [InlineData("# TYPE a_total counter\na_total{1x=\"v\"} 1\n", "bad label name")]
    [InlineData("# TYPE a-b gauge\na-b 1\n", "bad metric name")]
    [InlineData("# TYPE a_total counter\na_total{x=\"1\",x=\"2\"} 1\n", "twice")]
    [InlineData("# TYPE a_total counter\na_total 1\na_total 2\n", "duplicate series")]
    [InlineData("# TYPE a_total counter\na_total -1\n", "negative counter")]
    [InlineData("# TYPE a gauge\na one\n", "not a float")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "cumulative")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", "differs from _count")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"10\"} 1\nh_sum 1\nh_count 1\n", "is not le=\"+Inf\"")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"10\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "does not increase")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n", "no _sum")]
    public void ParserRefusesInvalidExpositions(string text, string problem)
    {
        var error = Assert.Throws<FormatException>(() => PrometheusText.Parse(text));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParserAcceptsAValidExpositionAndUnescapesLabels()
    {
        const string text = "# HELP r_total Requests \\\\ answered.\n# TYPE r_total counter\nr_total{path=\"a\\\"b\\\\c\\nd\",code=\"200\"} 3 1700000000000\n" +
            "# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1.5\nh_count 2\n";

        var exposition = PrometheusText.Parse(text);

        Assert.Equal("Requests \\ answered.", exposition.Families["r_total"].Help);
        Assert.Equal(3, exposition.Value("r_total", ("path", "a\"b\\c\nd"), ("code", "200")));
        Assert.Equal(2, exposition.Value("h_count"));
    }
}
