using System.Globalization;

namespace CompletionLsp.Core.Eval;

/// <summary>
/// The one definition of a percentile for every benchmark and latency figure of this repository: completion-lsp-bench's
/// subcommands (lsp-latency, engine, neural latency, ...), <c>eval</c>'s line-completion latency and
/// <c>eval-semantic</c>'s latency.
/// <para>
/// Nearest rank: the p-th percentile of n samples sorted ascending is the sample of 1-based rank ceil(p / 100 * n),
/// at least 1 (p 0 is the smallest sample, p 100 the largest). It is always a latency that was measured, never an
/// interpolation between two, and at least p % of the samples are at or below it: of 685 samples, p99 is the 679th
/// smallest and the median (p50) the 343rd; of 4, the median is the 2nd.
/// </para>
/// </summary>
public static class Stats
{
    /// <summary>The nearest-rank percentile <paramref name="p"/> (0-100) of samples sorted ascending; NaN when there are none.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) return double.NaN;
        if (p is < 0 or > 100 || double.IsNaN(p)) throw new ArgumentOutOfRangeException(nameof(p), p, "a percentile is between 0 and 100");
        // p * n is exact for the integer percentiles used here, so the quotient is exact where the rank is a whole number.
        int rank = (int)Math.Ceiling(p * sorted.Count / 100.0);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    /// <summary>The samples sorted ascending (for <see cref="Percentile"/>).</summary>
    public static List<double> Sorted(IEnumerable<double> values)
    {
        var s = values.ToList();
        s.Sort();
        return s;
    }

    /// <summary>A row of a latency table: name, count, median, p90, p99 and max in milliseconds (the bench prints them as a
    /// table with Spectre.Console).</summary>
    public static IReadOnlyList<string> Row(string name, IEnumerable<double> values)
    {
        var s = Sorted(values);
        if (s.Count == 0) return [name, "0", "", "", "", ""];
        string F(double x) => x.ToString("F2", CultureInfo.InvariantCulture);
        return [name, s.Count.ToString(CultureInfo.InvariantCulture), F(Percentile(s, 50)), F(Percentile(s, 90)), F(Percentile(s, 99)), F(s[^1])];
    }

    public static readonly string[] RowHeaders = ["", "n", "median ms", "p90 ms", "p99 ms", "max ms"];
}
