using System.Globalization;

namespace CompletionLsp.Bench;

public static class Stats
{
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) return double.NaN;
        double rank = p / 100 * (sorted.Count - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    public static string Line(string name, IEnumerable<double> values)
    {
        var s = values.OrderBy(v => v).ToList();
        if (s.Count == 0) return $"  {name,-22} (no samples)";
        return string.Create(CultureInfo.InvariantCulture,
            $"  {name,-22} n={s.Count,5}  median {Percentile(s, 50),7:F2} ms  p90 {Percentile(s, 90),7:F2} ms  p99 {Percentile(s, 99),7:F2} ms  max {s[^1],8:F2} ms");
    }
}
