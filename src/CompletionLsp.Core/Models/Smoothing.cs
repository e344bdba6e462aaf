namespace CompletionLsp.Core.Models;

public enum SmoothingKind : byte
{
    /// <summary>Interpolated modified Kneser-Ney (Chen and Goodman), the default.</summary>
    KneserNey = 0,
    /// <summary>Add-delta at the longest context seen in training (backoff), a baseline.</summary>
    AddDelta = 1,
}

/// <summary>
/// Turns raw counts into ARPA-style query tables: for every stored n-gram its interpolated probability, and for
/// every context its backoff weight, so that P(w|h) = Prob(h,w) if (h,w) was seen, else Backoff(h) * P(w|h').
/// </summary>
public sealed class SmoothedTables
{
    public required float[][] Prob { get; init; }
    public required float[][] Backoff { get; init; }
    /// <summary>Discounts D1, D2, D3+ per order (Kneser-Ney only), for `info`.</summary>
    public required double[][] Discounts { get; init; }

    /// <summary>
    /// The Kneser-Ney tables, level by level from the unigrams up, holding at any time only the suffix links of two
    /// levels and the adjusted counts of one besides the result (loading a model costs little more than its size).
    /// </summary>
    public static SmoothedTables KneserNey(NGramCounts c)
    {
        int N = c.Order, V = c.VocabSize;
        var prob = new float[N][];
        var backoff = new float[N][];
        var discounts = new double[N][];
        // The n-grams that start with <s> are a contiguous range at each level (its descendants in the sorted trie).
        int bosLo = Vocabulary.Bos, bosHi = Vocabulary.Bos + 1;
        int[]? suffixCur = null; // suffix[n][j]: index at level n-1 of the j-th n-gram (level n) without its first word
        int[]? suffixNext = N > 1 ? Suffixes(c, 1, null) : null;
        for (int n = 0; n < N; n++)
        {
            // Adjusted counts: continuation counts for lower orders, raw for the top order and for n-grams starting with <s>.
            int[] a;
            if (n == N - 1) a = n == 0 ? (int[])c.Counts[0].Clone() : c.Counts[n];
            else
            {
                a = new int[c.Words[n].Length];
                foreach (var s in suffixNext!) a[s]++;
                for (int i = bosLo; i < bosHi; i++) a[i] = c.Counts[n][i];
            }
            if (n == 0) { if (a == c.Counts[0]) a = (int[])a.Clone(); a[Vocabulary.Bos] = 0; } // <s> is never predicted
            long n1 = 0, n2 = 0, n3 = 0, n4 = 0;
            foreach (var x in a) { if (x == 1) n1++; else if (x == 2) n2++; else if (x == 3) n3++; else if (x == 4) n4++; }
            var d = discounts[n] = ComputeDiscounts(n1, n2, n3, n4);
            if (n == 0)
            {
                // Unigrams: interpolate with the uniform distribution over the vocabulary less <s>.
                double total = 0, gammaNum = 0;
                for (int w = 0; w < V; w++)
                {
                    if (w == Vocabulary.Bos || a[w] == 0) continue;
                    total += a[w];
                    gammaNum += d[Math.Min(a[w], 3) - 1];
                }
                double gamma = total > 0 ? gammaNum / total : 1.0;
                double uniform = 1.0 / (V - 1);
                var p = new float[V];
                for (int w = 0; w < V; w++)
                {
                    if (w == Vocabulary.Bos) continue;
                    double disc = a[w] > 0 ? (a[w] - d[Math.Min(a[w], 3) - 1]) / total : 0;
                    p[w] = (float)(disc + gamma * uniform);
                }
                prob[0] = p;
            }
            else
            {
                var cs = c.ChildStart[n - 1];
                int parents = cs.Length - 1;
                var bo = new float[parents];
                var p = new float[a.Length];
                var lower = prob[n - 1];
                var suf = suffixCur!;
                for (int h = 0; h < parents; h++)
                {
                    int s = cs[h], e = cs[h + 1];
                    if (s == e) { bo[h] = 1f; continue; }
                    double total = 0, gammaNum = 0;
                    for (int j = s; j < e; j++) { total += a[j]; gammaNum += d[Math.Min(a[j], 3) - 1]; }
                    double gamma = gammaNum / total;
                    for (int j = s; j < e; j++)
                        p[j] = (float)((a[j] - d[Math.Min(a[j], 3) - 1]) / total + gamma * lower[suf[j]]);
                    bo[h] = (float)gamma;
                }
                prob[n] = p;
                backoff[n - 1] = bo;
            }
            // Next level: its suffix links, and where its n-grams starting with <s> lie.
            if (n + 1 < N)
            {
                suffixCur = suffixNext;
                suffixNext = n + 2 < N ? Suffixes(c, n + 2, suffixCur) : null;
                var next = c.ChildStart[n];
                (bosLo, bosHi) = (next[bosLo], next[bosHi]);
            }
        }
        backoff[N - 1] = [];
        return new SmoothedTables { Prob = prob, Backoff = backoff, Discounts = discounts };
    }

    /// <summary>For each n-gram at 0-based level <paramref name="n"/>: the index at level n-1 of the n-gram without its
    /// first word (found from the parent's suffix, <paramref name="parentSuffix"/>, level n-1).</summary>
    private static int[] Suffixes(NGramCounts c, int n, int[]? parentSuffix)
    {
        var ws = c.Words[n];
        var cs = c.ChildStart[n - 1];
        var suf = new int[ws.Length];
        for (int h = 0; h + 1 < cs.Length; h++)
            for (int j = cs[h]; j < cs[h + 1]; j++)
            {
                suf[j] = n == 1 ? ws[j] : c.FindChild(n - 2, parentSuffix![h], ws[j]);
                if (suf[j] < 0) throw new InvalidDataException("n-gram table is not suffix-closed");
            }
        return suf;
    }

    internal static double[] ComputeDiscounts(long n1, long n2, long n3, long n4)
    {
        if (n1 == 0 || n2 == 0 || n3 == 0 || n4 == 0)
        {
            // Too little data for modified discounts: fall back to absolute discounting with D = 0.5..
            return [0.5, 0.75, 0.9];
        }
        double y = (double)n1 / (n1 + 2.0 * n2);
        double d1 = 1 - 2 * y * n2 / n1;
        double d2 = 2 - 3 * y * n3 / n2;
        double d3 = 3 - 4 * y * n4 / n3;
        // Keep each discount in (0, count) so that no seen n-gram loses all its mass.
        return [Math.Clamp(d1, 0.01, 0.99), Math.Clamp(d2, 0.01, 1.99), Math.Clamp(d3, 0.01, 2.99)];
    }
}
